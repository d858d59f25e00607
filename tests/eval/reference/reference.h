#pragma once
// The reference evaluator of the eval tests: docs/reference/language.md §3–§6 and the
// `aud eval --format jsonl` output of §10, written straight from the
// definitions and as simply as possible (no code shared with runtime/ or
// compiler/ir). It reads the checker's annotated AST and JSON lines parsed
// with nlohmann-json; sequences are decided by enumerating positions.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/check/check.h"

namespace aud::evaltest {

// Parses an RFC 3339 date-time (`2026-03-01T12:00:00.250+02:00`) into
// milliseconds since the epoch, UTC. Fractions beyond milliseconds are cut.
bool ParseDateTime(std::string_view text, int64_t* millis);

// Parses an `--as-of` value: an RFC 3339 date or date-time, `@` optional.
bool ParseAsOf(std::string_view text, int64_t* millis);

// Formats an instant as §10 prints timestamps (milliseconds only when non-zero).
std::string FormatTimestamp(int64_t millis);

// Formats a double in shortest round-trip form (§10).
std::string FormatFloat(double v);

// Evaluates segments and audiences of one checked project over its events at
// one instant. Profiles are built once; Eval() may be called for many names.
class Reference {
 public:
  // `event_files`: the contents of each source file, in input order.
  Reference(const check::Project& project, const std::vector<std::string>& event_files,
            int64_t as_of);
  ~Reference();
  // The `aud eval NAME --format jsonl` output for a segment or audience;
  // false with `error` set when NAME is neither.
  bool Eval(const std::string& name, std::string* out, std::string* error);
  // Number of profiles at as_of (for tests of the generator).
  size_t NumProfiles() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: checks the project folder `dir` (aud.toml + *.aud), reads the
// files matching its `[sources.*]` globs (path order; no .gz) and evaluates `name`.
bool EvalProjectDir(const std::string& dir, const std::string& name, int64_t as_of,
                    std::string* out, std::string* error);

}  // namespace aud::evaltest
