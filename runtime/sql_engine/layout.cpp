// The layout's rows (layout.h).

#include "runtime/sql_engine/layout.h"

#include <cstdio>
#include <unordered_map>

#include "runtime/eval/eval.h"

namespace aud::sql_engine {

namespace {

// A JSON string literal.
std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

// A JSON object being built: `{"k":v,...}`.
struct Object {
  std::string text;
  void Add(std::string_view key, const std::string& value) {
    text += text.empty() ? "{" : ",";
    text += JsonString(key) + ":" + value;
  }
  std::optional<std::string> Done() const {
    if (text.empty()) return std::nullopt;
    return text + "}";
  }
};

}  // namespace

std::vector<Table> BuildTables(const ir::Program& program, const store::EventStore& s,
                               const store::Profiles& ps,
                               const std::vector<std::vector<std::string>>& imports) {
  (void)program;
  std::vector<Table> out(5);
  out[0].name = "aud_profiles";
  out[1].name = "aud_events";
  out[2].name = "aud_traits";
  out[3].name = "aud_ids";
  out[4].name = "aud_imports";
  // Identity node -> profile, for trait records (they name their node).
  std::unordered_map<uint64_t, uint32_t> profile_of;
  auto node_key = [](store::IdKind k, uint32_t code) {
    return (uint64_t{code} << 1) | (k == store::IdKind::AnonymousId ? 1 : 0);
  };
  for (uint32_t p = 0; p < ps.count; ++p) {
    const std::string pid = std::to_string(p);
    out[0].rows.push_back({pid, ps.key[p]});
    for (uint32_t k = ps.user_id_offsets[p]; k < ps.user_id_offsets[p + 1]; ++k) {
      out[3].rows.push_back({pid, "userId", std::string(s.dict.Get(ps.user_ids[k]))});
      profile_of[node_key(store::IdKind::UserId, ps.user_ids[k])] = p;
    }
    for (uint32_t k = ps.anonymous_id_offsets[p]; k < ps.anonymous_id_offsets[p + 1]; ++k) {
      out[3].rows.push_back({pid, "anonymousId", std::string(s.dict.Get(ps.anonymous_ids[k]))});
      profile_of[node_key(store::IdKind::AnonymousId, ps.anonymous_ids[k])] = p;
    }
    for (uint64_t k = ps.event_offsets[p]; k < ps.event_offsets[p + 1]; ++k) {
      const uint32_t e = ps.events[k];
      const store::EventType& type = s.types[s.type[e]];
      const uint32_t row = s.row[e];
      Object pi, pf, pb, pstr, pt;
      for (const store::Column& c : type.columns) {
        const int64_t at = c.Index(row);
        if (at < 0) continue;
        const std::string_view name = s.dict.Get(c.name);
        const size_t i = static_cast<size_t>(at);
        switch (c.kind) {
          case store::ValueKind::Int: pi.Add(name, std::to_string(c.ints[i])); break;
          case store::ValueKind::Float:
            // As a string of the shortest round-trip text: exact, and -0 kept.
            pf.Add(name, JsonString(ir::FormatFloat(c.floats[i])));
            break;
          case store::ValueKind::Bool: pb.Add(name, c.bools[i] ? "true" : "false"); break;
          case store::ValueKind::String: {
            const std::string_view v = s.dict.Get(c.codes[i]);
            pstr.Add(name, JsonString(v));
            int64_t ms = 0;
            if (eval::ParseTimestamp(v, &ms)) pt.Add(name, std::to_string(ms));
            break;
          }
        }
      }
      out[1].rows.push_back({pid, std::to_string(k), type.key, std::to_string(s.ts[e]), pi.Done(),
                             pf.Done(), pb.Done(), pstr.Done(), pt.Done()});
    }
  }
  // Trait records at or before as_of, JSON nulls dropped; pos is input order.
  for (const store::TraitRecord& r : s.traits) {
    if (r.is_null || r.ts > ps.as_of) continue;
    const store::Node& node = s.nodes[r.node];
    auto it = profile_of.find(node_key(node.kind, node.value));
    if (it == profile_of.end()) continue;
    Row row = {std::to_string(it->second),
               std::string(s.dict.Get(r.name)),
               std::to_string(r.ts),
               std::to_string(r.order),
               std::nullopt,
               std::nullopt,
               std::nullopt,
               std::nullopt,
               std::nullopt,
               std::nullopt};
    switch (r.kind) {
      case store::ValueKind::Int:
        row[4] = "i";
        row[5] = std::to_string(r.i);
        break;
      case store::ValueKind::Float:
        row[4] = "f";
        row[6] = ir::FormatFloat(r.f);
        break;
      case store::ValueKind::Bool:
        row[4] = "b";
        row[7] = r.b ? "true" : "false";
        break;
      case store::ValueKind::String: {
        row[4] = "s";
        const std::string_view v = s.dict.Get(r.str);
        row[8] = std::string(v);
        int64_t ms = 0;
        if (eval::ParseTimestamp(v, &ms)) row[9] = std::to_string(ms);
        break;
      }
    }
    out[2].rows.push_back(std::move(row));
  }
  for (size_t i = 0; i < imports.size(); ++i)
    for (const std::string& v : imports[i]) out[4].rows.push_back({std::to_string(i), v});
  return out;
}

std::string CopyText(const Table& table) {
  std::string out;
  for (const Row& row : table.rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) out += '\t';
      if (!row[c]) {
        out += "\\N";
        continue;
      }
      for (char ch : *row[c]) {
        switch (ch) {
          case '\\': out += "\\\\"; break;
          case '\t': out += "\\t"; break;
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          default: out += ch;
        }
      }
    }
    out += '\n';
  }
  return out;
}

std::vector<std::string> InsertStatements(const Table& table) {
  std::vector<std::string> all;
  std::string out;
  const size_t batch = 500;
  for (size_t i = 0; i < table.rows.size(); i += batch) {
    out = "INSERT INTO " + table.name + " VALUES ";
    for (size_t r = i; r < std::min(table.rows.size(), i + batch); ++r) {
      out += r > i ? ",(" : "(";
      const Row& row = table.rows[r];
      for (size_t c = 0; c < row.size(); ++c) {
        if (c) out += ",";
        if (!row[c]) {
          out += "NULL";
          continue;
        }
        out += "'";
        for (char ch : *row[c]) {
          if (ch == '\'') out += '\'';
          out += ch;
        }
        out += "'";
      }
      out += ")";
    }
    all.push_back(out);
  }
  return all;
}

}  // namespace aud::sql_engine
