#pragma once
// Test support: scratch project folders and running the `aud` binary with a
// controlled environment, capturing stdout, stderr and the exit status.

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace aud::testing {

struct RunResult {
  int exit_code = -1;  // -1: killed by a signal (see `signal`)
  int signal = 0;
  std::string out, err;
};

// A fresh folder under $TMPDIR (removed by the destructor unless
// AUD_KEEP_TEST_DIRS is set).
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "aud-test");
  ~TempDir();
  const std::string& path() const { return path_; }
  // Writes `contents` to path()/rel, creating folders.
  void Write(const std::string& rel, const std::string& contents) const;
  std::string Read(const std::string& rel) const;  // "" when missing
  bool Exists(const std::string& rel) const;

 private:
  std::string path_;
};

// Runs `aud args...` in `dir` (`-C dir` is added) with the current environment
// plus `env` (a value of "\x01unset" removes the variable). `stdin_text` is fed
// to stdin. `timeout_s` bounds the run (then SIGKILL).
RunResult RunAud(const std::string& dir, const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {},
                 const std::string& stdin_text = "", double timeout_s = 120);

// Starts `aud args...` without waiting; returns its pid (stdout/stderr to
// /dev/null). For crash tests: kill it, then Wait().
pid_t SpawnAud(const std::string& dir, const std::vector<std::string>& args,
               const std::map<std::string, std::string>& env = {});
// Waits for a spawned process; returns its RunResult (exit code or signal).
RunResult Wait(pid_t pid);

// The path of the aud binary under test (AUD_BIN).
std::string AudBinary();

}  // namespace aud::testing
