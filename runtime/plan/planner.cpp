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

// A destination as the planner needs it.
struct Dest {
  std::string name;
  const ast::DestinationDecl* decl = nullptr;  // null: the built-in profile store
  std::string connection, connection_type;
  std::vector<std::string> actions, consents;
  std::string key;          // identity namespace ("" for the profile store)
  bool key_hashed = false;  // written `key NAME hashed`
  std::vector<const ast::Mapping*> mappings;
  int64_t max_profiles = 0;  // 0: no cap
};

Dest DestOf(const check::Project& project, const std::string& name) {
  Dest d;
  d.name = name;
  if (name == "profile_store") {
    d.connection_type = "profile_store";
    if (project.config) {
      auto it = project.config->connections.find("profile_store");
      if (it != project.config->connections.end()) {
        d.connection = it->first;
        d.connection_type = it->second.type;
      }
    }
    return d;
  }
  d.decl = project.module.Get<ast::DestinationDecl>(name);
  if (!d.decl) return d;
  for (const auto& it : d.decl->items) {
    switch (it.kind) {
      case ast::DestItem::Connection:
        if (!it.names.empty()) d.connection = it.names[0].text;
        break;
      case ast::DestItem::Actions:
        for (const auto& n : it.names) d.actions.push_back(n.text);
        break;
      case ast::DestItem::Consent:
        for (const auto& n : it.names) d.consents.push_back(n.text);
        break;
      case ast::DestItem::Key:
        if (!it.names.empty()) d.key = it.names[0].text;
        d.key_hashed = it.hashed;
        break;
      case ast::DestItem::Map:
        for (const auto& m : it.mappings) d.mappings.push_back(&m);
        break;
      case ast::DestItem::MaxProfiles: d.max_profiles = it.max_profiles; break;
      case ast::DestItem::MaxExitFraction: break;  // read by the mass-exit guard (guards.cpp)
    }
  }
  std::sort(d.actions.begin(), d.actions.end());
  d.actions.erase(std::unique(d.actions.begin(), d.actions.end()), d.actions.end());
  if (project.config) {
    auto it = project.config->connections.find(d.connection);
    if (it != project.config->connections.end()) d.connection_type = it->second.type;
  }
  return d;
}

// `refresh every 1d` -> "every 1d"; `refresh once` -> "once"; none -> "".
std::string RefreshOf(const ast::AudienceDecl* a, int64_t* every_ms) {
  *every_ms = 0;
  if (!a) return "";
  for (const auto& it : a->items) {
    if (it.kind != ast::AudienceItem::Refresh) continue;
    if (!it.every) return "once";
    *every_ms = it.every->millis;
    return "every " + std::to_string(it.every->amount) + it.every->unit;
  }
  return "";
}

// What a destination receives in clear and what hashed (docs/language.md,
// "hashed"): identities (Program::identities) and traits (Program::traits)
// by index. An identity mapped `hashed` (or the key written `key NAME
// hashed`) is hashed everywhere it is sent, the key included; an identity
// taken from a trait shares the trait's treatment.
struct Exposure {
  std::set<uint32_t> sent_ids;  // identities the row carries: the key and mapped ones
  std::set<uint32_t> hashed_ids, clear_ids;
  std::set<uint32_t> hashed_traits, clear_traits;
  bool key_hashed = false;
};

