// The phases of MakePlan (phases.h).

#include "runtime/plan/phases.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace aud::plan {

namespace {

std::string Q(const std::string& s) { return "`" + s + "`"; }

}  // namespace

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
      case ast::DestItem::Expect: break;           // checked by CheckExpectations (expect.cpp)
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

std::string RefreshOf(const ast::AudienceDecl* a, int64_t* every_ms) {
  *every_ms = 0;
  if (!a) return "";
  for (const auto& it : a->items) {
    if (it.kind != ast::AudienceItem::Refresh) continue;
    if (!it.refresh_word.text.empty()) return it.refresh_word.text;  // "streaming"
    if (!it.every) return "once";
    *every_ms = it.every->millis;
    return "every " + std::to_string(it.every->amount) + it.every->unit;
  }
  return "";
}

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
    case ir::Type::Duration:  // whole milliseconds
      v.kind = connectors::Value::Int;
      v.i = c.ints[i];
      break;
  }
  return v;
}

// ---- 1. Selection.

bool Selected(const PlanOptions& options, const PubKey& k) {
  auto has = [&](const std::vector<std::string>& v) {
    return std::find(v.begin(), v.end(), k.first) != v.end() ||
           std::find(v.begin(), v.end(), k.second) != v.end();
  };
  return (options.targets.empty() || has(options.targets)) && !has(options.excludes);
}

