// Preflight (apply.h): what an apply needs, checked when planning and again
// before the first batch, so a missing secret or an unwritable export folder
// stops the run before any publication was sent.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "runtime/apply/apply.h"

namespace aud::apply {

namespace {

namespace fs = std::filesystem;

bool IsDir(const fs::path& p, int* err) {
  struct stat sb {};
  if (::stat(p.c_str(), &sb) != 0) {
    *err = errno;
    return false;
  }
  *err = 0;
  return S_ISDIR(sb.st_mode);
}

// "" when folder `dir` (shown as `shown`) exists and can be written, or can
// be created: its nearest existing ancestor is a folder aud may write in.
std::string FolderProblem(const std::string& shown, const fs::path& dir) {
  int err = 0;
  if (IsDir(dir, &err)) {
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      return "folder `" + shown + "` cannot be written: " + std::strerror(errno);
    return "";
  }
  if (err == 0) return "`" + shown + "` exists and is not a folder";
  if (err != ENOENT && err != ENOTDIR)
    return "folder `" + shown + "` cannot be used: " + std::strerror(err);
  // Walk up to the nearest existing ancestor; it must be a writable folder.
  fs::path up = dir;
  while (true) {
    fs::path parent = up.parent_path();
    if (parent.empty()) parent = ".";
    if (parent == up) break;
    up = parent;
    if (IsDir(up, &err)) {
      if (::access(up.c_str(), W_OK | X_OK) != 0)
        return "folder `" + shown + "` cannot be created: `" + up.string() +
               "` cannot be written: " + std::strerror(errno);
      return "";
    }
    if (err == 0)
      return "folder `" + shown + "` cannot be created: `" + up.string() + "` is not a folder";
    if (err != ENOENT && err != ENOTDIR)
      return "folder `" + shown + "` cannot be created: `" + up.string() +
             "`: " + std::strerror(err);
  }
  return "folder `" + shown + "` cannot be created";
}

}  // namespace

std::vector<std::string> Preflight(const plan::Plan& plan, const config::ProjectConfig& config,
                                   const connectors::Context& ctx) {
  std::vector<std::string> errors;
  // Each connection once, with the destinations that use it.
  std::map<std::string, std::set<std::string>> used;
  for (const auto& p : plan.publications) {
    if (p.action == plan::Action::NoOp) continue;
    std::string name = p.connection;
    if (name.empty() && p.destination == "profile_store") name = "profile_store";
    if (!config.connections.count(name)) {
      if (!p.connection.empty())
        errors.push_back("destination `" + p.destination + "`: connection `" + p.connection +
                         "` is not in aud.toml; add a `[connections." + p.connection +
                         "]` table or change the destination's `connection`");
      continue;  // the built-in profile store needs nothing
    }
    used[name].insert(p.destination);
  }
  for (const auto& [name, dests] : used) {
    const config::Connection& conn = config.connections.at(name);
    std::string who;
    for (const auto& d : dests) who += (who.empty() ? "`" : ", `") + d + "`";
    who = (dests.size() == 1 ? "destination " : "destinations ") + who;
    bool secrets_ok = true;
    for (const auto& [key, value] : conn.values) {
      const auto* ref = std::get_if<config::SecretRef>(&value);
      if (!ref) continue;
      std::string v;
      const bool found = ctx.getenv ? ctx.getenv(ref->env, &v) : false;
      if (!found || v.empty()) {
        secrets_ok = false;
        errors.push_back("connection `" + name + "` (" + who + "): environment variable `" +
                         ref->env + "` (for `" + key + "`) is " + (found ? "empty" : "not set") +
                         "; set it in aud's environment, or leave the publication out with "
                         "--exclude");
      }
    }
    if (!secrets_ok) continue;
    if (conn.type == "profile_store") continue;  // opening it would create `.aud/profiles.db`
    std::string error;
    if (!connectors::Make(&conn, ctx, &error)) {
      errors.push_back(error + " (" + who + "); fix `[connections." + name + "]` in aud.toml");
      continue;
    }
    if (conn.type == "file") {
      auto it = conn.values.find("dir");
      const std::string* dir =
          it == conn.values.end() ? nullptr : std::get_if<std::string>(&it->second);
      if (!dir) continue;  // Make refused it already
      fs::path resolved(*dir);
      if (resolved.is_relative()) resolved = fs::path(ctx.project_dir) / resolved;
      std::string problem = FolderProblem(*dir, resolved.lexically_normal());
      if (!problem.empty())
        errors.push_back("connection `" + name + "` (" + who + "): " + problem +
                         "; change its `dir` in aud.toml or fix the folder's permissions");
    }
  }
  return errors;
}

}  // namespace aud::apply
