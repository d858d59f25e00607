// Graph pass: segments, audiences and consents may reference each other;
// a cycle among them has no meaning and is reported once, naming the cycle.

#include <algorithm>
#include <functional>

#include "compiler/check/context.h"

namespace aud::check {

void GraphPass(Context& cx) {
  const Module& m = cx.module;
  auto in_graph = [&](const std::string& n) {
    const Symbol* s = m.Find(n);
    return s && (s->kind == SymbolKind::Segment || s->kind == SymbolKind::Audience ||
                 s->kind == SymbolKind::Consent);
  };
  std::map<std::string, int> color;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> dfs = [&](const std::string& u) {
    color[u] = 1;
    stack.push_back(u);
    if (auto it = m.depends_on.find(u); it != m.depends_on.end()) {
      for (const std::string& v : it->second) {
        if (!in_graph(v)) continue;
        if (color[v] == 1) {
          auto start = std::find(stack.begin(), stack.end(), v);
          std::string path;
          for (auto i = start; i != stack.end(); ++i) path += Q(*i) + " -> ";
          path += Q(v);
          const Symbol* s = m.Find(v);
          auto& d = cx.Error(DiagKind::DependencyCycle, s->range, "dependency cycle: " + path);
          for (auto i = start + 1; i != stack.end(); ++i) {
            const Symbol* t = m.Find(*i);
            d.notes.push_back({t->range, std::string(SymbolKindName(t->kind)) + " " + Q(*i) +
                                             " is part of the cycle"});
          }
        } else if (color[v] == 0) {
          dfs(v);
        }
      }
    }
    stack.pop_back();
    color[u] = 2;
  };
  for (const auto& [name, sym] : m.symbols)
    if (in_graph(name) && color[name] == 0) dfs(name);
}

}  // namespace aud::check