std::map<PubKey, std::set<std::string>> InFlightKeys(
    const std::vector<state::JournalEntry>& pending) {
  // Keys of batches an interrupted apply left in flight (pending journal
  // entries): the destination may or may not have applied them, so state
  // cannot vouch for them. Each is sent again whatever state says — an
  // upsert when desired, a remove when not — and connectors are idempotent
  // in effect, so a batch that did land is harmless to repeat.
  std::map<PubKey, std::set<std::string>> uncertain;
  for (const auto& e : pending) {
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
  return uncertain;
}

bool SelectPublications(const check::Module& module, state::State& st, const PlanOptions& options,
                        Selection* out, std::vector<std::string>* errors) {
  for (const auto& p : module.publications) out->code[{p.audience, p.destination}] = &p;
  for (auto& r : st.Publications()) out->recorded[{r.audience, r.destination}] = r;
  out->uncertain = InFlightKeys(st.JournalPending());

  std::set<std::string> known;
  for (const auto& [k, _] : out->code) known.insert(k.first);
  for (const auto& [k, _] : out->code) known.insert(k.second);
  for (const auto& [k, _] : out->recorded) {
    known.insert(k.first);
    known.insert(k.second);
  }
  for (const auto& [name, sym] : module.symbols)
    if (sym.kind == check::SymbolKind::Audience || sym.kind == check::SymbolKind::Destination)
      known.insert(name);
  known.insert("profile_store");
  const size_t before = errors->size();
  for (const auto* list : {&options.targets, &options.excludes})
    for (const auto& t : *list)
      if (!known.count(t)) {
        std::string s = base::Suggest(t, std::vector<std::string>(known.begin(), known.end()));
        errors->push_back((list == &options.targets ? "--target " : "--exclude ") + Q(t) +
                          " is not an audience or destination of this project or its state" +
                          (s.empty() ? std::string() : "; did you mean " + Q(s) + "?"));
      }
  if (errors->size() != before) return false;
  for (const auto& [k, pub] : out->code)
    if (Selected(options, k)) out->planned.push_back(k);
  return true;
}

// ---- 2. Desired members.

std::vector<uint32_t> ConsentingMembers(const eval::Bitset& members,
                                        const std::vector<const eval::Bitset*>& consents,
                                        uint32_t profile_count, Skipped* skipped) {
  std::vector<uint32_t> out;
  for (uint32_t p = 0; p < profile_count; ++p) {
    if (!members.Test(p)) continue;
    bool consent = true;
    for (const auto* c : consents) consent = consent && c->Test(p);
    if (!consent) {
      ++skipped->no_consent;
      continue;
    }
    out.push_back(p);
  }
  return out;
}

// ---- 3. Keys.

namespace {

std::string HashText(const std::string& text) {
  connectors::Value v;
  v.kind = connectors::Value::String;
  v.s = text;
  return HashedValue(v).s;
}

// The index of the element named `name` (identities, traits), or kNone.
template <typename T>
int32_t IndexOf(const std::vector<T>& v, const std::string& name) {
  for (size_t i = 0; i < v.size(); ++i)
    if (v[i].name == name) return static_cast<int32_t>(i);
  return ir::kNone;
}

}  // namespace

std::map<std::string, connectors::Row> KeyedRows(const RowInput& in,
                                                 const std::vector<uint32_t>& members,
                                                 Skipped* skipped) {
  const ir::Program& prog = *in.program;
  const store::Profiles& profiles = *in.profiles;
  const Dest& d = *in.dest;
  const Exposure& exposure = *in.exposure;
  std::map<std::string, connectors::Row> desired;
  for (uint32_t p : members) {
    const auto& ids = in.identity_values(p);
    connectors::Row row;
    row.profile = profiles.key[p];
    if (d.decl) {
      const auto& kv = ids[static_cast<size_t>(in.key_identity)];
      if (kv.empty()) {
        ++skipped->no_key;
        continue;
      }
      row.key = exposure.key_hashed ? HashText(kv.front()) : kv.front();
      row.visitor = prog.identities[static_cast<size_t>(in.key_identity)].visitor;
    } else {
      row.key = profiles.key[p];
      row.visitor = profiles.user_id_offsets[p] == profiles.user_id_offsets[p + 1];
    }
    if (desired.count(row.key)) {  // profiles run in key order: the earlier one stays
      ++skipped->duplicate_key;
      continue;
    }
    for (uint32_t i : in.identities) {
      if (!exposure.hashed_ids.count(i)) {
        row.identities.push_back({prog.identities[i].name, prog.identities[i].visitor, ids[i]});
        continue;
      }
      std::vector<std::string> hashed;
      for (const auto& value : ids[i]) hashed.push_back(HashText(value));
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
        for (uint32_t a : in.audience->attributes)
          if (prog.formulas[a].name == f) {
            v = ValueOf(in.result->values[a], p);
            found = true;
            break;
          }
        if (!found) {
          if (int32_t id = IndexOf(prog.identities, f); id != ir::kNone) {
            const auto& vs = ids[static_cast<size_t>(id)];
            if (!vs.empty()) {
              v.kind = connectors::Value::String;
              v.s = vs.front();
            }
          } else if (int32_t t = IndexOf(prog.traits, f); t != ir::kNone) {
            v = in.trait_value(p, static_cast<size_t>(t));
          }
        }
        if (m->hashed) v = HashedValue(v);
        row.fields.push_back({m->target.value, std::move(v)});
      }
    } else {
      for (uint32_t a : in.audience->attributes)
        row.fields.push_back({prog.formulas[a].name, ValueOf(in.result->values[a], p)});
      for (size_t t = 0; t < prog.traits.size(); ++t)
        row.traits.push_back({prog.traits[t].name, in.trait_value(p, t)});
    }
    row.payload_hash = PayloadHash(row);
    std::string key = row.key;
    desired.emplace(std::move(key), std::move(row));
  }
  return desired;
}

// ---- 4. Diff.

