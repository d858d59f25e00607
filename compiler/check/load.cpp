// Load pass: reads aud.toml, parses every module file, follows imports
// (standard modules embedded in the binary, project-relative files) and
// reports missing imports and import cycles.

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "compiler/check/context.h"
#include "compiler/parse/parse.h"
#include "stdlib/stdlib.h"

namespace aud::check {

namespace fs = std::filesystem;

SourceTree ReadSourceTree(const std::string& dir) {
  SourceTree tree;
  std::error_code ec;
  fs::path root = fs::absolute(dir, ec);
  tree.root_dir = root.string();
  auto read = [](const fs::path& p, std::string* out) {
    std::ifstream in(p, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
  };
  std::string text;
  if (read(root / "aud.toml", &text)) tree.files["aud.toml"] = text;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      // `.aud/` holds state and caches; hidden folders are never sources.
      if (!name.empty() && name[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".aud" || !it->is_regular_file(ec)) continue;
    std::string rel = fs::relative(p, root, ec).generic_string();
    if (read(p, &text)) tree.files[rel] = text;
  }
  return tree;
}

namespace {

// Collapses `./` and `a/../` in a project-relative import path.
std::string NormalizePath(const std::string& path) {
  return fs::path(path).lexically_normal().generic_string();
}

struct Loader {
  Context& cx;
  bool stdlib_enabled = true;
  std::map<std::string, size_t> by_path;  // display path -> index in `loaded`
  std::vector<std::unique_ptr<ast::File>> loaded;
  std::vector<bool> is_std;
  std::vector<bool> parsed_ok;
  // Import edges: file index -> (target index, the import's path literal).
  std::vector<std::vector<std::pair<size_t, SourceRange>>> edges;

  size_t AddFile(const std::string& path, std::string_view text, bool std_module) {
    base::FileId id = cx.project.sources.Add(path, std::string(text));
    auto file = parse::ParseFile(id, cx.diags);
    size_t index = loaded.size();
    parsed_ok.push_back(file != nullptr);
    if (!file) {
      file = std::make_unique<ast::File>();
      file->file = id;
    }
    loaded.push_back(std::move(file));
    is_std.push_back(std_module);
    edges.emplace_back();
    by_path[path] = index;
    return index;
  }

  // Loads what `index` imports (recursively) and records the edges.
  void FollowImports(size_t index) {
    for (size_t di = 0; di < loaded[index]->decls.size(); ++di) {
      const auto* imp = std::get_if<ast::ImportDecl>(&loaded[index]->decls[di].node);
      if (!imp) continue;
      std::optional<size_t> target = Resolve(*imp, is_std[index]);
      if (target) edges[index].push_back({*target, imp->path.range});
    }
  }

  std::optional<size_t> Resolve(const ast::ImportDecl& imp, bool from_std) {
    const std::string& path = imp.path.value;
    if (path.rfind("std/", 0) == 0) {
      if (!stdlib_enabled && !from_std) {
        cx.Error(DiagKind::StdlibDisabled, imp.path.range,
                 "the standard library is disabled in `aud.toml`; cannot import " + Q(path))
            .notes.push_back({{}, "set `stdlib = true` in `[project]` to use it"});
        return std::nullopt;
      }
      std::string display = path + ".aud";
      if (auto it = by_path.find(display); it != by_path.end()) return it->second;
      auto text = stdlib::StdModule(path);
      if (!text) {
        auto& d = cx.Error(DiagKind::ImportNotFound, imp.path.range,
                           "no standard module named " + Q(path));
        Context::AddSuggestion(d, path, stdlib::StdModuleNames());
        return std::nullopt;
      }
      size_t index = AddFile(display, *text, true);
      FollowImports(index);
      return index;
    }
    std::string norm = NormalizePath(path);
    if (auto it = by_path.find(norm); it != by_path.end()) return it->second;
    if (fs::path(path).is_absolute() || norm.empty() || norm == ".") {
      cx.Error(DiagKind::ImportNotFound, imp.path.range,
               "cannot import " + Q(path) + ": imports are paths relative to the project root");
      return std::nullopt;
    }
    // Outside the module's own files: read from disk relative to the root.
    if (!cx.tree.root_dir.empty()) {
      std::ifstream in(fs::path(cx.tree.root_dir) / norm, std::ios::binary);
      if (in) {
        std::ostringstream ss;
        ss << in.rdbuf();
        size_t index = AddFile(norm, ss.str(), false);
        FollowImports(index);
        return index;
      }
    }
    std::vector<std::string> known;
    for (const auto& [p, _] : by_path) known.push_back(p);
    auto& d = cx.Error(DiagKind::ImportNotFound, imp.path.range,
                       "cannot find " + Q(path) + " (imports are relative to the project root)");
    Context::AddSuggestion(d, norm, known);
    return std::nullopt;
  }

  // Reports each import cycle once, at the import that closes it.
  void FindCycles() {
    std::vector<int> color(loaded.size(), 0);  // 0 new, 1 on stack, 2 done
    std::vector<size_t> stack;
    std::function<void(size_t)> dfs = [&](size_t u) {
      color[u] = 1;
      stack.push_back(u);
      for (const auto& [v, range] : edges[u]) {
        if (color[v] == 1) {
          std::string msg = "import cycle: ";
          auto start = std::find(stack.begin(), stack.end(), v);
          for (auto it = start; it != stack.end(); ++it)
            msg += Q(cx.project.sources.file(loaded[*it]->file).path) + " -> ";
          msg += Q(cx.project.sources.file(loaded[v]->file).path);
          cx.Error(DiagKind::ImportCycle, range, msg);
        } else if (color[v] == 0) {
          dfs(v);
        }
      }
      stack.pop_back();
      color[u] = 2;
    };
    for (size_t i = 0; i < loaded.size(); ++i)
      if (color[i] == 0) dfs(i);
  }
};

}  // namespace

void LoadPass(Context& cx) {
  Loader loader{cx, true, {}, {}, {}, {}, {}};
  auto cfg = cx.tree.files.find("aud.toml");
  if (cfg != cx.tree.files.end()) {
    base::FileId id = cx.project.sources.Add("aud.toml", cfg->second);
    cx.project.config = config::ParseConfig(id, cx.diags);
    if (cx.project.config) loader.stdlib_enabled = cx.project.config->stdlib;
  } else if (cx.options.require_config) {
    cx.Error(DiagKind::ConfigMissing, {},
             "no `aud.toml` in the project folder; run `aud init` to create a project");
  }
  // Module files first (sorted by path: the tree is a map), then imports.
  size_t module_files = 0;
  for (const auto& [path, text] : cx.tree.files) {
    if (path.size() < 4 || path.compare(path.size() - 4, 4, ".aud") != 0) continue;
    loader.AddFile(path, text, false);
    ++module_files;
  }
  for (size_t i = 0; i < module_files; ++i) loader.FollowImports(i);
  loader.FindCycles();
  for (size_t i = 0; i < loader.loaded.size(); ++i) {
    if (loader.is_std[i]) cx.std_files.push_back(loader.loaded[i].get());
    cx.project.files.push_back(std::move(loader.loaded[i]));
  }
}

}  // namespace aud::check
