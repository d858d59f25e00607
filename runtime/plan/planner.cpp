// MakePlan: select the publications, evaluate only what they need, derive
// each publication's desired members and diff them against recorded state
// (docs/plan.md has the decisions: due, keys, duplicates, frozen audiences).

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>

#include "runtime/plan/phases.h"
#include "runtime/plan/plan.h"
#include "runtime/plan/refresh.h"
#include "runtime/state/read_error.h"
#include "runtime/state/uuid.h"

namespace aud::plan {

Plan::Summary Plan::summary() const {
  Summary s;
  for (const auto& p : publications) {
    switch (p.action) {
      case Action::Create: ++s.add; break;
      case Action::Update: ++s.change; break;
      case Action::Delete: ++s.destroy; break;
      case Action::Replace:
        ++s.add;
        ++s.destroy;
        break;
      case Action::NoOp: break;
    }
  }
  return s;
}

bool Plan::has_changes() const {
  for (const auto& p : publications)
    if (p.action != Action::NoOp) return true;
  return false;
}

namespace {

std::string Q(const std::string& s) { return "`" + s + "`"; }

// One audience being planned.
struct AudienceWork {
  std::string name;
  const ir::Audience* ir = nullptr;
  const ast::AudienceDecl* decl = nullptr;
  std::string refresh;
  int64_t every_ms = 0;
  std::string hash;
  std::optional<state::AudienceRecord> record;
  bool evaluate = false;
};

}  // namespace

bool MakePlan(const PlanInput& in, const PlanOptions& options, Plan* out,
              std::vector<std::string>* errors) {
  *out = Plan{};
  errors->clear();
  if (!in.project || !in.program || !in.store || !in.profiles || !in.state || !in.make_evaluator) {
    errors->push_back("internal error: incomplete plan input");
    return false;
  }
  const check::Project& project = *in.project;
  const check::Module& module = project.module;
  const ir::Program& prog = *in.program;
  const store::Profiles& profiles = *in.profiles;
  state::State& st = *in.state;

  state::TakeReadError(&st);  // only reads made for this plan count below
  Plan plan;
  std::string uuid_error;
  if (!state::NewUuid(&plan.id, &uuid_error)) {
    errors->push_back("cannot create a plan id: " + uuid_error);
    return false;
  }
  plan.lineage = st.lineage();
  plan.environment = in.environment;
  plan.serial = st.serial();
  plan.as_of = options.as_of;
  plan.created_at = options.now;
  plan.fingerprints = CurrentFingerprints(project, prog, in.data_fingerprint);
  plan.ingest = in.ingest;
  const bool refresh = options.refresh || options.refresh_only;
  plan.refresh = options.refresh_only ? "only" : refresh ? "on" : "off";

  // ---- 1. Selection: code and state, then --target / --exclude.
  Selection sel;
  if (!SelectPublications(module, st, options, &sel, errors)) return false;
  auto& code = sel.code;
  const auto& recorded = sel.recorded;
  const auto& uncertain = sel.uncertain;
  const std::vector<PubKey>& planned = sel.planned;
  auto selected = [&](const PubKey& k) { return Selected(options, k); };

  // ---- Per audience of a selected code publication: frozen, due, evaluate?
  std::map<std::string, AudienceWork> work;
  for (const auto& k : planned) {
    if (work.count(k.first)) continue;
    AudienceWork w;
    w.name = k.first;
    w.ir = prog.FindAudience(k.first);
    w.decl = module.Get<ast::AudienceDecl>(k.first);
    if (!w.ir) {
      errors->push_back("internal error: audience " + Q(k.first) + " was not lowered");
      return false;
    }
    w.refresh = RefreshOf(w.decl, &w.every_ms);
    w.hash = DefinitionHash(prog, k.first);
    w.record = st.Audience(k.first);
    work[k.first] = std::move(w);
  }
  // ---- Refresh (refresh.h): read back every readable destination. Keys
  // that differ from state make a frozen or not-due publication evaluated.
  std::map<std::pair<std::string, std::string>, connectors::ReadBack> readback;
  std::set<std::pair<std::string, std::string>> key_drift;
  if (refresh) {
    for (const auto& k : planned) {
      Dest d = DestOf(project, k.second);
      std::vector<std::string> fields;
      if (d.decl) {
        for (const auto* m : d.mappings) fields.push_back(m->target.value);
      } else {
        for (uint32_t a : work[k.first].ir->attributes) fields.push_back(prog.formulas[a].name);
      }
      connectors::ReadBack rb = ReadDestination(project, in.project_dir, in.environment,
                                                d.connection, k.first, fields, k.second);
      if (!rb.error.empty())
        plan.warnings.push_back("publication " + k.first + " -> " + k.second +
                                ": cannot read the destination back (" + rb.error +
                                "); its drift is not checked");
      readback.emplace(k, std::move(rb));
    }
    // Two publications read from one file (two destinations of an audience
    // on one file connection) would each see the other's rows as drift:
    // such a file is not compared.
    std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_file;
    for (auto& [k, rb] : readback)
      if (rb.readable && rb.error.empty() && !rb.identity.empty())
        by_file[rb.identity + "/" + k.first].push_back(k);
    for (const auto& [file, ks] : by_file) {
      if (ks.size() < 2) continue;
      for (const auto& k : ks) {
        readback[k].readable = false;
        plan.warnings.push_back("publication " + k.first + " -> " + k.second + ": " +
                                readback[k].where +
                                " is written by another publication too; its drift is not checked");
      }
    }
    for (const auto& [k, rb] : readback) {
      std::map<std::string, state::Member> current;
      if (recorded.count(k))
        for (auto& [key, m] : st.Members(k.first, k.second))
          if (m.status != state::MemberStatus::Exited) current.emplace(key, m);
      if (KeysDrift(rb, current)) key_drift.insert(k);
    }
  }

  // A publication recorded at another place (a file connection's `dir`
  // changed) is re-published there in full.
  std::map<std::pair<std::string, std::string>, std::string> target;
  std::set<std::pair<std::string, std::string>> moved;
  for (const auto& k : planned) {
    target[k] = connectors::DestinationIdentity(
        ConnectionOf(project, DestOf(project, k.second).connection));
    auto r = recorded.find(k);
    if (r != recorded.end() && !r->second.target.empty() && !target[k].empty() &&
        r->second.target != target[k])
      moved.insert(k);
  }

  // A publication is not evaluated when frozen (`refresh once`, recorded with
  // the same definition) or not due (--due, interval not elapsed).
  auto frozen = [&](const AudienceWork& w, const std::pair<std::string, std::string>& k) {
    if (uncertain.count(k) || key_drift.count(k) || moved.count(k)) return false;  // settle
    auto r = recorded.find(k);
    return w.refresh == "once" && r != recorded.end() && r->second.definition_hash == w.hash;
  };
  auto not_due = [&](const AudienceWork& w, const std::pair<std::string, std::string>& k) {
    if (uncertain.count(k) || key_drift.count(k) || moved.count(k)) return false;
    if (!options.due || w.every_ms <= 0 || !recorded.count(k)) return false;
    if (!w.record || w.record->last_published <= 0) return false;
    return options.now - w.record->last_published < w.every_ms;
  };
  std::vector<std::string> only;
  std::set<std::string> only_set;
  for (const auto& k : planned) {
    AudienceWork& w = work[k.first];
    if (frozen(w, k) || not_due(w, k)) continue;
    w.evaluate = true;
    if (only_set.insert(k.first).second) only.push_back(k.first);
    for (const auto& c : DestOf(project, k.second).consents)
      if (only_set.insert(c).second) only.push_back(c);
  }

  // ---- Evaluate.
  eval::Result res;
  std::unique_ptr<eval::Evaluator> ev;
  if (!only.empty()) {
    eval::Options eo;
    eo.project_dir = in.project_dir;
    eo.only = only;
    ev = in.make_evaluator(eo);
    if (!ev) {
      errors->push_back("internal error: no evaluator");
      return false;
    }
    if (!ev->error().empty()) {
      errors->push_back(ev->error());
      return false;
    }
    res = ev->Run(profiles);
    if (!res.ok()) {
      errors->push_back(res.error);
      return false;
    }
  }

  // Identities and traits of members, computed once per profile.
  std::unordered_map<uint32_t, std::vector<std::vector<std::string>>> ids_cache;
  auto identities = [&](uint32_t p) -> const std::vector<std::vector<std::string>>& {
    auto it = ids_cache.find(p);
    if (it == ids_cache.end()) it = ids_cache.emplace(p, ev->Identities(profiles, p)).first;
    return it->second;
  };
  std::vector<uint32_t> trait_profiles;  // profiles whose traits are read, sorted
  std::unordered_map<uint32_t, uint32_t> trait_row;
  std::vector<eval::Column> trait_values;
  {
    std::vector<bool> need(profiles.count, false);
    bool any = false;
    for (const auto& k : planned) {
      const AudienceWork& w = work[k.first];
      if (!w.evaluate) continue;
      Dest d = DestOf(project, k.second);
      bool reads = !d.decl;
      for (const auto* m : d.mappings) {
        const std::string& f = m->field.text;
        bool attr = false;
        for (uint32_t a : w.ir->attributes) attr = attr || prog.formulas[a].name == f;
        if (!attr && !module.identities.count(f)) reads = true;
      }
      if (!reads) continue;
      const eval::Bitset& mem = res.members[w.ir->formula];
      for (uint32_t p = 0; p < profiles.count; ++p)
        if (mem.Test(p)) need[p] = any = true;
    }
    if (any) {
      for (uint32_t p = 0; p < profiles.count; ++p)
        if (need[p]) {
          trait_row[p] = static_cast<uint32_t>(trait_profiles.size());
          trait_profiles.push_back(p);
        }
      trait_values = eval::TraitValues(prog, *in.store, profiles, trait_profiles);
    }
  }
  auto trait_value = [&](uint32_t p, size_t t) {
    return ValueOf(trait_values[t], trait_row.at(p));
  };
  auto identity_index = [&](const std::string& name) -> int32_t {
    for (size_t i = 0; i < prog.identities.size(); ++i)
      if (prog.identities[i].name == name) return static_cast<int32_t>(i);
    return ir::kNone;
  };

  // ---- Per selected code publication.
  for (const auto& k : planned) {
    const AudienceWork& w = work[k.first];
    const check::Publication& cp = *code[k];
    Dest d = DestOf(project, k.second);
    PublicationPlan pp;
    pp.audience = k.first;
    pp.destination = k.second;
    pp.connection = d.connection;
    pp.connection_type = d.connection_type;
    pp.labels.assign(cp.labels.labels.begin(), cp.labels.labels.end());
    pp.actions = d.actions;
    pp.key_namespace = d.key;
    pp.definition_hash = w.hash;
    pp.refresh = w.refresh;
    if (d.decl) {
      for (const auto* m : d.mappings) {
        pp.field_names.push_back(m->target.value);
        pp.field_types.push_back(MappedType(prog, module, *w.ir, *m));
      }
    } else {
      for (uint32_t a : w.ir->attributes) pp.field_names.push_back(prog.formulas[a].name);
    }
    auto rec = recorded.find(k);
    const bool exists = rec != recorded.end();
    pp.target = target[k];
    pp.moved = moved.count(k) > 0;

    if (!w.evaluate || frozen(w, k) || not_due(w, k)) {
      pp.frozen = frozen(w, k);
      pp.not_due = !pp.frozen;
      pp.action = Action::NoOp;
      pp.desired = exists ? rec->second.members : 0;
      plan.publications.push_back(std::move(pp));
      continue;
    }

    // Desired members: members ∩ consents, keyed, deduplicated (phases 2 and 3).
    std::vector<const eval::Bitset*> consents;
    for (const auto& c : d.consents) {
      int32_t f = prog.FindFormula(c);
      if (f == ir::kNone) {
        errors->push_back("internal error: consent " + Q(c) + " was not lowered");
        return false;
      }
      consents.push_back(&res.members[static_cast<size_t>(f)]);
    }
    const int32_t key_id = d.decl ? identity_index(d.key) : ir::kNone;
    if (d.decl && key_id == ir::kNone) {
      errors->push_back("destination " + Q(d.name) + ": unknown key identity " + Q(d.key));
      return false;
    }
    // The identities a row carries: the profile store keeps the audience's;
    // a destination receives only its key and the identities it maps
    // (hashed where `hashed` says so).
    Exposure exposure;
    std::vector<uint32_t> aud_ids = w.ir->identities;
    if (d.decl) {
      std::string exposure_error;
      if (!ExposureOf(d, prog, *w.ir, &exposure, &exposure_error)) {
        errors->push_back(exposure_error);
        continue;
      }
      aud_ids.assign(exposure.sent_ids.begin(), exposure.sent_ids.end());
    }
    std::sort(aud_ids.begin(), aud_ids.end(), [&](uint32_t a, uint32_t b) {
      return prog.identities[a].name < prog.identities[b].name;
    });
    // ---- 2. Desired members and 3. keys.
    RowInput ri;
    ri.program = &prog;
    ri.profiles = &profiles;
    ri.result = &res;
    ri.audience = w.ir;
    ri.dest = &d;
    ri.exposure = &exposure;
    ri.identities = std::move(aud_ids);
    ri.key_identity = key_id;
    ri.identity_values = identities;
    ri.trait_value = trait_value;
    std::map<std::string, connectors::Row> desired = KeyedRows(
        ri, ConsentingMembers(res.members[w.ir->formula], consents, profiles.count, &pp.skipped),
        &pp.skipped);
    if (options.on_desired) options.on_desired(k.first, k.second, desired);
    // ---- 6. Caps: `max_profiles` (a partial plan: after the diff).
    if (!options.partial) {
      if (std::string e = MaxProfilesError(k, d.max_profiles, desired.size()); !e.empty()) {
        errors->push_back(e);
        continue;
      }
    }
    pp.desired = desired.size();
    // ---- 7. Expectations on what this publication would send (full plans).
    if (!options.refresh_only && !options.partial) {
      ExpectFacts facts;
      facts.size = pp.desired;
      facts.has_previous = exists;
      facts.previous = exists ? rec->second.members : 0;
      facts.duplicate_keys = pp.skipped.duplicate_key;
      facts.key = d.key;
      const std::string owner = "publication " + k.first + " -> " + k.second;
      for (const ast::Expectation* e : ExpectationsOf(d.decl))
        if (std::string err = ExpectationError(*e, owner, facts); !err.empty())
          errors->push_back(err);
      for (const ast::Expectation* e : ExpectationsOf(w.decl))
        if (e->kind == ast::Expectation::SizeChange)
          if (std::string err = ExpectationError(*e, owner, facts); !err.empty())
            errors->push_back(err);
    }

    // ---- 4. Diff against the confirmed members.
    std::map<std::string, state::Member> current;
    auto u = uncertain.find(k);
    // A partial plan diffs the keys in scope and the desired ones only.
    const std::set<std::string>* scope = nullptr;
    if (options.partial) {
      static const std::set<std::string> kNoKeys;
      auto sc = options.scope.find(k);
      scope = sc != options.scope.end() ? &sc->second : &kNoKeys;
    }
    auto in_scope = [&](const std::string& key) {
      return !scope || scope->count(key) || desired.count(key);
    };
    if (exists) {
      std::map<std::string, state::Member> members;
      if (scope) {
        // A partial plan reads the records of its keys only.
        std::set<std::string> keys(scope->begin(), scope->end());
        for (const auto& [key, row] : desired) keys.insert(key);
        if (u != uncertain.end()) keys.insert(u->second.begin(), u->second.end());
        members = st.MembersIn(k.first, k.second, keys);
      } else {
        members = st.Members(k.first, k.second);
      }
      for (auto& [key, m] : members)
        if (m.status != state::MemberStatus::Exited && in_scope(key)) current.emplace(key, m);
    }
    const bool replace = exists && w.refresh == "once" && rec->second.definition_hash != w.hash;
    std::set<std::string> uncertain_in_scope;
    if (scope && u != uncertain.end()) {
      for (const auto& key : u->second)
        if (in_scope(key)) uncertain_in_scope.insert(key);
    }
    const std::set<std::string>* again_keys = u == uncertain.end() ? nullptr
                                              : scope              ? &uncertain_in_scope
                                                                   : &u->second;
    const uint64_t again = Diff(current, desired, again_keys, replace, &pp);
    if (options.partial) {
      // The count after this plan: recorded members + enters - exits.
      uint64_t after = exists ? rec->second.members : 0;
      for (const auto& r : pp.enter) after += current.count(r.key) ? 0 : 1;
      for (const auto& key : pp.exit) after -= current.count(key) && after ? 1 : 0;
      pp.desired = after;
      if (std::string e = MaxProfilesError(k, d.max_profiles, after); !e.empty()) {
        errors->push_back(e);
        continue;
      }
    }
    if (again)
      plan.warnings.push_back("publication " + k.first + " -> " + k.second + ": " +
                              std::to_string(again) +
                              " row(s) of an interrupted apply are sent again (the "
                              "destination may already have them)");
    // Drift: rows the destination lacks, holds differently or holds extra.
    if (auto rb = readback.find(k); rb != readback.end())
      AddDriftRepairs(rb->second, ConnectionOf(project, d.connection), current, desired, &pp);
    if (options.refresh_only) {
      // Only what repairs drift (or settles rows in flight), against the
      // recorded publication; a publication not in state is left out.
      if (!exists) continue;
      KeepDriftOnly(u != uncertain.end() ? u->second : std::set<std::string>{}, &pp);
      pp.definition_hash = rec->second.definition_hash;
      uint64_t after = rec->second.members;
      for (const auto& r : pp.enter) after += current.count(r.key) ? 0 : 1;
      for (const auto& key : pp.exit) after -= current.count(key) ? 1 : 0;
      pp.desired = after;
    }
    // ---- 5. Actions.
    if (pp.action != Action::Replace || options.refresh_only) pp.action = ActionOf(exists, pp);
    plan.publications.push_back(std::move(pp));
  }
  // ---- 7. Expectations on the audiences evaluated: size and attributes (full plans).
  if (!options.refresh_only && !options.partial) {
    for (const auto& [name, w] : work) {
      if (!w.evaluate) continue;
      const eval::Bitset& mem = res.members[w.ir->formula];
      ExpectFacts facts;
      facts.size = mem.Count();
      for (const ast::Expectation* e : ExpectationsOf(w.decl)) {
        if (e->kind == ast::Expectation::SizeChange) continue;  // per publication, above
        if (e->kind == ast::Expectation::NotMissing) {
          facts.missing = 0;
          for (uint32_t a : w.ir->attributes) {
            if (prog.formulas[a].name != e->attribute.text) continue;
            const eval::Column& col = res.values[a];
            for (uint32_t p = 0; p < profiles.count; ++p)
              if (mem.Test(p) && !col.valid.Test(p)) ++facts.missing;
          }
        }
        if (std::string err = ExpectationError(*e, "audience " + Q(name), facts); !err.empty())
          errors->push_back(err);
      }
    }
  }
  if (!errors->empty()) return false;

  // ---- Publications recorded but no longer in code: delete.
  for (const auto& [k, r] : recorded) {
    if (code.count(k) || !selected(k) || options.refresh_only || options.partial) continue;
    PublicationPlan pp;
    pp.audience = k.first;
    pp.destination = k.second;
    pp.action = Action::Delete;
    pp.labels = r.labels;
    pp.definition_hash = r.definition_hash;
    Dest d = DestOf(project, k.second);
    pp.connection = d.connection;
    pp.connection_type = d.connection_type;
    pp.actions = d.actions;
    pp.key_namespace = d.key;
    if (d.name != "profile_store" && !d.decl)
      plan.warnings.push_back("publication " + k.first + " -> " + k.second +
                              ": its destination is no longer declared; apply cannot reach it");
    std::set<std::string> gone;
    for (const auto& [key, m] : st.Members(k.first, k.second))
      if (m.status != state::MemberStatus::Exited) gone.insert(key);
    // Rows of a batch left in flight may be at the destination: remove them too.
    if (auto u = uncertain.find(k); u != uncertain.end())
      gone.insert(u->second.begin(), u->second.end());
    pp.exit.assign(gone.begin(), gone.end());
    plan.publications.push_back(std::move(pp));
  }
  std::sort(plan.publications.begin(), plan.publications.end(),
            [](const PublicationPlan& a, const PublicationPlan& b) {
              return std::tie(a.audience, a.destination) < std::tie(b.audience, b.destination);
            });

  // ---- Audiences.
  for (const auto& [name, w] : work) {
    AudiencePlan ap;
    ap.name = name;
    if (w.decl && w.decl->description) ap.description = w.decl->description->value;
    ap.definition_hash = w.hash;
    auto l = module.audience_labels.find(name);
    if (l != module.audience_labels.end())
      ap.labels.assign(l->second.labels.begin(), l->second.labels.end());
    ap.refresh = w.refresh;
    // A refresh-only plan publishes no audience: apply records none.
    ap.evaluated = w.evaluate && !options.refresh_only;
    if (w.evaluate) ap.members = res.members[w.ir->formula].Count();
    plan.audiences.push_back(std::move(ap));
  }

  // ---- Warnings: imported lists with entries that match no profile.
  if (!only.empty()) {
    std::vector<uint32_t> roots;
    for (const auto& n : only)
      if (int32_t f = prog.FindFormula(n); f != ir::kNone)
        roots.push_back(static_cast<uint32_t>(f));
    ir::Uses u = ir::UsesOfFormulas(prog, roots);
    for (size_t i = 0; i < prog.imports.size() && i < res.imports.size(); ++i) {
      if (!u.imports[i] || res.imports[i].unmatched == 0) continue;
      plan.warnings.push_back("imported list \"" + prog.imports[i].path +
                              "\": " + std::to_string(res.imports[i].unmatched) + " of " +
                              std::to_string(res.imports[i].entries) +
                              " entries match no profile (not published)");
    }
  }
  for (const auto& pp : plan.publications)
    if (pp.skipped.duplicate_key)
      plan.warnings.push_back(
          "publication " + pp.audience + " -> " + pp.destination + ": " +
          std::to_string(pp.skipped.duplicate_key) +
          (pp.skipped.duplicate_key == 1 ? " member shares" : " members share") + " its `" +
          pp.key_namespace + "` key value with an earlier member (skipped)");

  // ---- 6. Policies, the mass-exit guard: most of a publication's members leaving at once
  // is refused unless asked for (--allow-mass-exit, `max_exit_fraction`).
  plan.allow_mass_exit = options.allow_mass_exit;
  std::vector<std::string> mass_exits;
  if (options.partial) {
    std::map<PubKey, uint64_t> counts;
    for (const auto& [k, r] : recorded) counts[k] = r.members;
    mass_exits = PartialMassExits(plan, project, counts);
  } else {
    mass_exits = MassExits(plan, project, st);
  }

  // A failed state read looks like an empty state ("create everything"):
  // refuse rather than plan from it.
  if (std::string e = state::TakeReadError(&st); !e.empty()) {
    errors->push_back("cannot read the state: " + e);
    return false;
  }
  ApplyMassExitPolicy(mass_exits, options.allow_mass_exit, &plan.warnings, errors);
  if (!errors->empty()) return false;
  *out = std::move(plan);
  return true;
}

}  // namespace aud::plan
