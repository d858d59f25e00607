// Case files, temp projects, running aud and the reference (harness.h).

#include "tests/eval/harness.h"

#include <fnmatch.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/eval/reference/reference.h"

namespace aud::evaltest {

namespace fs = std::filesystem;

const char* const kDefaultToml =
    "[project]\n"
    "name = \"evaltest\"\n"
    "\n"
    "[sources.test]\n"
    "path = \"events.jsonl\"\n";

namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

bool StartsWith(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

bool EndsWith(const std::string& s, const std::string& p) {
  return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Drops the blank lines that end a part (they are layout, not content).
std::string TrimTrailingBlankLines(std::string s) {
  while (EndsWith(s, "\n\n")) s.pop_back();
  if (s == "\n") s.clear();
  return s;
}

}  // namespace

Case ReadCase(const std::string& path) {
  Case c;
  c.path = path;
  std::istringstream in(ReadAll(path));
  std::string line, part = "main.aud";
  int n = 0;
  c.files[part];
  while (std::getline(in, line)) {
    ++n;
    if (StartsWith(line, "# --- ")) {
      part = line.substr(6);
      if (c.files.count(part)) c.error = "line " + std::to_string(n) + ": part " + part + " twice";
      c.files[part];
      continue;
    }
    if (StartsWith(line, "# EVAL:")) {
      std::istringstream words(line.substr(7));
      EvalSpec e;
      std::string flag;
      e.line = n;
      if (!(words >> e.name >> flag >> e.as_of) || flag != "--as-of") {
        c.error = "line " + std::to_string(n) + ": want `# EVAL: NAME --as-of T`";
      }
      c.evals.push_back(e);
      continue;
    }
    if (StartsWith(line, "# EXPECT:")) {
      if (c.evals.empty()) {
        c.error = "line " + std::to_string(n) + ": EXPECT before any EVAL";
        continue;
      }
      std::string rest = line.substr(9);
      if (StartsWith(rest, " ")) rest = rest.substr(1);
      c.evals.back().expected += rest + "\n";
      continue;
    }
    if (!c.evals.empty() && line.find_first_not_of(" \t") != std::string::npos &&
        !StartsWith(line, "#")) {
      c.error = "line " + std::to_string(n) + ": content after the EVAL/EXPECT block";
    }
    if (EndsWith(part, ".jsonl")) {
      // Event parts: `#` lines are comments, blank lines are dropped.
      if (StartsWith(line, "#") || line.find_first_not_of(" \t") == std::string::npos) continue;
    }
    c.files[part] += line + "\n";
  }
  for (auto& [name, text] : c.files) text = TrimTrailingBlankLines(text);
  if (!c.files.count("aud.toml")) c.files["aud.toml"] = kDefaultToml;
  if (c.evals.empty() && c.error.empty()) c.error = "no `# EVAL:` line";
  return c;
}

std::vector<std::string> CaseFiles(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().extension() == ".aud") out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) return "";
  return buf.data();
}

void RemoveTree(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
}

void WriteFiles(const std::string& dir, const Files& files) {
  for (const auto& [name, text] : files) {
    fs::path p = fs::path(dir) / name;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
  }
}

RunResult RunAud(const std::string& aud, const std::string& dir, const std::string& name,
                 const std::string& as_of) {
  RunResult r;
  std::string err_path = dir + "/.eval_stderr";
  std::string cmd = Quote(aud) + " -C " + Quote(dir) + " eval " + Quote(name) + " --as-of " +
                    Quote(as_of) + " --format jsonl 2>" + Quote(err_path);
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    r.err = "popen failed";
    return r;
  }
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, got);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.err = ReadAll(err_path);
  std::error_code ec;
  fs::remove(err_path, ec);
  return r;
}

std::unique_ptr<check::Project> CheckFiles(const Files& files, std::string* error) {
  check::SourceTree tree;
  for (const auto& [name, text] : files)
    if (name == "aud.toml" || EndsWith(name, ".aud")) tree.files[name] = text;
  auto project = check::Check(tree);
  if (!project->ok()) {
    *error = project->diags.Render();
    return nullptr;
  }
  return project;
}

std::vector<std::string> SourceTexts(const check::Project& project, const Files& files) {
  std::vector<std::string> out;
  if (project.config)
    for (const auto& src : project.config->sources) {
      // A source path is a glob; its files are read in path order (Files is sorted).
      for (const auto& [name, text] : files)
        if (fnmatch(src.path.c_str(), name.c_str(), FNM_PATHNAME) == 0) out.push_back(text);
    }
  return out;
}

bool RunReference(const Files& files, const std::string& name, const std::string& as_of,
                  std::string* out, std::string* error) {
  int64_t t;
  if (!ParseAsOf(as_of, &t)) {
    *error = "bad --as-of " + as_of;
    return false;
  }
  auto project = CheckFiles(files, error);
  if (!project) return false;
  Reference ref(*project, SourceTexts(*project, files), t);
  return ref.Eval(name, out, error);
}

std::string FirstDifference(const std::string& expected, const std::string& actual) {
  std::istringstream a(expected), b(actual);
  std::string la, lb;
  for (int n = 1;; ++n) {
    bool ga = static_cast<bool>(std::getline(a, la));
    bool gb = static_cast<bool>(std::getline(b, lb));
    if (!ga && !gb) return "";
    if (!ga) return "line " + std::to_string(n) + ": unexpected  " + lb;
    if (!gb) return "line " + std::to_string(n) + ": missing     " + la;
    if (la != lb)
      return "line " + std::to_string(n) + ":\n  expected: " + la + "\n  actual:   " + lb;
  }
}

}  // namespace aud::evaltest
