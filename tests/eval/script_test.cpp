// Script tests (tests/eval/README.md): every tests/eval/cases/*.aud holds a
// program, events, and hand-written expected `aud eval --format jsonl`
// output. Each case runs twice: against the `aud` binary (EvalScriptAud) and
// against the reference evaluator (EvalScriptReference), so the expectations,
// the reference and aud must all agree.
// The aud binary is AUD_BINARY, or $AUD_EVAL_BINARY when set.

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "stdlib/builtins.h"
#include "tests/eval/harness.h"

namespace aud::evaltest {
namespace {

std::string CasesDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/cases"; }

std::string AudBinary() {
  const char* env = std::getenv("AUD_EVAL_BINARY");
  return env && *env ? env : AUD_BINARY;
}

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string base = info.param.substr(info.param.find_last_of('/') + 1);
  base = base.substr(0, base.size() - 4);  // .aud
  for (char& c : base)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return base;
}

std::string Where(const Case& c, const EvalSpec& e) {
  return c.path + ":" + std::to_string(e.line) + ": eval " + e.name + " --as-of " + e.as_of;
}

class EvalScriptAud : public testing::TestWithParam<std::string> {};
class EvalScriptReference : public testing::TestWithParam<std::string> {};

TEST_P(EvalScriptAud, Matches) {
  Case c = ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  std::string dir = MakeTempDir("aud_evalscript_");
  ASSERT_FALSE(dir.empty());
  WriteFiles(dir, c.files);
  for (const EvalSpec& e : c.evals) {
    RunResult r = RunAud(AudBinary(), dir, e.name, e.as_of);
    EXPECT_EQ(r.exit_code, 0) << Where(c, e) << "\nstderr:\n" << r.err;
    EXPECT_EQ(r.out, e.expected) << Where(c, e) << "\n"
                                 << FirstDifference(e.expected, r.out) << "\nfull output:\n"
                                 << r.out << "stderr:\n"
                                 << r.err;
  }
  if (!HasFailure())
    RemoveTree(dir);
  else
    std::cerr << "project kept in " << dir << "\n";
}

TEST_P(EvalScriptReference, Matches) {
  Case c = ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  for (const EvalSpec& e : c.evals) {
    std::string out, error;
    ASSERT_TRUE(RunReference(c.files, e.name, e.as_of, &out, &error)) << Where(c, e) << "\n"
                                                                      << error;
    EXPECT_EQ(out, e.expected) << Where(c, e) << "\n"
                               << FirstDifference(e.expected, out) << "\nfull output:\n"
                               << out;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, EvalScriptAud, testing::ValuesIn(CaseFiles(CasesDir())), TestName);
INSTANTIATE_TEST_SUITE_P(Cases, EvalScriptReference, testing::ValuesIn(CaseFiles(CasesDir())),
                         TestName);

// Acceptance (issue 3): at least 60 cases, and every builtin is exercised.
TEST(EvalScriptCoverage, EnoughCasesAndEveryBuiltin) {
  auto files = CaseFiles(CasesDir());
  EXPECT_GE(files.size(), 60u);
  std::string programs;
  for (const auto& f : files) {
    Case c = ReadCase(f);
    for (const auto& [name, text] : c.files)
      if (name.size() > 4 && name.substr(name.size() - 4) == ".aud") programs += text;
  }
  for (const auto& b : stdlib::kBuiltins) {
    std::regex call("\\b" + std::string(b.name) + "\\(");
    EXPECT_TRUE(std::regex_search(programs, call)) << "no script test calls " << b.name;
  }
}

}  // namespace
}  // namespace aud::evaltest
