#pragma once
// Shared by the eval tests: reading script-test case files (README.md),
// writing a temp project, running `aud eval` on it and running the reference
// evaluator on the same files.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/check/check.h"

namespace aud::evaltest {

// Project files by relative path (`main.aud`, `aud.toml`, `events.jsonl`, …).
using Files = std::map<std::string, std::string>;

// One `# EVAL: NAME --as-of T` of a case and its `# EXPECT:` lines.
struct EvalSpec {
  std::string name;
  std::string as_of;     // as written after --as-of
  std::string expected;  // the expected stdout: one line per EXPECT, each ending in \n
  int line = 0;          // of the EVAL line in the case file
};

// A parsed case file.
struct Case {
  std::string path;
  Files files;
  std::vector<EvalSpec> evals;
  std::string error;  // non-empty: the case file is malformed
};

// The aud.toml a case gets unless it has its own: one source, events.jsonl.
extern const char* const kDefaultToml;

// Reads a case file (format in tests/eval/README.md).
Case ReadCase(const std::string& path);

// Every `*.aud` file directly under `dir`, sorted.
std::vector<std::string> CaseFiles(const std::string& dir);

// A fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& prefix);

// Removes a directory tree (best effort).
void RemoveTree(const std::string& dir);

// Writes `files` under `dir` (creating folders).
void WriteFiles(const std::string& dir, const Files& files);

// The outcome of one command.
struct RunResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs `AUD -C DIR eval NAME --as-of AS_OF --format jsonl`.
RunResult RunAud(const std::string& aud, const std::string& dir, const std::string& name,
                 const std::string& as_of);

// Checks the project held in `files` in memory; null with `error` set when it
// does not check.
std::unique_ptr<check::Project> CheckFiles(const Files& files, std::string* error);

// The contents of the files matching the project's `[sources.*]` globs:
// sources in declaration order, each source's files in path order.
std::vector<std::string> SourceTexts(const check::Project& project, const Files& files);

// The reference evaluator on in-memory files; false with `error` set on failure.
bool RunReference(const Files& files, const std::string& name, const std::string& as_of,
                  std::string* out, std::string* error);

// "line N: expected ... / actual ..." for the first differing line.
std::string FirstDifference(const std::string& expected, const std::string& actual);

}  // namespace aud::evaltest
