// `aud check`: the whole front end, no data read.

#include <iostream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/ast/dump.h"
#include "compiler/check/check.h"
#include "runtime/driver/driver.h"

namespace aud::cli {

int RunCheck(const GlobalOptions& g, const std::string& emit) {
  const auto project = driver::Compile(DriverOptions(g), driver::Until::Check).project;
  if (!ReportDiagnostics(g, *project)) return 1;
  // A machine-readable document is the whole output.
  if (g.diagnostic_format != "text" && g.diagnostics_to_stdout) return 0;
  if (emit == "ast") {
    for (const auto& f : project->files)
      std::cout << "; " << project->sources.file(f->file).path << "\n" << ast::Dump(*f);
    return 0;
  }
  size_t user_files = 0, segments = 0, audiences = 0, destinations = 0;
  for (const auto& f : project->files)
    if (project->sources.file(f->file).path.rfind("std/", 0) != 0) ++user_files;
  for (const auto& [name, sym] : project->module.symbols) {
    if (sym.from_stdlib) continue;
    segments += sym.kind == check::SymbolKind::Segment;
    audiences += sym.kind == check::SymbolKind::Audience;
    destinations += sym.kind == check::SymbolKind::Destination;
  }
  std::cout << "ok: " << user_files << " files, " << segments << " segments, " << audiences
            << " audiences, " << destinations << " destinations, "
            << project->module.publications.size() << " publications\n";
  return 0;
}

}  // namespace aud::cli
