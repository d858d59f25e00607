// `aud fmt`: canonical layout for .aud files; never writes a file that does
// not parse, and writes atomically (temp file + rename).

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/check/check.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"

namespace aud::cli {

namespace fs = std::filesystem;

namespace {

bool ReadFile(const fs::path& p, std::string* out) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

bool WriteAtomically(const fs::path& p, const std::string& text) {
  fs::path tmp = p;
  tmp += ".aud-fmt.tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  fs::rename(tmp, p, ec);
  return !ec;
}

}  // namespace

int RunFmt(const GlobalOptions& g, bool check_only, const std::vector<std::string>& files) {
  std::vector<fs::path> paths;
  if (files.empty()) {
    for (const auto& [rel, _] : check::ReadSourceTree(g.dir).files)
      if (rel != "aud.toml") paths.push_back(fs::path(g.dir) / rel);
  } else {
    for (const auto& f : files)
      paths.push_back(fs::path(f).is_absolute() ? fs::path(f) : fs::path(g.dir) / f);
  }
  int rc = 0;
  // One source manager for every file, so machine-readable diagnostics
  // (`--diagnostic-format`) are one document for the whole run.
  base::SourceManager sm;
  base::Diagnostics diags(sm);
  for (const fs::path& p : paths) {
    std::string text;
    if (!ReadFile(p, &text)) {
      std::cerr << "aud: error: cannot read " << p.string() << "\n";
      rc = 1;
      continue;
    }
    const size_t before = diags.all().size();
    base::FileId id = sm.Add(fs::path(p).lexically_normal().string(), text);
    auto file = parse::ParseFile(id, diags);
    if (!file) {
      diags.Sort();  // this file's diagnostics stay last: its id is the highest
      if (g.diagnostic_format == "text")
        for (size_t i = before; i < diags.all().size(); ++i)
          std::cerr << diags.Render(diags.all()[i], g.color);
      rc = 1;
      continue;
    }
    std::string formatted = fmt::FormatFile(*file, sm);
    if (formatted == text) continue;
    if (check_only) {
      std::cout << p.lexically_normal().string() << "\n";
      rc = 1;
    } else if (WriteAtomically(p, formatted)) {
      std::cout << p.lexically_normal().string() << "\n";
    } else {
      std::cerr << "aud: error: cannot write " << p.string() << "\n";
      rc = 1;
    }
  }
  if (g.diagnostic_format != "text") PrintDiagnostics(g, diags);
  return rc;
}

}  // namespace aud::cli
