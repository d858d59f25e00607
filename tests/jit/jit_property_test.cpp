// Random (program, data) pairs from the eval property-test generator
// (tests/eval/generator.h): each pair is evaluated with every formula by the
// interpreter and by the JIT in both tiers, and restricted to each generated
// name in the Fast tier; results and identities must be identical bit for
// bit. Each pair also runs with and without the `type-index` pass. 10 shards × 50 pairs = 500 pairs
// (AUD_JIT_PAIRS_PER_SHARD overrides the 50; a failure prints the pair seed).

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/eval/generator.h"
#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

constexpr uint64_t kRunSeed = 1;

uint64_t PairsPerShard() {
  const char* env = std::getenv("AUD_JIT_PAIRS_PER_SHARD");
  return env && *env ? std::strtoull(env, nullptr, 10) : 50;
}

class JitProperty : public testing::TestWithParam<int> {};

TEST_P(JitProperty, MatchesInterpreter) {
  const uint64_t n = PairsPerShard();
  for (uint64_t k = 0; k < n; ++k) {
    const uint64_t index = static_cast<uint64_t>(GetParam()) * n + k;
    evaltest::GeneratedPair pair = evaltest::Generate(evaltest::PairSeed(kRunSeed, index));
    std::string where = "pair seed " + std::to_string(pair.seed);
    evaltest::Files files{{"main.aud", pair.program},
                          {"events.jsonl", pair.events},
                          {"aud.toml", evaltest::kDefaultToml}};
    Loaded loaded;
    std::string error;
    ASSERT_TRUE(Load(files, &loaded, &error)) << where << ": " << error << "\n" << pair.program;
    int64_t as_of = 0;
    ASSERT_TRUE(ParseAsOf(pair.as_of, &as_of)) << where;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    for (jit::Tier tier : {jit::Tier::Fast, jit::Tier::Full}) {
      std::string d = Differential(loaded, ps, {}, tier);
      ASSERT_EQ(d, "") << where << " (" << (tier == jit::Tier::Fast ? "fast" : "full") << " tier)\n"
                       << pair.program;
    }
    // The per-type walks against the plain walk (both executors, Fast tier).
    ASSERT_EQ(TypeIndexDifferential(loaded, ps, jit::Tier::Fast), "") << where << "\n"
                                                                      << pair.program;
    if (!pair.names.empty()) {
      const std::string& name = pair.names[index % pair.names.size()];
      ASSERT_EQ(Differential(loaded, ps, {name}, jit::Tier::Fast), "") << where << ": " << name;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, JitProperty, testing::Range(0, 10));

}  // namespace
}  // namespace aud::jittest