uint64_t Diff(const std::map<std::string, state::Member>& current,
              std::map<std::string, connectors::Row>& desired,
              const std::set<std::string>* uncertain, bool replace, PublicationPlan* pp) {
  if (replace) {
    for (const auto& [key, _] : current) pp->exit.push_back(key);
    for (auto& [key, row] : desired) {
      row.op = connectors::Row::Enter;
      pp->enter.push_back(std::move(row));
    }
    pp->action = Action::Replace;
    return 0;
  }
  for (auto& [key, row] : desired) {
    auto c = current.find(key);
    if (c == current.end() || pp->moved) {
      row.op = connectors::Row::Enter;
      pp->enter.push_back(std::move(row));
    } else if (c->second.payload_hash != row.payload_hash) {
      row.op = connectors::Row::Update;
      pp->update.push_back(std::move(row));
    }
  }
  for (const auto& [key, _] : current)
    if (!desired.count(key)) pp->exit.push_back(key);
  if (!uncertain) return 0;
  // Rows of a batch left in flight: send again what state cannot vouch for.
  uint64_t again = 0;
  for (const auto& key : *uncertain) {
    auto c = current.find(key);
    auto want = desired.find(key);
    if (!pp->moved && want != desired.end() && c != current.end() &&
        c->second.payload_hash == want->second.payload_hash) {
      connectors::Row row = want->second;
      row.op = connectors::Row::Enter;
      pp->enter.push_back(std::move(row));
      ++again;
    } else if (want == desired.end() && c == current.end()) {
      pp->exit.push_back(key);
      ++again;
    }
  }
  auto by_key = [](const connectors::Row& a, const connectors::Row& b) { return a.key < b.key; };
  std::sort(pp->enter.begin(), pp->enter.end(), by_key);
  std::sort(pp->exit.begin(), pp->exit.end());
  return again;
}

// ---- 5. Actions.

Action ActionOf(bool exists, const PublicationPlan& pp) {
  if (!exists) return Action::Create;
  if (pp.enter.empty() && pp.update.empty() && pp.exit.empty()) return Action::NoOp;
  return Action::Update;
}

// ---- 6. Caps and policies.

std::string MaxProfilesError(const PubKey& k, int64_t max_profiles, uint64_t desired) {
  if (max_profiles <= 0 || desired <= static_cast<uint64_t>(max_profiles)) return "";
  return "audience " + Q(k.first) + " would publish " + std::to_string(desired) +
         " profiles to destination " + Q(k.second) + ", over its max_profiles " +
         std::to_string(max_profiles);
}

namespace {

std::string Percent(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", f * 100);
  return buf;
}

}  // namespace

std::string MassExitOf(const PublicationPlan& p, const std::set<std::string>& current, double limit,
                       bool declared, uint64_t recorded_members) {
  if (p.action == Action::NoOp || p.action == Action::Delete || p.exit.empty()) return "";
  if (current.empty()) return "";
  // A replace exits every member and enters the desired ones again: only
  // those that do not come back are lost.
  std::set<std::string> back;
  if (p.action == Action::Replace)
    for (const auto& r : p.enter) back.insert(r.key);
  uint64_t lost = 0;
  for (const auto& key : p.exit)
    if (current.count(key) && !back.count(key)) ++lost;
  const uint64_t recorded = recorded_members ? recorded_members : current.size();
  if (lost < kMassExitMinimum || static_cast<double>(lost) <= limit * static_cast<double>(recorded))
    return "";
  return "publication `" + p.audience + "` -> `" + p.destination + "` would remove " +
         std::to_string(lost) + " of its " + std::to_string(recorded) + " recorded members (" +
         Percent(static_cast<double>(lost) / recorded) + "), over its limit of " + Percent(limit) +
         (declared ? " (its `max_exit_fraction " + ir::FormatFloat(limit) + "`)"
                   : " (the default; no `max_exit_fraction`)");
}

void ApplyMassExitPolicy(const std::vector<std::string>& mass_exits, bool allow,
                         std::vector<std::string>* warnings, std::vector<std::string>* errors) {
  for (const auto& m : mass_exits) {
    if (allow)
      warnings->push_back(m + " (allowed by --allow-mass-exit)");
    else
      errors->push_back(m + "; " + kMassExitHint);
  }
}

}  // namespace aud::plan
