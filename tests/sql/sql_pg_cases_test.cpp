// Every tests/eval/cases/*.aud: each `# EVAL: NAME --as-of T` evaluated by
// the JIT and by the `postgres` engine in a real PostgreSQL 15 (started by
// the test), restricted to NAME and with every formula; members, attributes
// (bit for bit), imported-list counts and identities must be identical.

#include <gtest/gtest.h>

#include "tests/sql/sql_diff.h"

namespace aud::sqltest {
namespace {

std::string CasesDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/cases"; }

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string base = info.param.substr(info.param.find_last_of('/') + 1);
  base = base.substr(0, base.size() - 4);  // .aud
  for (char& c : base)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return base;
}

class PgCase : public ::testing::TestWithParam<std::string> {};

TEST_P(PgCase, MatchesJit) {
  std::string error;
  const std::string dsn = ServerDsn(&error);
  ASSERT_NE(dsn, "") << error;
  evaltest::Case c = evaltest::ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << c.path << ": " << error;
  bool all_done = false;
  for (const evaltest::EvalSpec& e : c.evals) {
    int64_t as_of = 0;
    ASSERT_TRUE(jittest::ParseAsOf(e.as_of, &as_of)) << e.as_of;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    EXPECT_EQ(PgDifferential(loaded, ps, {e.name}, dsn), "")
        << c.path << ":" << e.line << ": " << e.name;
    if (!all_done)
      EXPECT_EQ(PgDifferential(loaded, ps, {}, dsn), "")
          << c.path << ": every formula at " << e.as_of;
    all_done = true;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PgCase, ::testing::ValuesIn(evaltest::CaseFiles(CasesDir())),
                         TestName);

}  // namespace
}  // namespace aud::sqltest
