// Binding a program to a store (literals, columns, sequence plans, imported
// lists) and the per-profile lookups that precede the event pass: traits
// (latest fitting record wins) and identities (normalized).

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "compiler/base/civil_time.h"
#include "compiler/base/file_read.h"
#include "runtime/builtins/builtins.h"
#include "runtime/eval/bound.h"

namespace aud::eval {

namespace {

// `s` with ASCII letters lowered (the `lower` builtin's implementation).
std::string LowerAscii(std::string_view s) {
  std::optional<std::string> lowered = builtins::Lower(s);
  return lowered ? std::move(*lowered) : std::string(s);
}

// The CSV records' first fields (RFC 4180: quotes, doubled quotes, CRLF).
std::vector<std::string> FirstFields(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0, n = text.size();
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;  // UTF-8 byte order mark
  while (i < n) {
    std::string field;
    size_t col = 0;
    bool end_of_record = false;
    while (!end_of_record) {
      std::string cur;
      if (i < n && text[i] == '"') {
        ++i;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              cur += '"';
              i += 2;
            } else {
              ++i;
              break;
            }
          } else {
            cur += text[i++];
          }
        }
      }
      while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') cur += text[i++];
      if (col == 0) field = std::move(cur);
      ++col;
      if (i < n && text[i] == ',') {
        ++i;
        continue;
      }
      if (i < n && text[i] == '\r') ++i;
      if (i < n && text[i] == '\n') ++i;
      end_of_record = true;
    }
    out.push_back(std::move(field));
  }
  return out;
}

bool Fits(ir::Type t, store::ValueKind k) {
  switch (t) {
    case ir::Type::Int: return k == store::ValueKind::Int;
    case ir::Type::Float: return k == store::ValueKind::Int || k == store::ValueKind::Float;
    case ir::Type::Bool: return k == store::ValueKind::Bool;
    case ir::Type::String:
    case ir::Type::Timestamp: return k == store::ValueKind::String;
    case ir::Type::Duration: return false;
  }
  return false;
}

}  // namespace

std::string Normalize(std::string_view value, std::string_view normalizer) {
  if (normalizer == "email") return LowerAscii(builtins::Trim(value));
  if (normalizer == "lower") return LowerAscii(value);
  if (normalizer == "trim") return std::string(builtins::Trim(value));
  return std::string(value);
}

bool ParseTimestamp(std::string_view text, int64_t* millis) {
  return base::ParseEventTimestamp(text, millis);
}

bool ReadImport(const std::string& path, const std::string& normalizer, BoundImport* out,
                std::string* error) {
  // Only a regular file, bounded: never a FIFO, device or /proc file.
  base::ReadResult r = base::ReadRegularFile(path, base::kMaxListBytes);
  if (!r.ok()) {
    *error = "cannot read imported list `" + path + "`: it " + r.why;
    return false;
  }
  std::vector<std::string> fields = FirstFields(r.text);
  out->entries.clear();
  for (size_t r = 1; r < fields.size(); ++r) {  // row 0 is the header
    std::string v = Normalize(fields[r], normalizer);
    if (!v.empty()) out->entries.push_back(std::move(v));
  }
  std::sort(out->entries.begin(), out->entries.end());
  out->entries.erase(std::unique(out->entries.begin(), out->entries.end()), out->entries.end());
  out->index.clear();
  for (size_t i = 0; i < out->entries.size(); ++i)
    out->index.emplace(out->entries[i], static_cast<uint32_t>(i));
  return true;
}

void Bind(Bound& b) {
  const ir::Program& p = b.p;
  const store::EventStore& s = b.s;
  b.event_type.assign(p.events.size(), -1);
  for (size_t e = 0; e < p.events.size(); ++e)
    for (size_t t = 0; t < s.types.size(); ++t)
      if (s.types[t].key == p.events[e].store_key) b.event_type[e] = static_cast<int32_t>(t);

  b.props.assign(p.props.size(), BoundProp{});
  for (size_t i = 0; i < p.props.size(); ++i) {
    const ir::Property& pr = p.props[i];
    int32_t t = b.event_type[pr.event];
    uint32_t name = s.dict.Find(pr.name);
    if (t < 0 || name == UINT32_MAX) continue;
    const store::EventType& type = s.types[static_cast<size_t>(t)];
    BoundProp& bp = b.props[i];
    switch (pr.type) {
      case ir::Type::Int: bp.ints = type.Find(name, store::ValueKind::Int); break;
      case ir::Type::Float:
        bp.ints = type.Find(name, store::ValueKind::Int);
        bp.floats = type.Find(name, store::ValueKind::Float);
        break;
      case ir::Type::Bool: bp.bools = type.Find(name, store::ValueKind::Bool); break;
      case ir::Type::String: bp.strings = type.Find(name, store::ValueKind::String); break;
      case ir::Type::Timestamp:
        bp.strings = type.Find(name, store::ValueKind::String);
        if (bp.strings) {
          // Each distinct string is parsed once.
          std::unordered_map<uint32_t, bool> seen;
          for (uint32_t code : bp.strings->codes) {
            if (!seen.emplace(code, true).second) continue;
            int64_t ms = 0;
            if (ParseTimestamp(s.dict.Get(code), &ms)) bp.times.emplace(code, ms);
          }
        }
        break;
      case ir::Type::Duration: break;
    }
    // Evaluation reads dense columns: a sparse column (a rare property) is
    // made dense for this binding only.
    for (const store::Column** c : {&bp.ints, &bp.floats, &bp.bools, &bp.strings}) {
      if (!*c || !(*c)->sparse) continue;
      b.dense.push_back((*c)->Dense(type.rows));
      *c = &b.dense.back();
    }
  }
  b.consts.assign(p.nodes.size(), Value{});
  for (size_t n = 0; n < p.nodes.size(); ++n) {
    const ir::Node& node = p.nodes[n];
    if (node.op != ir::Op::Const) continue;
    Value& v = b.consts[n];
    v.present = true;
    switch (node.type) {
      case ir::Type::Bool: v.i = node.b ? 1 : 0; break;
      case ir::Type::Float: v.f = node.f; break;
      case ir::Type::String: {
        v.s = node.s;
        uint32_t code = s.dict.Find(node.s);
        v.code = code == UINT32_MAX ? kNoCode : code;
        break;
      }
      default: v.i = node.i; break;
    }
  }

  for (size_t t = 0; t < p.traits.size(); ++t) {
    uint32_t code = s.dict.Find(p.traits[t].name);
    if (code != UINT32_MAX) b.trait_by_name[code] = static_cast<uint32_t>(t);
  }

  // The analysis of what this evaluation uses (uses, sequence plans, slots
  // per event and the passes' facts), shared with the JIT.
  if (std::string why = ir::CheckPassOptions(b.options.passes); !why.empty()) {
    b.error = why;
    return;
  }
  std::vector<uint32_t> roots;
  std::string unknown;
  if (!ir::RootsOf(p, b.options.only, &roots, &unknown)) {
    b.error = "unknown segment, audience or consent `" + unknown + "`";
    return;
  }
  b.analysis = ir::Analyze(p, ir::UsesOfFormulas(p, roots), b.options.passes);
  if (!b.analysis.error.empty()) {
    b.error = b.analysis.error;
    return;
  }

  // Imported lists: only those the evaluation needs.
  b.imports.assign(p.imports.size(), BoundImport{});
  for (size_t i = 0; i < p.imports.size(); ++i) {
    if (!b.analysis.uses.imports[i]) continue;
    std::string path = p.imports[i].path;
    if (!path.empty() && path[0] != '/') path = b.options.project_dir + "/" + path;
    const ir::Identity& id = p.identities[p.imports[i].identity];
    if (!ReadImport(path, id.normalize, &b.imports[i], &b.error)) return;
  }
}