// Resolves the destination's mappings for an audience; false with `error`
// when a value would be sent both hashed and in clear, or when the key of an
// autopilot destination would be hashed.
bool ExposureOf(const Dest& d, const ir::Program& prog, const ir::Audience& aud, Exposure* out,
                std::string* error) {
  auto identity = [&](const std::string& n) -> int32_t {
    for (size_t i = 0; i < prog.identities.size(); ++i)
      if (prog.identities[i].name == n) return static_cast<int32_t>(i);
    return ir::kNone;
  };
  auto trait = [&](const std::string& n) -> int32_t {
    for (size_t i = 0; i < prog.traits.size(); ++i)
      if (prog.traits[i].name == n) return static_cast<int32_t>(i);
    return ir::kNone;
  };
  const int32_t key_id = identity(d.key);
  for (const auto* m : d.mappings) {
    const std::string& f = m->field.text;
    bool attr = false;
    for (uint32_t a : aud.attributes) attr = attr || prog.formulas[a].name == f;
    if (attr) continue;  // computed values: `hashed` applies to the field alone
    if (int32_t i = identity(f); i != ir::kNone) {
      out->sent_ids.insert(static_cast<uint32_t>(i));
      (m->hashed ? out->hashed_ids : out->clear_ids).insert(static_cast<uint32_t>(i));
    } else if (int32_t t = trait(f); t != ir::kNone) {
      (m->hashed ? out->hashed_traits : out->clear_traits).insert(static_cast<uint32_t>(t));
    }
  }
  if (key_id != ir::kNone) {
    out->sent_ids.insert(static_cast<uint32_t>(key_id));
    if (d.key_hashed) out->hashed_ids.insert(static_cast<uint32_t>(key_id));
  }
  // An identity taken from a trait carries the trait's value: hashing either
  // hashes both.
  for (uint32_t i = 0; i < prog.identities.size(); ++i) {
    const auto& id = prog.identities[i];
    if (id.from != ir::Identity::FromTrait || id.trait < 0) continue;
    const auto t = static_cast<uint32_t>(id.trait);
    if (out->hashed_traits.count(t)) out->hashed_ids.insert(i);
    if (out->hashed_ids.count(i)) out->hashed_traits.insert(t);
  }
  for (uint32_t i : out->hashed_ids)
    if (out->clear_ids.count(i)) {
      *error = "destination " + Q(d.name) + " would send identity " + Q(prog.identities[i].name) +
               " both hashed and in clear; mark every `map` of it `hashed` (or none, and drop " +
               "`hashed` from its `key`)";
      return false;
    }
  for (uint32_t t : out->hashed_traits)
    if (out->clear_traits.count(t)) {
      *error = "destination " + Q(d.name) + " would send trait " + Q(prog.traits[t].name) +
               " both hashed and in clear (an identity taken from it is hashed); mark every " +
               "`map` of it `hashed`";
      return false;
    }
  out->key_hashed = key_id != ir::kNone && out->hashed_ids.count(static_cast<uint32_t>(key_id));
  if (out->key_hashed && d.connection_type == "autopilot") {
    *error = "destination " + Q(d.name) + ": an autopilot destination needs a deliverable " +
             "email address as its key, so its key " + Q(d.key) +
             " cannot be hashed; remove `hashed` from its `key` and from every `map` of " +
             Q(d.key) + " (or publish hashed values through an `http` or `file` connection)";
    return false;
  }
  return true;
}

// The aud type of a mapped value, as the planner resolves it (attribute,
// else identity, else trait); `hashed` values are strings.
std::string MappedType(const ir::Program& prog, const check::Module& module,
                       const ir::Audience& aud, const ast::Mapping& m) {
  if (m.hashed) return "string";
  const std::string& f = m.field.text;
  for (uint32_t a : aud.attributes)
    if (prog.formulas[a].name == f) return ir::TypeName(prog.formulas[a].type);
  for (const auto& id : prog.identities)
    if (id.name == f) return "string";
  if (module.identities.count(f)) return "string";
  for (const auto& t : prog.traits)
    if (t.name == f) return ir::TypeName(t.type);
  if (const auto* t = module.Get<ast::TraitDecl>(f)) return t->type.text;
  return "string";
}

