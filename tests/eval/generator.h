#pragma once
// Deterministic random (program, data) pairs for the property-based eval
// test: a fixed event/trait/identity schema, random segments and audiences
// over it (aggregates with random where/windows, sequences with both `not`
// forms, comparisons, missing-prone properties and traits, attributes), and
// random Segment-spec events around as_of with deliberate timestamp ties,
// window-boundary hits, missing, null and wrong-typed values, and id links.

#include <cstdint>
#include <string>
#include <vector>

namespace aud::evaltest {

// One generated pair.
struct GeneratedPair {
  uint64_t seed = 0;
  std::string program;             // main.aud
  std::string events;              // events.jsonl
  std::string as_of;               // RFC 3339
  std::vector<std::string> names;  // segments and audiences to evaluate
};

// The pair for `seed`; the same seed always gives the same pair.
GeneratedPair Generate(uint64_t seed);

// The seed of pair `index` of a run started with `run_seed`.
uint64_t PairSeed(uint64_t run_seed, uint64_t index);

}  // namespace aud::evaltest
