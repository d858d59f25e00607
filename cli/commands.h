#pragma once
// The `aud` subcommands. Each returns the process exit code (0 success,
// 1 errors; 2 only with --detailed-exitcode). Rendering lives here, never in
// the compiler stages.

#include <cstdint>
#include <string>
#include <vector>

namespace aud::cli {

// Options shared by every command.
struct GlobalOptions {
  std::string dir = ".";  // -C DIR
  bool color = false;     // diagnostics in colour (stderr is a terminal)
};

// `aud check [--emit=ast]`: parse, resolve, type-check, governance.
int RunCheck(const GlobalOptions& g, const std::string& emit);
// `aud fmt [--check] [FILE...]`: canonical formatting.
int RunFmt(const GlobalOptions& g, bool check_only, const std::vector<std::string>& files);
// `aud graph`: the dependency graph as DOT.
int RunGraph(const GlobalOptions& g);
// `aud init [DIR]`: scaffold a working project.
int RunInit(const GlobalOptions& g, const std::string& target);

// Options of `aud gen-events`.
struct GenEventsOptions {
  uint64_t profiles = 1000;
  uint64_t events = 10000;   // lines in total
  uint64_t seed = 1;
  double bad_fraction = 0.0;
  std::string out;           // empty: stdout
};
// `aud gen-events --profiles N --events M --seed S [--out FILE] [--bad-fraction F]`.
int RunGenEvents(const GlobalOptions& g, const GenEventsOptions& o);

// Options of `aud eval`.
struct EvalOptions {
  std::string name;             // the segment or audience
  std::string as_of;            // RFC 3339 date or date-time, `@` optional; empty: now
  std::string format = "table"; // table | jsonl
  std::string engine = "interp";  // interp | jit (falls back to interp until the JIT exists)
};
// `aud eval NAME [--as-of T] [--format table|jsonl] [--engine interp|jit]`.
int RunEval(const GlobalOptions& g, const EvalOptions& o);
// `aud explain NAME --ir`: the compiled form of NAME (`form` is "ir").
int RunExplain(const GlobalOptions& g, const std::string& name, const std::string& form);
// Parses an `--as-of` value (RFC 3339 date or date-time, with or without `@`).
bool ParseAsOf(const std::string& text, int64_t* millis, std::string* why);

}  // namespace aud::cli
