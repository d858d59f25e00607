// Every tests/eval/cases/*.aud: each `# EVAL: NAME --as-of T` evaluated by
// the interpreter and by the JIT in both tiers, restricted to NAME (as `aud
// eval` does) and with every formula; results and identities must be
// identical bit for bit.

#include <gtest/gtest.h>

#include "compiler/ir/verify.h"
#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

std::string CasesDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/cases"; }

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string base = info.param.substr(info.param.find_last_of('/') + 1);
  base = base.substr(0, base.size() - 4);  // .aud
  for (char& c : base)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return base;
}

class JitCase : public testing::TestWithParam<std::string> {};

TEST_P(JitCase, MatchesInterpreter) {
  evaltest::Case c = evaltest::ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  Loaded loaded;
  std::string error;
  ASSERT_TRUE(Load(c.files, &loaded, &error)) << c.path << ": " << error;
  bool all_done = false;
  for (const evaltest::EvalSpec& e : c.evals) {
    int64_t as_of = 0;
    ASSERT_TRUE(ParseAsOf(e.as_of, &as_of)) << e.as_of;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    for (jit::Tier tier : {jit::Tier::Fast, jit::Tier::Full}) {
      const char* t = tier == jit::Tier::Fast ? "fast" : "full";
      EXPECT_EQ(Differential(loaded, ps, {e.name}, tier), "")
          << c.path << ":" << e.line << ": " << e.name << " (" << t << " tier)";
      if (!all_done)
        EXPECT_EQ(Differential(loaded, ps, {}, tier), "")
            << c.path << ": every formula at " << e.as_of << " (" << t << " tier)";
    }
    all_done = true;
  }
}

// Disabling any IR pass (compiler/ir/passes.h) gives the same results, in
// both executors, for each `# EVAL` name and for every formula.
TEST_P(JitCase, SameResultsWithEachPassDisabled) {
  evaltest::Case c = evaltest::ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  Loaded loaded;
  std::string error;
  ASSERT_TRUE(Load(c.files, &loaded, &error)) << c.path << ": " << error;
  EXPECT_EQ(ir::Verify(loaded.program), "") << c.path;
  bool all_done = false;
  for (const evaltest::EvalSpec& e : c.evals) {
    int64_t as_of = 0;
    ASSERT_TRUE(ParseAsOf(e.as_of, &as_of)) << e.as_of;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    EXPECT_EQ(PassesDifferential(loaded, ps, {e.name}), "")
        << c.path << ":" << e.line << ": " << e.name;
    if (!all_done) EXPECT_EQ(PassesDifferential(loaded, ps, {}), "") << c.path << ": every formula";
    all_done = true;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, JitCase, testing::ValuesIn(evaltest::CaseFiles(CasesDir())),
                         TestName);

}  // namespace
}  // namespace aud::jittest