void ResolveTraits(const Bound& b, const store::Profiles& ps, uint32_t profile,
                   std::vector<Value>& traits) {
  traits.assign(b.p.traits.size(), Value{});
  // Records of one name are in (ts, input order) order, so the last record
  // that fits the declared type is the current value.
  for (uint32_t r = ps.trait_offsets[profile]; r < ps.trait_offsets[profile + 1]; ++r) {
    const store::TraitValue& tv = ps.traits[r];
    auto it = b.trait_by_name.find(tv.name);
    if (it == b.trait_by_name.end()) continue;
    ir::Type type = b.p.traits[it->second].type;
    if (!Fits(type, tv.kind)) continue;
    Value v;
    v.present = true;
    switch (type) {
      case ir::Type::Int: v.i = tv.i; break;
      case ir::Type::Float:
        v.f = tv.kind == store::ValueKind::Int ? static_cast<double>(tv.i) : tv.f;
        break;
      case ir::Type::Bool: v.i = tv.b ? 1 : 0; break;
      case ir::Type::String:
        v.code = tv.str;
        v.s = b.s.dict.Get(tv.str);
        break;
      case ir::Type::Timestamp:
        if (!ParseTimestamp(b.s.dict.Get(tv.str), &v.i)) continue;  // not a timestamp: skipped
        break;
      case ir::Type::Duration: continue;
    }
    traits[it->second] = v;
  }
}

std::vector<std::string> IdentityValues(const Bound& b, const store::Profiles& ps, uint32_t profile,
                                        uint32_t identity, const std::vector<Value>& traits) {
  const ir::Identity& id = b.p.identities[identity];
  std::vector<std::string> out;
  auto add = [&](std::string_view raw) {
    std::string v = Normalize(raw, id.normalize);
    if (!v.empty()) out.push_back(std::move(v));
  };
  switch (id.from) {
    case ir::Identity::UserId:
      for (uint32_t k = ps.user_id_offsets[profile]; k < ps.user_id_offsets[profile + 1]; ++k)
        add(b.s.dict.Get(ps.user_ids[k]));
      break;
    case ir::Identity::AnonymousId:
      for (uint32_t k = ps.anonymous_id_offsets[profile]; k < ps.anonymous_id_offsets[profile + 1];
           ++k)
        add(b.s.dict.Get(ps.anonymous_ids[k]));
      break;
    case ir::Identity::FromTrait:
      if (id.trait != ir::kNone && traits[id.trait].present) add(traits[id.trait].s);
      break;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

void CountImports(const Bound& b,
                  const std::vector<const std::vector<std::vector<uint8_t>>*>& matched, Result& r) {
  r.imports.assign(b.p.imports.size(), ImportStats{});
  for (size_t i = 0; i < b.p.imports.size(); ++i) {
    if (!b.analysis.uses.imports[i]) continue;
    ImportStats& st = r.imports[i];
    st.entries = b.imports[i].entries.size();
    for (size_t e = 0; e < st.entries; ++e) {
      bool any = false;
      for (const auto* m : matched) any = any || (*m)[i][e];
      st.matched += any;
    }
    st.unmatched = st.entries - st.matched;
  }
}

std::vector<std::vector<std::string>> AllIdentityValues(const Bound& b, const store::Profiles& ps,
                                                        uint32_t profile) {
  std::vector<Value> traits;
  ResolveTraits(b, ps, profile, traits);
  std::vector<std::vector<std::string>> out;
  for (size_t i = 0; i < b.p.identities.size(); ++i)
    out.push_back(IdentityValues(b, ps, profile, static_cast<uint32_t>(i), traits));
  return out;
}

}  // namespace aud::eval
