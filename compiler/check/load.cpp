// Load pass: reads aud.toml, parses every module file, follows imports
// (standard modules embedded in the binary, project-relative files) and
// reports missing imports and import cycles.

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "compiler/base/file_read.h"
#include "compiler/check/context.h"
#include "compiler/parse/parse.h"
#include "stdlib/stdlib.h"

namespace aud::check {

namespace fs = std::filesystem;

SourceTree ReadSourceTree(const std::string& dir) {
  SourceTree tree;
  std::error_code ec;
  fs::path root = fs::absolute(dir, ec);
  // Symlinks resolved once, so that every file can be checked to lie inside.
  fs::path real_root = fs::canonical(root, ec);
  if (ec) real_root = root.lexically_normal();
  tree.root_dir = real_root.string();
  // Reads one project file into `tree` (or records why it cannot be read).
  auto read = [&](const fs::path& p, const std::string& rel) {
    std::error_code sec;
    if (!fs::exists(fs::symlink_status(p, sec))) return;
    if (!base::ResolvesInside(real_root, p)) {
      tree.unreadable[rel] = "resolves outside the project folder";
      return;
    }
    base::ReadResult r = base::ReadRegularFile(p, base::kMaxSourceBytes);
    if (r.ok()) {
      tree.files[rel] = std::move(r.text);
    } else if (r.status != base::ReadStatus::NotFound) {
      tree.unreadable[rel] = r.why;
    } else if (fs::is_symlink(fs::symlink_status(p, sec))) {
      tree.unreadable[rel] = "is a symlink to nothing";
    }
  };
  read(real_root / "aud.toml", "aud.toml");
  fs::recursive_directory_iterator it(real_root, fs::directory_options::skip_permission_denied, ec),
      end;
  for (; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    std::error_code dec;
    if (it->is_directory(dec)) {
      // `.aud/` holds state and caches; hidden folders are never sources.
      if (!name.empty() && name[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".aud") continue;
    read(p, p.lexically_relative(real_root).generic_string());
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
    if (fs::path(path).is_absolute() || norm == ".." || norm.rfind("../", 0) == 0) {
      auto& d = cx.Error(DiagKind::ImportOutsideProject, imp.path.range,
                         "cannot import " + Q(path) + ": it is outside the project folder");
      d.notes.push_back({{},
                         "imports are paths relative to the project root, inside it, or "
                         "`std/...` for a standard module"});
      return std::nullopt;
    }
    if (norm.empty() || norm == ".") {
      cx.Error(DiagKind::ImportNotFound, imp.path.range,
               "cannot import " + Q(path) + ": imports are paths relative to the project root");
      return std::nullopt;
    }
    if (auto it = cx.tree.unreadable.find(norm); it != cx.tree.unreadable.end()) {
      Unreadable(imp.path.range, path, it->second);
      return std::nullopt;
    }
    // Outside the module's own files: read from disk relative to the root,
    // only when it resolves (symlinks followed) inside the project.
    if (!cx.tree.root_dir.empty()) {
      fs::path root(cx.tree.root_dir);
      fs::path p = root / norm;
      std::error_code ec;
      fs::path real_root = fs::canonical(root, ec);
      if (ec) real_root = root;
      if (fs::exists(fs::symlink_status(p, ec))) {
        if (!base::ResolvesInside(real_root, p)) {
          auto& d = cx.Error(DiagKind::ImportOutsideProject, imp.path.range,
                             "cannot import " + Q(path) +
                                 ": it resolves (through a symlink) outside the project folder");
          d.notes.push_back({{}, "copy the file into the project, or import it from `std/`"});
          return std::nullopt;
        }
        base::ReadResult r = base::ReadRegularFile(p, base::kMaxSourceBytes);
        if (r.ok()) {
          size_t index = AddFile(norm, r.text, false);
          FollowImports(index);
          return index;
        }
        if (r.status != base::ReadStatus::NotFound) {
          Unreadable(imp.path.range, path, r.why);
          return std::nullopt;
        }
      }
    }
    std::vector<std::string> known;
    for (const auto& [p, _] : by_path) known.push_back(p);
    auto& d = cx.Error(DiagKind::ImportNotFound, imp.path.range,
                       "cannot find " + Q(path) + " (imports are relative to the project root)");
    Context::AddSuggestion(d, norm, known);
    return std::nullopt;
  }

  void Unreadable(SourceRange at, const std::string& path, const std::string& why) {
    auto& d = cx.Error(DiagKind::UnreadableFile, at, "cannot import " + Q(path) + ": it " + why);
    d.notes.push_back({{},
                       "imports name `.aud` files of at most 16 MiB (regular files, not "
                       "directories, devices or pipes)"});
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

namespace {

// An imported list (`import "lists/x.csv" key NS` in an audience) is data:
// an absolute path may point anywhere, a relative one must stay inside the
// project (after symlinks). When it exists, it must be a regular file of at
// most base::kMaxListBytes. It is read at evaluation, not here.
void CheckListPaths(Context& cx, const std::vector<std::unique_ptr<ast::File>>& files) {
  for (const auto& file : files) {
    for (const ast::Decl& decl : file->decls) {
      const auto* a = std::get_if<ast::AudienceDecl>(&decl.node);
      if (!a) continue;
      for (const ast::AudienceItem& item : a->items) {
        if (item.kind != ast::AudienceItem::Import) continue;
        const std::string& path = item.import_path.value;
        fs::path p(path);
        if (p.is_absolute() || path.empty()) continue;
        std::string norm = p.lexically_normal().generic_string();
        if (norm == ".." || norm.rfind("../", 0) == 0) {
          auto& d = cx.Error(DiagKind::ImportOutsideProject, item.import_path.range,
                             "cannot import the list " + Q(path) +
                                 ": a relative path must stay inside the project folder");
          d.notes.push_back({{}, "write an absolute path to read a list from elsewhere"});
          continue;
        }
        if (cx.tree.root_dir.empty()) continue;
        std::error_code ec;
        fs::path root(cx.tree.root_dir);
        fs::path real_root = fs::canonical(root, ec);
        if (ec) real_root = root;
        fs::path full = root / norm;
        if (!fs::exists(fs::symlink_status(full, ec))) continue;  // reported at evaluation
        if (!base::ResolvesInside(real_root, full)) {
          auto& d = cx.Error(DiagKind::ImportOutsideProject, item.import_path.range,
                             "cannot import the list " + Q(path) +
                                 ": it resolves (through a symlink) outside the project folder");
          d.notes.push_back({{}, "write an absolute path to read a list from elsewhere"});
          continue;
        }
        struct stat st {};
        std::string why;
        if (::stat(full.c_str(), &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
          why = "is a directory";
        } else if (!S_ISREG(st.st_mode)) {
          why = "is not a regular file";
        } else if (static_cast<uint64_t>(st.st_size) > base::kMaxListBytes) {
          why = "is larger than 1 GiB";
        }
        if (!why.empty())
          cx.Error(DiagKind::UnreadableFile, item.import_path.range,
                   "cannot import the list " + Q(path) + ": it " + why);
      }
    }
  }
}

}  // namespace

void LoadPass(Context& cx) {
  Loader loader{cx, true, {}, {}, {}, {}, {}};
  // Project files that exist but could not be read (aud.toml first).
  for (const auto& [path, why] : cx.tree.unreadable) {
    bool imported_only =
        path != "aud.toml" && (path.size() < 4 || path.compare(path.size() - 4, 4, ".aud") != 0);
    if (imported_only) continue;  // reported at the import that names it
    auto& d = cx.Error(DiagKind::UnreadableFile, {}, "cannot read " + Q(path) + ": it " + why);
    d.notes.push_back({{},
                       "the project's `aud.toml` and `.aud` files must be regular files of at "
                       "most 16 MiB inside the project folder"});
  }
  auto cfg = cx.tree.files.find("aud.toml");
  if (cfg != cx.tree.files.end()) {
    base::FileId id = cx.project.sources.Add("aud.toml", cfg->second);
    cx.project.config = config::ParseConfig(id, cx.diags, cx.options.environment);
    if (cx.project.config) loader.stdlib_enabled = cx.project.config->stdlib;
  } else if (cx.options.require_config && !cx.tree.unreadable.count("aud.toml")) {
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
  CheckListPaths(cx, loader.loaded);
  for (size_t i = 0; i < loader.loaded.size(); ++i) {
    if (loader.is_std[i]) cx.std_files.push_back(loader.loaded[i].get());
    cx.project.files.push_back(std::move(loader.loaded[i]));
  }
}

}  // namespace aud::check
