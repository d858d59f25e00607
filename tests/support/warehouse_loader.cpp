// JSON lines -> Segment's warehouse layout as SQL (warehouse_loader.h).

#include "tests/support/warehouse_loader.h"

#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

namespace aud::testing {

namespace {

using json = nlohmann::json;

// Segment's snake_case (written independently of runtime/warehouse).
std::string Snake(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool up = c >= 'A' && c <= 'Z';
    bool alnum = up || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      if (!out.empty() && out.back() != '_') out += '_';
      continue;
    }
    if (up) {
      char prev = i ? s[i - 1] : ' ';
      bool prev_low = (prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9');
      bool prev_up = prev >= 'A' && prev <= 'Z';
      bool next_low = i + 1 < s.size() && s[i + 1] >= 'a' && s[i + 1] <= 'z';
      if ((prev_low || (prev_up && next_low)) && !out.empty() && out.back() != '_') out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out;
}

std::string Lit(const std::string& s) {
  std::string o = "'";
  for (char c : s) {
    if (c == '\'') o += '\'';
    o += c;
  }
  return o + "'";
}

// A column: its type is set by the first value loaded (as Segment sets it);
// numbers make it `double precision` when any of them is not an integer.
struct Col {
  char first = 0;  // 'n' number, 'b' boolean, 's' string, 't' a fixed timestamp column
  bool f = false;
  std::string Type() const {
    if (first == 't') return "timestamp with time zone";
    if (first == 's') return "text";
    if (first == 'b') return "boolean";
    return f ? "double precision" : "bigint";
  }
};

struct Table {
  std::map<std::string, Col> cols;
  std::vector<std::map<std::string, json>> rows;
};

// Flattens an object into `prefix_key` columns (arrays as JSON text).
void Flatten(const json& obj, const std::string& prefix, std::map<std::string, json>* out) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    std::string name = prefix.empty() ? Snake(it.key()) : prefix + "_" + Snake(it.key());
    if (it->is_object()) {
      Flatten(*it, name, out);
    } else if (it->is_array()) {
      (*out)[name] = it->dump();
    } else if (!it->is_null()) {
      (*out)[name] = *it;
    }
  }
}

// A value as an SQL literal of its column's type; a value of another kind
// than the column's (a type mismatch in the JSON) is NULL, except in a text
// column, which takes any value as text.
std::string Render(const json& v, const Col& c) {
  const std::string type = c.Type();
  if (type == "timestamp with time zone") return v.is_string() ? Lit(v.get<std::string>()) : "NULL";
  if (type == "text") return v.is_string() ? Lit(v.get<std::string>()) : Lit(v.dump());
  if (type == "boolean") return v.is_boolean() ? (v.get<bool>() ? "true" : "false") : "NULL";
  if (!v.is_number()) return "NULL";
  if (v.is_number_float()) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v.get<double>());
    return std::string(buf) + "::double precision";
  }
  return v.dump();
}

}  // namespace

