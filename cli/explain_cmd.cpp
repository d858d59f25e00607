// `aud explain NAME --ir|--llvm`: the compiled form of a segment, audience
// or consent (the slots and formulas it uses, or the LLVM IR the JIT
// compiles for it); `--passes` adds the IR passes and their facts,
// `--disable-pass NAME` skips a pass. No data is read.

#include <iostream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/check/check.h"
#include "compiler/codegen/codegen.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "runtime/driver/driver.h"

namespace aud::cli {

namespace {

// "; did you mean `x`?" for a close name, else "".
std::string DidYouMean(const std::string& s) {
  return s.empty() ? "" : "; did you mean `" + s + "`?";
}

// "a segment", "an audience".
std::string WithArticle(const std::string& kind) {
  bool vowel = !kind.empty() && std::string("aeiou").find(kind[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + kind;
}

}  // namespace

int RunExplain(const GlobalOptions& g, const ExplainOptions& o) {
  const std::string& name = o.name;
  const std::string& form = o.form;
  ir::PassOptions passes;
  passes.disabled = o.disabled_passes;
  if (std::string why = ir::CheckPassOptions(passes); !why.empty()) {
    std::cerr << "error: " << why << "\n";
    return 1;
  }
  const auto project = driver::Compile(DriverOptions(g), driver::Until::Check).project;
  if (!ReportDiagnostics(g, *project)) return 1;
  const check::Symbol* sym = project->module.Find(name);
  if (!sym ||
      (sym->kind != check::SymbolKind::Segment && sym->kind != check::SymbolKind::Audience &&
       sym->kind != check::SymbolKind::Consent)) {
    std::cerr << "error: "
              << (sym ? "`" + name + "` is " + WithArticle(check::SymbolKindName(sym->kind)) +
                            ", not a segment, audience or consent"
                      : "unknown segment, audience or consent `" + name + "`" +
                            DidYouMean(check::SuggestSymbol(
                                project->module, name,
                                {check::SymbolKind::Segment, check::SymbolKind::Audience,
                                 check::SymbolKind::Consent})))
              << "\n";
    return 1;
  }
  if (form != "ir" && form != "llvm") {
    std::cerr << "error: `--" << form << "` is not available yet\n";
    return 1;
  }
  ir::Program lowered;
  std::string lower_error;
  if (!driver::Lower(*project, &lowered, &lower_error)) {
    std::cerr << "error: " << lower_error << "\n";
    return 1;
  }
  const ir::Program& prog = lowered;
  const ir::Uses uses = ir::UsesOf(prog, name);
  if (form == "ir") {
    std::cout << ir::PrintFor(prog, name);
    if (o.passes) std::cout << ir::PrintPasses(prog, ir::Analyze(prog, uses, passes));
    return 0;
  }
  // The module of the program restricted to NAME, bound to no store: each
  // event its own type, string literals with placeholder codes.
  llvm::LLVMContext context;
  std::string error;
  auto module =
      codegen::Generate(prog, codegen::SchemaBinding(prog, uses, passes), context, &error);
  if (!module) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  std::cout << "; aud explain " << name << " --llvm: event e is store type e; string literal\n"
            << "; codes are placeholders (a store binds its dictionary's codes)\n"
            << codegen::PrintModule(*module);
  return 0;
}

}  // namespace aud::cli
