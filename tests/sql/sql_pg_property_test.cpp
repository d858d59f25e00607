// Random (program, data) pairs from the eval property-test generator
// (tests/eval/generator.h): each pair is evaluated with every formula by the
// JIT and by the `postgres` engine in a real PostgreSQL 15, and restricted
// to one generated name; members, attributes (bit for bit), identities must
// be identical. 10 shards × 50 pairs = 500 pairs (AUD_SQL_PAIRS_PER_SHARD
// overrides the 50; a failure prints the pair seed). Each shard prints the
// pairs it ran and how long they took.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "tests/eval/generator.h"
#include "tests/sql/sql_diff.h"

namespace aud::sqltest {
namespace {

constexpr uint64_t kRunSeed = 1;

uint64_t PairsPerShard() {
  const char* env = std::getenv("AUD_SQL_PAIRS_PER_SHARD");
  return env && *env ? std::strtoull(env, nullptr, 10) : 50;
}

class PgProperty : public ::testing::TestWithParam<int> {};

TEST_P(PgProperty, MatchesJit) {
  std::string error;
  const std::string dsn = ServerDsn(&error);
  ASSERT_NE(dsn, "") << error;
  const uint64_t n = PairsPerShard();
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t k = 0; k < n; ++k) {
    const uint64_t index = static_cast<uint64_t>(GetParam()) * n + k;
    evaltest::GeneratedPair pair = evaltest::Generate(evaltest::PairSeed(kRunSeed, index));
    std::string where = "pair seed " + std::to_string(pair.seed);
    evaltest::Files files{{"main.aud", pair.program},
                          {"events.jsonl", pair.events},
                          {"aud.toml", evaltest::kDefaultToml}};
    jittest::Loaded loaded;
    ASSERT_TRUE(jittest::Load(files, &loaded, &error)) << where << ": " << error << "\n"
                                                       << pair.program;
    int64_t as_of = 0;
    ASSERT_TRUE(jittest::ParseAsOf(pair.as_of, &as_of)) << where;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    ASSERT_EQ(PgDifferential(loaded, ps, {}, dsn), "") << where << "\n" << pair.program;
    if (!pair.names.empty()) {
      const std::string& name = pair.names[index % pair.names.size()];
      ASSERT_EQ(PgDifferential(loaded, ps, {name}, dsn), "") << where << ": " << name;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("sql-property: %llu pairs in %.1f s\n", static_cast<unsigned long long>(n), s);
}

INSTANTIATE_TEST_SUITE_P(Shards, PgProperty, ::testing::Range(0, 10));

}  // namespace
}  // namespace aud::sqltest
