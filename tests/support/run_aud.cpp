#include "tests/support/run_aud.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/state_backend.h"

extern char** environ;

namespace aud::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
  path_ = buf.data();
}

TempDir::~TempDir() {
  if (std::getenv("AUD_KEEP_TEST_DIRS")) return;
  std::error_code ec;
  fs::remove_all(path_, ec);
}

void TempDir::Write(const std::string& rel, const std::string& contents) const {
  fs::path p = fs::path(path_) / rel;
  fs::create_directories(p.parent_path());
  // The state backend under test (state_backend.h): a project's aud.toml
  // without a [state] table gets the PostgreSQL one in postgres mode.
  if (rel == "aud.toml" && PostgresStateTests() && contents.find("[state]") == std::string::npos) {
    std::ofstream(p, std::ios::binary) << contents << StateToml();
    return;
  }
  std::ofstream(p, std::ios::binary) << contents;
}

std::string TempDir::Read(const std::string& rel) const {
  std::ifstream in(fs::path(path_) / rel, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool TempDir::Exists(const std::string& rel) const { return fs::exists(fs::path(path_) / rel); }

std::string AudBinary() {
  if (const char* b = std::getenv("AUD_BIN")) return b;
#ifdef AUD_BIN_PATH
  return AUD_BIN_PATH;
#else
  return "aud";
#endif
}

namespace {

// The environment for the child: ours, then `env` applied.
std::vector<std::string> ChildEnv(const std::map<std::string, std::string>& env) {
  std::map<std::string, std::string> all;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto eq = kv.find('=');
    if (eq == std::string::npos) continue;
    all[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : env) {
    if (v == "\x01unset")
      all.erase(k);
    else
      all[k] = v;
  }
  std::vector<std::string> out;
  for (const auto& [k, v] : all) out.push_back(k + "=" + v);
  return out;
}

pid_t Start(const std::string& dir, const std::vector<std::string>& args,
            const std::map<std::string, std::string>& env, int in_fd, int out_fd, int err_fd) {
  std::vector<std::string> argv_s{AudBinary(), "-C", dir};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::map<std::string, std::string> with_state = env;
  if (PostgresStateTests() && !with_state.count("AUD_TEST_STATE_DSN"))
    with_state["AUD_TEST_STATE_DSN"] = StateDsnFor(dir);
  std::vector<std::string> env_s = ChildEnv(with_state);
  std::vector<char*> argv, envp;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env_s) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    for (int fd = 3; fd < 1024; ++fd) close(fd);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

RunResult FromStatus(int status) {
  RunResult r;
  if (WIFEXITED(status)) r.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
  return r;
}

}  // namespace

RunResult RunAud(const std::string& dir, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& stdin_text,
                 double timeout_s) {
  // The state's PostgreSQL server (postgres mode) starts before any pipe is
  // made, so it never holds the child's output open.
  StateDsnFor(dir);
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
  pid_t pid = Start(dir, args, env, in[0], out[1], err[1]);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  // Small inputs only: write stdin at once, then close it.
  if (!stdin_text.empty()) {
    ssize_t n = write(in[1], stdin_text.data(), stdin_text.size());
    (void)n;
  }
  close(in[1]);
  RunResult r;
  std::string* bufs[2] = {&r.out, &r.err};
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  int open_fds = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  bool killed = false;
  char chunk[65536];
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0 && !killed) {
      kill(-pid, SIGKILL);
      killed = true;
    }
    int ready = poll(fds, 2, left > 0 ? static_cast<int>(std::min<long long>(left, 1000)) : 100);
    if (ready < 0 && errno != EINTR) break;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
      if (n > 0) {
        bufs[i]->append(chunk, static_cast<size_t>(n));
      } else {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  RunResult s = FromStatus(status);
  r.exit_code = s.exit_code;
  r.signal = s.signal;
  if (killed) r.err += "\n[run_aud: timed out after " + std::to_string(timeout_s) + " s]\n";
  return r;
}

pid_t SpawnAud(const std::string& dir, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env) {
  StateDsnFor(dir);
  int null_in = open("/dev/null", O_RDONLY);
  int null_out = open("/dev/null", O_WRONLY);
  pid_t pid = Start(dir, args, env, null_in, null_out, null_out);
  close(null_in);
  close(null_out);
  return pid;
}

RunResult Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return FromStatus(status);
}

}  // namespace aud::testing
