// `aud init [DIR]`: writes a small working project from templates embedded
// in the binary. Never overwrites: an existing aud.toml is an error.

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/init_templates.h"

namespace aud::cli {

namespace fs = std::filesystem;

int RunInit(const GlobalOptions& g, const std::string& target) {
  fs::path dir = fs::path(target).is_absolute() ? fs::path(target) : fs::path(g.dir) / target;
  dir = dir.lexically_normal();
  if (fs::exists(dir / "aud.toml")) {
    std::cerr << "aud: error: " << (dir / "aud.toml").string()
              << " already exists; `aud init` never overwrites a project\n";
    return 1;
  }
  for (const auto& [rel, contents] : InitTemplates()) {
    fs::path p = dir / std::string(rel);
    std::error_code ec;
    fs::create_directories(p.parent_path(), ec);
    if (fs::exists(p)) {
      std::cerr << "aud: skipped " << p.string() << " (exists)\n";
      continue;
    }
    std::ofstream out(p, std::ios::binary);
    out << contents;
    if (!out.flush()) {
      std::cerr << "aud: error: cannot write " << p.string() << "\n";
      return 1;
    }
    std::cout << "created " << p.string() << "\n";
  }
  std::cout << "\nnext: aud -C " << dir.string() << " check\n";
  return 0;
}

}  // namespace aud::cli
