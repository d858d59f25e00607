// Every tests/eval/cases/*.aud in DuckDB: the duckdb dialect of the SQL
// generator, with the layout loaded by INSERTs, run through node and the
// npm package bench/duckdb uses (@duckdb/node-api), against the JIT: each
// `# EVAL` name and every formula; members, attributes (bit for bit),
// imported-list counts and identities identical. Needs node and the package
// (`npm ci` in bench/duckdb, or $AUD_DUCKDB_NODE_MODULES); without them the
// test is skipped with the reason.

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

class DuckDbCase : public ::testing::TestWithParam<std::string> {};

TEST_P(DuckDbCase, MatchesJit) {
  const std::string modules = DuckDbModules();
  if (modules.empty())
    GTEST_SKIP() << "@duckdb/node-api not installed: run `npm ci` in bench/duckdb or set "
                    "AUD_DUCKDB_NODE_MODULES";
  evaltest::Case c = evaltest::ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  std::string error;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << c.path << ": " << error;
  bool all_done = false;
  for (const evaltest::EvalSpec& e : c.evals) {
    int64_t as_of = 0;
    ASSERT_TRUE(jittest::ParseAsOf(e.as_of, &as_of)) << e.as_of;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    if (!all_done)
      EXPECT_EQ(DuckDbDifferential(loaded, ps, {}, modules), "")
          << c.path << ": every formula at " << e.as_of;
    else
      EXPECT_EQ(DuckDbDifferential(loaded, ps, {e.name}, modules), "")
          << c.path << ":" << e.line << ": " << e.name;
    all_done = true;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, DuckDbCase, ::testing::ValuesIn(evaltest::CaseFiles(CasesDir())),
                         TestName);

}  // namespace
}  // namespace aud::sqltest
