#pragma once
// Unit tests of the language (`test NAME { ... }`, docs/aud-test.md): each
// test's fixtures (inline events, identifies and aliases, and JSON-lines
// files of the project) become Segment-spec lines, ingested into a store of
// their own in memory; the profiles at the test's `as_of` are evaluated with
// the driver's executor and every expectation is compared. Never reads the
// project's sources of data, its cache or its state.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/check/check.h"
#include "compiler/ir/ir.h"

namespace aud::testing {

// How to run the tests.
struct Options {
  std::string project_dir = ".";   // fixture files and imported lists are read relative to it
  std::string engine = "jit";      // the executor (driver::Engines)
  std::vector<std::string> names;  // the tests to run (empty: every test)
};

// One line of a failed expectation's diff: a profile (or value) with what
// was expected and what was found.
struct DiffLine {
  std::string profile;   // the profile id as written, or the member's profile key
  std::string expected;  // e.g. "member", "not a member", "120.5", "missing"
  std::string got;
};

// The outcome of one expectation.
struct Outcome {
  std::string text;  // the expectation as written in the source
  uint32_t line = 0;
  bool passed = false;
  std::vector<DiffLine> diff;  // empty when passed
};

// The outcome of one test.
struct TestResult {
  std::string name;
  std::string file;  // the project-relative file it is declared in
  uint32_t line = 0;
  bool passed = false;
  std::string error;   // non-empty: the test could not run (a fixture file, ingest, binding)
  std::string notice;  // e.g. the JIT fell back to the interpreter
  int64_t as_of = 0;
  uint32_t profiles = 0;  // profiles at as_of
  uint64_t events = 0;    // fixture lines ingested as events
  std::vector<Outcome> outcomes;
};

// Every test run.
struct Report {
  std::vector<TestResult> tests;
  size_t Failed() const;
};

// The inline fixtures of `test` as Segment-spec JSON lines, one per fixture,
// in order (properties and traits typed as the declarations say; `context.*`
// properties nested under `context`).
std::string FixtureLines(const ast::TestDecl& test, const check::Module& module);

// Runs the tests of a checked, lowered project; unknown names in
// options.names are the caller's to refuse (see UnknownTests).
Report Run(const check::Project& project, const ir::Program& program, const Options& options);

// The names of options.names that are not tests of `module`.
std::vector<std::string> UnknownTests(const check::Module& module,
                                      const std::vector<std::string>& names);

}  // namespace aud::testing
