// The checker's driver: runs the passes in order and stops between phases
// when one reported errors (later phases would only repeat them).

#include "compiler/check/check.h"

#include "compiler/check/context.h"

namespace aud::check {

const char* SymbolKindName(SymbolKind k) {
  switch (k) {
    case SymbolKind::Event: return "event";
    case SymbolKind::Trait: return "trait";
    case SymbolKind::Label: return "label";
    case SymbolKind::Action: return "action";
    case SymbolKind::Policy: return "policy";
    case SymbolKind::Consent: return "consent";
    case SymbolKind::Segment: return "segment";
    case SymbolKind::Audience: return "audience";
    case SymbolKind::Destination: return "destination";
  }
  return "name";
}

std::string WithArticle(SymbolKind k) {
  std::string n = SymbolKindName(k);
  bool vowel = n[0] == 'a' || n[0] == 'e';
  return (vowel ? "an " : "a ") + n;
}

const Symbol* Module::Find(const std::string& name) const {
  auto it = symbols.find(name);
  return it == symbols.end() ? nullptr : &it->second;
}

void Context::AddSuggestion(base::Diagnostic& d, const std::string& name,
                            const std::vector<std::string>& candidates) {
  std::string s = base::Suggest(name, candidates);
  if (!s.empty()) d.notes.push_back({{}, "did you mean " + Q(s) + "?"});
}

void Context::AddDeclaredHere(base::Diagnostic& d, const Symbol& s) {
  d.notes.push_back(
      {s.range, std::string(SymbolKindName(s.kind)) + " " + Q(s.name) + " is declared here"});
}

std::unique_ptr<Project> Check(const SourceTree& tree, const CheckOptions& opts) {
  auto project = std::make_unique<Project>();
  Context cx(*project, tree, opts);
  // Phases: each keeps going after errors; the driver stops between them.
  using Pass = void (*)(Context&);
  for (Pass pass : {LoadPass, DeclarePass, ResolvePass, GraphPass, GovernancePass}) {
    pass(cx);
    if (cx.diags.HasErrors()) break;
  }
  project->diags.Sort();
  return project;
}

std::string SuggestSymbol(const Module& module, const std::string& name,
                          const std::set<SymbolKind>& kinds) {
  std::vector<std::string> names;
  for (const auto& [n, sym] : module.symbols)
    if (kinds.count(sym.kind)) names.push_back(n);
  return base::Suggest(name, names);
}

}  // namespace aud::check