WarehouseLoad WarehouseSql(const std::string& jsonl, const std::string& schema,
                           int64_t received_base_ms) {
  WarehouseLoad load;
  std::map<std::string, Table> tables;
  std::istringstream in(jsonl);
  std::string line;
  int64_t index = -1;
  while (std::getline(in, line)) {
    ++index;
    json m = json::parse(line, nullptr, false);
    if (m.is_discarded() || !m.is_object() || !m.contains("type") || !m["type"].is_string()) {
      if (!line.empty()) ++load.skipped;
      continue;
    }
    const std::string type = m["type"].get<std::string>();
    std::map<std::string, json> row;
    auto str = [&](const char* key, const char* col) {
      if (m.contains(key) && m[key].is_string()) row[col] = m[key];
    };
    str("messageId", "id");
    if (!row.count("id"))
      row["id"] = "loader-" + std::to_string(received_base_ms) + "-" + std::to_string(index);
    str("userId", "user_id");
    str("anonymousId", "anonymous_id");
    str("timestamp", "timestamp");
    str("sentAt", "sent_at");
    str("originalTimestamp", "original_timestamp");
    {
      // received_at: the load order (see the header).
      const int64_t ms = received_base_ms + index;
      const int64_t secs = ms / 1000;
      char buf[64];
      std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(secs),
                    static_cast<long long>(ms % 1000));
      row["received_at"] = std::string("epoch:") + buf;
    }
    if (m.contains("context") && m["context"].is_object()) Flatten(m["context"], "context", &row);
    std::vector<std::string> into;
    std::map<std::string, json> extra;  // the event table's own columns
    if (type == "track") {
      if (!m.contains("event") || !m["event"].is_string()) {
        ++load.skipped;
        continue;
      }
      const std::string ev = m["event"].get<std::string>();
      row["event"] = Snake(ev);
      row["event_text"] = ev;
      if (m.contains("properties") && m["properties"].is_object())
        Flatten(m["properties"], "", &extra);
      into = {"tracks", Snake(ev)};
    } else if (type == "page" || type == "screen") {
      if (m.contains("properties") && m["properties"].is_object())
        Flatten(m["properties"], "", &extra);
      if (m.contains("name") && m["name"].is_string()) extra["name"] = m["name"];
      into = {type == "page" ? "pages" : "screens"};
    } else if (type == "identify") {
      if (m.contains("traits") && m["traits"].is_object()) Flatten(m["traits"], "", &extra);
      into = {"identifies"};
    } else if (type == "alias") {
      str("previousId", "previous_id");
      into = {"aliases"};
    } else if (type == "group") {
      str("groupId", "group_id");
      if (m.contains("traits") && m["traits"].is_object()) Flatten(m["traits"], "", &extra);
      into = {"groups"};
    } else {
      ++load.skipped;
      continue;
    }
    ++load.messages;
    for (size_t k = 0; k < into.size(); ++k) {
      Table& t = tables[into[k]];
      std::map<std::string, json> r = row;
      // `tracks` holds the common columns only; the others add their own.
      if (!(type == "track" && k == 0))
        for (const auto& [c, v] : extra) r[c] = v;
      for (const auto& [c, v] : r) {
        Col& col = t.cols[c];
        if (c == "timestamp" || c == "received_at" || c == "sent_at" || c == "original_timestamp") {
          col.first = 't';
          continue;
        }
        const char kind = v.is_boolean() ? 'b' : v.is_number() ? 'n' : 's';
        if (!col.first) col.first = kind;
        if (col.first == 'n' && v.is_number_float()) col.f = true;
      }
      t.rows.push_back(std::move(r));
    }
  }
  std::string& sql = load.sql;
  sql += "CREATE SCHEMA IF NOT EXISTS \"" + schema + "\";\n";
  for (const auto& [name, t] : tables) {
    const std::string q = "\"" + schema + "\".\"" + name + "\"";
    sql += "CREATE TABLE IF NOT EXISTS " + q + " (id text);\n";
    for (const auto& [c, col] : t.cols)
      if (c != "id")
        sql += "ALTER TABLE " + q + " ADD COLUMN IF NOT EXISTS \"" + c + "\" " + col.Type() + ";\n";
    for (size_t b = 0; b < t.rows.size(); b += 500) {
      std::string cols, values;
      for (const auto& [c, col] : t.cols) cols += (cols.empty() ? "\"" : ", \"") + c + "\"";
      for (size_t i = b; i < std::min(t.rows.size(), b + 500); ++i) {
        std::string v;
        for (const auto& [c, col] : t.cols) {
          auto it = t.rows[i].find(c);
          std::string lit = "NULL";
          if (it != t.rows[i].end()) {
            if (c == "received_at") {
              lit = "to_timestamp(" + it->second.get<std::string>().substr(6) + ")";
            } else {
              lit = Render(it->second, col);
            }
          }
          v += (v.empty() ? "" : ", ") + lit;
        }
        values += (values.empty() ? "(" : ",\n(") + v + ")";
      }
      sql += "INSERT INTO " + q + " (" + cols + ") VALUES\n" + values + ";\n";
    }
  }
  return load;
}

}  // namespace aud::testing
