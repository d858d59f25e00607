// `aud explain NAME --ir|--llvm|--sql`: the compiled form of a segment, audience
// or consent (the slots and formulas it uses, the LLVM IR the JIT
// compiles for it, or the SQL of the `postgres` engine in a dialect); `--passes` adds the IR passes
// and their facts,
// `--disable-pass NAME` skips a pass. No data is read.

#include <chrono>
#include <iostream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/check/check.h"
#include "compiler/codegen/codegen.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"
#include "compiler/sql/sql.h"
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
  if (form != "sql" && (o.dialect != "postgres" || !o.as_of.empty())) {
    std::cerr << "error: `--dialect` and `--as-of` go with `--sql`\n";
    return 1;
  }
  if (form != "ir" && form != "llvm" && form != "sql") {
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
  if (form == "sql") {
    int64_t as_of = 0;
    std::string why;
    if (o.as_of.empty()) {
      as_of = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
    } else if (!driver::ParseAsOf(o.as_of, &as_of, &why)) {
      std::cerr << "error: invalid `--as-of` `" << o.as_of << "`: " << why << "\n";
      return 1;
    }
    const sql::Dialect* dialect = sql::FindDialect(o.dialect);
    if (!dialect) {
      std::cerr << "error: unknown `--dialect` `" << o.dialect << "` (" << sql::DialectNames()
                << ")\n";
      return 1;
    }
    std::cout << sql::Explain(prog, name, *dialect, as_of);
    return 0;
  }
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
