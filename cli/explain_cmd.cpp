// `aud explain NAME --ir`: the compiled form of a segment, audience or
// consent (the slots and formulas it uses). No data is read.

#include <iostream>

#include "cli/commands.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"

namespace aud::cli {

namespace {

// "a segment", "an audience".
std::string WithArticle(const std::string& kind) {
  bool vowel = !kind.empty() && std::string("aeiou").find(kind[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + kind;
}

}  // namespace

int RunExplain(const GlobalOptions& g, const std::string& name, const std::string& form) {
  check::SourceTree tree = check::ReadSourceTree(g.dir);
  auto project = check::Check(tree);
  std::cerr << project->diags.Render(g.color);
  if (!project->ok()) {
    size_t n = project->diags.error_count();
    std::cerr << n << (n == 1 ? " error" : " errors") << " generated\n";
    return 1;
  }
  const check::Symbol* sym = project->module.Find(name);
  if (!sym ||
      (sym->kind != check::SymbolKind::Segment && sym->kind != check::SymbolKind::Audience &&
       sym->kind != check::SymbolKind::Consent)) {
    std::cerr << "error: "
              << (sym ? "`" + name + "` is " + WithArticle(check::SymbolKindName(sym->kind)) +
                            ", not a segment, audience or consent"
                      : "unknown segment, audience or consent `" + name + "`")
              << "\n";
    return 1;
  }
  if (form != "ir") {
    std::cerr << "error: `--" << form << "` is not available yet\n";
    return 1;
  }
  ir::LowerResult lowered = ir::Lower(project->module);
  if (!lowered.error.empty()) {
    std::cerr << "error: " << lowered.error << "\n";
    return 1;
  }
  std::cout << ir::PrintFor(lowered.program, name);
  return 0;
}

}  // namespace aud::cli
