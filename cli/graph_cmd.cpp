// `aud graph`: the project's dependency graph as Graphviz DOT. Events and
// traits feed segments and consents, which feed audiences, which are
// published to destinations; every node shows its governance labels.

#include <iostream>
#include <set>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/check/check.h"
#include "runtime/driver/driver.h"

namespace aud::cli {

namespace {

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string JoinLabels(const std::set<std::string>& labels) {
  std::string s;
  for (const auto& l : labels) s += (s.empty() ? "" : ", ") + l;
  return s.empty() ? s : "[" + s + "]";
}

std::string Shape(check::SymbolKind k) {
  switch (k) {
    case check::SymbolKind::Event: return "shape=box, style=rounded";
    case check::SymbolKind::Trait: return "shape=ellipse";
    case check::SymbolKind::Consent: return "shape=diamond";
    case check::SymbolKind::Segment: return "shape=box";
    case check::SymbolKind::Audience: return "shape=box, style=bold";
    case check::SymbolKind::Destination: return "shape=cylinder";
    default: return "shape=plain";
  }
}

std::set<std::string> DeclaredLabels(const ast::Decl& d) {
  std::set<std::string> out;
  auto add = [&](const std::vector<ast::Name>& ls) {
    for (const auto& l : ls) out.insert(l.text);
  };
  if (const auto* e = std::get_if<ast::EventDecl>(&d.node)) add(e->labels);
  if (const auto* t = std::get_if<ast::TraitDecl>(&d.node)) add(t->labels);
  return out;
}

}  // namespace

int RunGraph(const GlobalOptions& g) {
  auto project = driver::Compile(DriverOptions(g), driver::Until::Check).project;
  PrintDiagnostics(g, project->diags);
  if (!project->ok()) return 1;
  const check::Module& m = project->module;
  std::set<std::string> nodes;
  for (const auto& [from, tos] : m.depends_on) {
    nodes.insert(from);
    nodes.insert(tos.begin(), tos.end());
  }
  for (const auto& [name, sym] : m.symbols)
    if (!sym.from_stdlib &&
        (sym.kind == check::SymbolKind::Segment || sym.kind == check::SymbolKind::Audience ||
         sym.kind == check::SymbolKind::Destination))
      nodes.insert(name);
  std::cout << "digraph aud {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n";
  for (const std::string& n : nodes) {
    const check::Symbol* s = m.Find(n);
    std::string kind = s ? check::SymbolKindName(s->kind) : "destination";
    std::set<std::string> labels;
    if (s) labels = DeclaredLabels(*s->decl);
    if (auto it = m.audience_labels.find(n); it != m.audience_labels.end())
      labels = it->second.labels;
    std::string text = Escape(kind + " " + n);
    std::string ls = JoinLabels(labels);
    if (!ls.empty()) text += "\\n" + Escape(ls);
    std::cout << "  \"" << Escape(n) << "\" [label=\"" << text << "\", "
              << (s ? Shape(s->kind) : Shape(check::SymbolKind::Destination)) << "];\n";
  }
  for (const auto& [from, tos] : m.depends_on)
    for (const auto& to : tos)
      std::cout << "  \"" << Escape(to) << "\" -> \"" << Escape(from) << "\";\n";
  std::cout << "}\n";
  return 0;
}

}  // namespace aud::cli