connectors::Value ValueOf(const eval::Column& c, uint32_t i) {
  connectors::Value v;
  if (!c.valid.Test(i)) return v;
  switch (c.type) {
    case ir::Type::Float:
      if (std::isfinite(c.floats[i])) {
        v.kind = connectors::Value::Float;
        v.f = c.floats[i];
      }
      break;
    case ir::Type::String:
      v.kind = connectors::Value::String;
      v.s = c.strings[i];
      break;
    case ir::Type::Timestamp:
      v.kind = connectors::Value::String;
      v.s = ir::FormatTime(c.ints[i]);
      break;
    case ir::Type::Bool:
      v.kind = connectors::Value::Bool;
      v.b = c.ints[i] != 0;
      break;
    case ir::Type::Int:
      v.kind = connectors::Value::Int;
      v.i = c.ints[i];
      break;
    case ir::Type::Duration:
      v.kind = connectors::Value::Int;
      v.i = c.ints[i];
      break;
  }
  return v;
}

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

  // ---- Which publications: code and state, then --target / --exclude.
  std::map<std::pair<std::string, std::string>, const check::Publication*> code;
  for (const auto& p : module.publications) code[{p.audience, p.destination}] = &p;
  std::map<std::pair<std::string, std::string>, state::PublicationRecord> recorded;
  for (auto& r : st.Publications()) recorded[{r.audience, r.destination}] = r;

  // Keys of batches an interrupted apply left in flight (pending journal
  // entries): the destination may or may not have applied them, so state
  // cannot vouch for them. Each is sent again whatever state says — an
  // upsert when desired, a remove when not — and connectors are idempotent
  // in effect, so a batch that did land is harmless to repeat.
  std::map<std::pair<std::string, std::string>, std::set<std::string>> uncertain;
  for (const auto& e : st.JournalPending()) {
    auto j = nlohmann::json::parse(e.payload, nullptr, false);
    auto& keys = uncertain[{e.audience, e.destination}];
    if (j.is_discarded()) continue;
    if (j.contains("removes") && j["removes"].is_array())
      for (const auto& k : j["removes"])
        if (k.is_string()) keys.insert(k.get<std::string>());
    if (j.contains("upserts") && j["upserts"].is_array())
      for (const auto& u : j["upserts"])
        if (u.is_object() && u.contains("key") && u["key"].is_string())
          keys.insert(u["key"].get<std::string>());
  }

  std::set<std::string> known;
  for (const auto& [k, _] : code) known.insert(k.first);
  for (const auto& [k, _] : code) known.insert(k.second);
  for (const auto& [k, _] : recorded) {
    known.insert(k.first);
    known.insert(k.second);
  }
  for (const auto& [name, sym] : module.symbols)
    if (sym.kind == check::SymbolKind::Audience || sym.kind == check::SymbolKind::Destination)
      known.insert(name);
  known.insert("profile_store");
  for (const auto* list : {&options.targets, &options.excludes})
    for (const auto& t : *list)
      if (!known.count(t)) {
        std::string s = base::Suggest(t, std::vector<std::string>(known.begin(), known.end()));
        errors->push_back((list == &options.targets ? "--target " : "--exclude ") + Q(t) +
                          " is not an audience or destination of this project or its state" +
                          (s.empty() ? std::string() : "; did you mean " + Q(s) + "?"));
      }
  if (!errors->empty()) return false;
  auto selected = [&](const std::pair<std::string, std::string>& k) {
    auto has = [&](const std::vector<std::string>& v) {
      return std::find(v.begin(), v.end(), k.first) != v.end() ||
             std::find(v.begin(), v.end(), k.second) != v.end();
    };
    return (options.targets.empty() || has(options.targets)) && !has(options.excludes);
  };

  // ---- Per audience of a selected code publication: frozen, due, evaluate?
  std::map<std::string, AudienceWork> work;
  std::vector<std::pair<std::string, std::string>> planned;  // selected code publications
  for (const auto& [k, pub] : code) {
    if (!selected(k)) continue;
    planned.push_back(k);
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
  auto trait_index = [&](const std::string& name) -> int32_t {
    for (size_t i = 0; i < prog.traits.size(); ++i)
      if (prog.traits[i].name == name) return static_cast<int32_t>(i);
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

    // Desired members: members ∩ consents, keyed, deduplicated.
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
    auto hash_text = [](const std::string& text) {
      connectors::Value v;
      v.kind = connectors::Value::String;
      v.s = text;
      return HashedValue(v).s;
    };
    std::map<std::string, connectors::Row> desired;
    const eval::Bitset& mem = res.members[w.ir->formula];
    for (uint32_t p = 0; p < profiles.count; ++p) {
      if (!mem.Test(p)) continue;
      bool consent = true;
      for (const auto* c : consents) consent = consent && c->Test(p);
      if (!consent) {
        ++pp.skipped.no_consent;
        continue;
      }
      const auto& ids = identities(p);
      connectors::Row row;
      row.profile = profiles.key[p];
      if (d.decl) {
        const auto& kv = ids[static_cast<size_t>(key_id)];
        if (kv.empty()) {
          ++pp.skipped.no_key;
          continue;
        }
        row.key = exposure.key_hashed ? hash_text(kv.front()) : kv.front();
        row.visitor = prog.identities[static_cast<size_t>(key_id)].visitor;
      } else {
        row.key = profiles.key[p];
        row.visitor = profiles.user_id_offsets[p] == profiles.user_id_offsets[p + 1];
      }
      if (desired.count(row.key)) {  // profiles run in key order: the earlier one stays
        ++pp.skipped.duplicate_key;
        continue;
      }
      for (uint32_t i : aud_ids) {
        if (!exposure.hashed_ids.count(i)) {
          row.identities.push_back({prog.identities[i].name, prog.identities[i].visitor, ids[i]});
          continue;
        }
        std::vector<std::string> hashed;
        for (const auto& value : ids[i]) hashed.push_back(hash_text(value));
        std::sort(hashed.begin(), hashed.end());
        hashed.erase(std::unique(hashed.begin(), hashed.end()), hashed.end());
        row.identities.push_back(
            {prog.identities[i].name, prog.identities[i].visitor, std::move(hashed)});
      }
      if (d.decl) {
        for (const auto* m : d.mappings) {
          const std::string& f = m->field.text;
          connectors::Value v;
          bool found = false;
          for (uint32_t a : w.ir->attributes)
            if (prog.formulas[a].name == f) {
              v = ValueOf(res.values[a], p);
              found = true;
              break;
            }
          if (!found) {
            if (int32_t id = identity_index(f); id != ir::kNone) {
              const auto& vs = ids[static_cast<size_t>(id)];
              if (!vs.empty()) {
                v.kind = connectors::Value::String;
                v.s = vs.front();
              }
            } else if (int32_t t = trait_index(f); t != ir::kNone) {
              v = trait_value(p, static_cast<size_t>(t));
            }
          }
          if (m->hashed) v = HashedValue(v);
          row.fields.push_back({m->target.value, std::move(v)});
        }
      } else {
        for (uint32_t a : w.ir->attributes)
          row.fields.push_back({prog.formulas[a].name, ValueOf(res.values[a], p)});
        for (size_t t = 0; t < prog.traits.size(); ++t)
          row.traits.push_back({prog.traits[t].name, trait_value(p, t)});
      }
      row.payload_hash = PayloadHash(row);
      std::string key = row.key;
      desired.emplace(std::move(key), std::move(row));
    }
    if (d.max_profiles > 0 && desired.size() > static_cast<uint64_t>(d.max_profiles)) {
      errors->push_back("audience " + Q(k.first) + " would publish " +
                        std::to_string(desired.size()) + " profiles to destination " + Q(k.second) +
                        ", over its max_profiles " + std::to_string(d.max_profiles));
      continue;
    }
    pp.desired = desired.size();

    // Diff against the confirmed members.
    std::map<std::string, state::Member> current;
    if (exists)
      for (auto& [key, m] : st.Members(k.first, k.second))
        if (m.status != state::MemberStatus::Exited) current.emplace(key, m);
    const bool replace = exists && w.refresh == "once" && rec->second.definition_hash != w.hash;
    if (replace) {
      for (const auto& [key, _] : current) pp.exit.push_back(key);
      for (auto& [key, row] : desired) {
        row.op = connectors::Row::Enter;
        pp.enter.push_back(std::move(row));
      }
      pp.action = Action::Replace;
    } else {
      for (auto& [key, row] : desired) {
        auto c = current.find(key);
        if (c == current.end() || pp.moved) {
          row.op = connectors::Row::Enter;
          pp.enter.push_back(std::move(row));
        } else if (c->second.payload_hash != row.payload_hash) {
          row.op = connectors::Row::Update;
          pp.update.push_back(std::move(row));
        }
      }
      for (const auto& [key, _] : current)
        if (!desired.count(key)) pp.exit.push_back(key);
      // Rows of a batch left in flight: send again what state cannot vouch for.
      auto u = uncertain.find(k);
      if (u != uncertain.end()) {
        uint64_t again = 0;
        for (const auto& key : u->second) {
          auto c = current.find(key);
          auto want = desired.find(key);
          if (!pp.moved && want != desired.end() && c != current.end() &&
              c->second.payload_hash == want->second.payload_hash) {
            connectors::Row row = want->second;
            row.op = connectors::Row::Enter;
            pp.enter.push_back(std::move(row));
            ++again;
          } else if (want == desired.end() && c == current.end()) {
            pp.exit.push_back(key);
            ++again;
          }
        }
        auto by_key = [](const connectors::Row& a, const connectors::Row& b) {
          return a.key < b.key;
        };
        std::sort(pp.enter.begin(), pp.enter.end(), by_key);
        std::sort(pp.exit.begin(), pp.exit.end());
        if (again)
          plan.warnings.push_back("publication " + k.first + " -> " + k.second + ": " +
                                  std::to_string(again) +
                                  " row(s) of an interrupted apply are sent again (the "
                                  "destination may already have them)");
      }
    }
    // Drift: rows the destination lacks, holds differently or holds extra.
    if (auto rb = readback.find(k); rb != readback.end())
      AddDriftRepairs(rb->second, ConnectionOf(project, d.connection), current, desired, &pp);
    if (options.refresh_only) {
      // Only what repairs drift (or settles rows in flight), against the
      // recorded publication; a publication not in state is left out.
      if (!exists) continue;
      auto u = uncertain.find(k);
      KeepDriftOnly(u != uncertain.end() ? u->second : std::set<std::string>{}, &pp);
      pp.definition_hash = rec->second.definition_hash;
      uint64_t after = rec->second.members;
      for (const auto& r : pp.enter) after += current.count(r.key) ? 0 : 1;
      for (const auto& key : pp.exit) after -= current.count(key) ? 1 : 0;
      pp.desired = after;
    }
    if (pp.action != Action::Replace || options.refresh_only)
      pp.action = !exists                                                      ? Action::Create
                  : (pp.enter.empty() && pp.update.empty() && pp.exit.empty()) ? Action::NoOp
                                                                               : Action::Update;
    plan.publications.push_back(std::move(pp));
  }
  if (!errors->empty()) return false;

  // ---- Publications recorded but no longer in code: delete.
  for (const auto& [k, r] : recorded) {
    if (code.count(k) || !selected(k) || options.refresh_only) continue;
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

  // ---- The mass-exit guard: most of a publication's members leaving at once
  // is refused unless asked for (--allow-mass-exit, `max_exit_fraction`).
  plan.allow_mass_exit = options.allow_mass_exit;
  std::vector<std::string> mass_exits = MassExits(plan, project, st);

  // A failed state read looks like an empty state ("create everything"):
  // refuse rather than plan from it.
  if (std::string e = state::TakeReadError(&st); !e.empty()) {
    errors->push_back("cannot read the state: " + e);
    return false;
  }
  for (const auto& m : mass_exits) {
    if (options.allow_mass_exit)
      plan.warnings.push_back(m + " (allowed by --allow-mass-exit)");
    else
      errors->push_back(m + "; " + kMassExitHint);
  }
  if (!errors->empty()) return false;
  *out = std::move(plan);
  return true;
}

}  // namespace aud::plan
