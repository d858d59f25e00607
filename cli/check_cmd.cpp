// `aud check`: the whole front end, no data read.

#include <iostream>

#include "cli/commands.h"
#include "compiler/ast/dump.h"
#include "compiler/check/check.h"

namespace aud::cli {

int RunCheck(const GlobalOptions& g, const std::string& emit) {
  check::SourceTree tree = check::ReadSourceTree(g.dir);
  auto project = check::Check(tree, {.environment = EnvironmentName(g)});
  std::cerr << project->diags.Render(g.color);
  if (!project->ok()) {
    size_t n = project->diags.error_count();
    std::cerr << n << (n == 1 ? " error" : " errors") << " generated\n";
    return 1;
  }
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
