// `aud plan` and `aud show`: run the planning pipeline and print the plan
// (Terraform-like text or `--json`), save it with `--out` (atomically, mode
// 0600), and show a saved plan or the recorded state.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/escape.h"
#include "runtime/plan/plan.h"
#include "runtime/state/state.h"

namespace aud::cli {

namespace {

// Writes `text` to `path` through a temporary file in the same folder and a
// rename, so a reader never sees half a plan. Mode 0600: plans hold member keys.
bool WriteAtomically(const std::string& path, const std::string& text, std::string* error) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    return false;
  }
  ::fchmod(fd, 0600);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      *error = "cannot write " + path + ": " + std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return false;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// `s` quoted for a POSIX shell when it needs it.
std::string ShellWord(const std::string& s) {
  bool plain = !s.empty();
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("@%+=:,./_-", c)))
      plain = false;
  if (plain) return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Where the plan file is, as seen from the current folder.
std::string ShownPath(const GlobalOptions& g, const std::string& out) {
  return ProjectPath(g, out);
}

// The command that applies the saved plan, run from where `aud plan` was run:
// `-C DIR` again when it was given (the plan path is relative to it).
std::string ApplyCommand(const GlobalOptions& g, const std::string& out) {
  std::string cmd = "aud";
  if (g.dir != ".") cmd += " -C " + ShellWord(g.dir);
  return cmd + " apply " + ShellWord(out);
}

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::ostringstream ss;
  ss << f.rdbuf();
  *text = ss.str();
  return !f.bad();
}

// `aud show` without a plan file: the recorded state.
int ShowState(const GlobalOptions& g, bool json) {
  std::unique_ptr<check::Project> project = check::Check(check::ReadSourceTree(g.dir));
  state::Location where;
  std::string error;
  if (!StateLocationOf(g, project->config ? &*project->config : nullptr, false, &where, &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  bool missing = false;
  auto st = state::OpenLocation(where, &error, &missing);
  if (missing) {
    if (json)
      std::cout << "{\"state\":null}\n";
    else
      std::cout << "No state: nothing has been applied in this project yet.\n";
    return 0;
  }
  if (!st) {
    std::cerr << "error: cannot open the " << state::ShownLocation(where) << ": " << error << "\n";
    return 1;
  }
  if (st->HasAccessControl() && !st->Can("view", "", &error)) {
    std::cerr << "error: role `" << st->Role() << "` lacks the `view` capability on the "
              << st->Shown() << "; the administrator (`" << st->Administrator()
              << "`) can run `aud access grant " << st->Role() << " view`\n";
    return 1;
  }
  auto auds = st->Audiences();
  auto pubs = st->Publications();
  if (json) {
    nlohmann::json j;
    j["lineage"] = st->lineage();
    j["serial"] = st->serial();
    nlohmann::json a = nlohmann::json::array(), p = nlohmann::json::array();
    for (const auto& r : auds)
      a.push_back({{"name", r.name},
                   {"definition_hash", r.definition_hash},
                   {"labels", r.labels},
                   {"refresh", r.refresh},
                   {"last_evaluated", r.last_evaluated ? ir::FormatTime(r.last_evaluated) : ""},
                   {"last_published", r.last_published ? ir::FormatTime(r.last_published) : ""}});
    for (const auto& r : pubs)
      p.push_back({{"audience", r.audience},
                   {"destination", r.destination},
                   {"members", r.members},
                   {"labels", r.labels},
                   {"definition_hash", r.definition_hash},
                   {"updated_at", ir::FormatTime(r.updated_at)}});
    j["audiences"] = a;
    j["publications"] = p;
    std::cout << base::JsonTerminalSafe(
                     j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace))
              << "\n";
    return 0;
  }
  // Names and labels come from the state file: printed escaped.
  auto E = [](const std::string& s) { return base::TerminalSafe(s); };
  std::cout << "state: lineage " << E(st->lineage()) << ", serial " << st->serial() << "\n";
  if (pubs.empty()) std::cout << "no publications recorded\n";
  for (const auto& r : pubs) {
    std::cout << "  " << E(r.audience) << " -> " << E(r.destination) << ": " << r.members
              << (r.members == 1 ? " member" : " members") << ", updated "
              << ir::FormatTime(r.updated_at);
    if (!r.labels.empty()) {
      std::cout << ", labels";
      for (const auto& l : r.labels) std::cout << " " << E(l);
    }
    std::cout << "\n";
  }
  for (const auto& r : auds) {
    std::cout << "  audience " << E(r.name) << ": refresh "
              << (r.refresh.empty() ? "-" : E(r.refresh)) << ", last published "
              << (r.last_published ? ir::FormatTime(r.last_published) : std::string("never"))
              << "\n";
  }
  return 0;
}

}  // namespace

int RunPlan(const GlobalOptions& g, const PlanOptions& o) {
  Planned planned;
  if (!PlanProject(g, o, &planned)) return 1;
  const plan::Plan& p = planned.plan;
  if (!o.out.empty()) {
    std::string error;
    if (!WriteAtomically(ProjectPath(g, o.out), plan::Serialize(p), &error)) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
  }
  if (o.json) {
    std::string json = plan::RenderJson(p, o.detail);
    if (planned.warehouse_used) {
      // What the warehouse sources read, as a top-level `warehouse` object.
      size_t end = json.rfind('}');
      if (end != std::string::npos)
        json.insert(end, ",\"warehouse\":" + warehouse::CountersJson(planned.warehouse));
    }
    std::cout << json;
  } else {
    std::cout << plan::RenderHuman(p, o.detail, false);
    if (!o.out.empty())
      std::cout << "\nSaved the plan to " << ShownPath(g, o.out)
                << ". Apply exactly this plan with:\n"
                << "    " << ApplyCommand(g, o.out) << "\n";
  }
  if (o.detailed_exitcode && p.has_changes()) return 2;
  return 0;
}

int RunShow(const GlobalOptions& g, const std::string& plan_file, bool json) {
  if (plan_file.empty()) return ShowState(g, json);
  std::string text, error;
  const std::string path = ProjectPath(g, plan_file);
  if (!ReadFile(path, &text)) {
    std::cerr << "error: cannot read the plan file " << base::TerminalSafe(plan_file) << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  plan::Plan p;
  if (!plan::Deserialize(text, &p, &error)) {
    std::cerr << "error: " << base::TerminalSafe(plan_file) << ": " << base::TerminalSafe(error)
              << "\n";
    return 1;
  }
  if (json)
    std::cout << plan::RenderJson(p, true);
  else
    std::cout << "plan " << base::TerminalSafe(p.id) << " (made " << ir::FormatTime(p.created_at)
              << ")\n"
              << plan::RenderHuman(p, false, false);
  return 0;
}

}  // namespace aud::cli
