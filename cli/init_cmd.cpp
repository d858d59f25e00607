// `aud init [DIR]`: writes a small working project from templates embedded
// in the binary. Never overwrites: an existing aud.toml is an error, other
// existing files are kept — except `.gitignore`, to which the patterns aud
// needs (.aud/, plan files, exports) are appended when missing.

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/init_templates.h"

namespace aud::cli {

namespace fs = std::filesystem;

// Appends to the existing `.gitignore` at `p` the template's lines (comments
// included, for the reader) of every pattern it lacks. Returns false on a
// write error.
bool MergeGitignore(const fs::path& p, std::string_view tmpl, bool* changed) {
  std::set<std::string> have;
  std::string text;
  {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) have.insert(line);
  std::string add, comments;
  std::istringstream want{std::string(tmpl)};
  for (std::string line; std::getline(want, line);) {
    if (line.empty() || line[0] == '#') {
      comments += line + "\n";
      continue;
    }
    if (!have.count(line)) add += comments + line + "\n";
    comments.clear();
  }
  *changed = !add.empty();
  if (add.empty()) return true;
  std::ofstream out(p, std::ios::binary | std::ios::app);
  if (!text.empty() && text.back() != '\n') out << "\n";
  out << "\n" << add;
  return static_cast<bool>(out.flush());
}

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
    if (rel == ".gitignore" && fs::exists(p)) {
      bool changed = false;
      if (!MergeGitignore(p, contents, &changed)) {
        std::cerr << "aud: error: cannot write " << p.string() << "\n";
        return 1;
      }
      std::cout << (changed ? "updated " : "kept ") << p.string() << "\n";
      continue;
    }
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
