// Per-event property type mismatches (docs/reference/language.md §5, pipeline.h).

#include <set>
#include <unordered_map>

#include "cli/pipeline.h"
#include "compiler/base/civil_time.h"

namespace aud::cli {

std::map<std::string, uint64_t> TypeMismatches(const ir::Program& program,
                                               const store::EventStore& store, int64_t as_of) {
  using store::ValueKind;
  // Per store type: the columns whose values the program cannot use.
  struct Check {
    std::string key;  // event.property
    const store::Column* column;
    bool timestamps;  // a string column read as timestamps: only unparseable strings count
  };
  std::vector<std::vector<Check>> checks(store.types.size());
  bool any = false;
  std::set<std::string> seen;
  for (const ir::Property& pr : program.props) {
    const ir::Event& ev = program.events[pr.event];
    std::string key = ev.name + "." + pr.name;
    if (pr.type == ir::Type::Duration || !seen.insert(key).second) continue;
    const uint32_t name = store.dict.Find(pr.name);
    if (name == UINT32_MAX) continue;
    for (size_t t = 0; t < store.types.size(); ++t) {
      if (store.types[t].key != ev.store_key) continue;
      for (ValueKind kind :
           {ValueKind::Int, ValueKind::Float, ValueKind::Bool, ValueKind::String}) {
        const store::Column* c = store.types[t].Find(name, kind);
        if (!c) continue;
        bool fits = false;
        switch (pr.type) {
          case ir::Type::Int: fits = kind == ValueKind::Int; break;
          case ir::Type::Float: fits = kind == ValueKind::Int || kind == ValueKind::Float; break;
          case ir::Type::Bool: fits = kind == ValueKind::Bool; break;
          case ir::Type::String: fits = kind == ValueKind::String; break;
          case ir::Type::Timestamp: fits = false; break;
          case ir::Type::Duration: fits = true; break;
        }
        if (fits) continue;
        const bool timestamps = pr.type == ir::Type::Timestamp && kind == ValueKind::String;
        checks[t].push_back(Check{key, c, timestamps});
        any = true;
      }
    }
  }
  std::map<std::string, uint64_t> out;
  if (!any) return out;
  std::unordered_map<uint32_t, bool> parses;  // string code -> is a timestamp
  for (size_t e = 0; e < store.num_events(); ++e) {
    if (store.ts[e] > as_of) continue;
    const std::vector<Check>& cs = checks[store.type[e]];
    for (const Check& c : cs) {
      const int64_t i = c.column->Index(store.row[e]);
      if (i < 0) continue;
      if (c.timestamps) {
        const uint32_t code = c.column->codes[static_cast<size_t>(i)];
        auto it = parses.find(code);
        if (it == parses.end()) {
          int64_t ms = 0;
          it = parses.emplace(code, base::ParseEventTimestamp(store.dict.Get(code), &ms)).first;
        }
        if (it->second) continue;
      }
      ++out[c.key];
    }
  }
  return out;
}

}  // namespace aud::cli
