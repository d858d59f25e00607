#pragma once
// Synthetic Segment-spec event data (`aud gen-events`): deterministic for a
// seed (own PRNG, no std distributions), realistic enough for tests and
// benchmarks: Zipf-distributed activity, e-commerce funnels with timing,
// identify calls with traits, anonymous -> identified journeys, aliases,
// duplicate messageIds and, on request, bad lines of nine kinds.

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

namespace aud::gen {

// What to generate.
struct GenOptions {
  uint64_t profiles = 1000;
  uint64_t events = 10000;  // lines written in total (bad lines and duplicates included)
  uint64_t seed = 1;
  double bad_fraction = 0.0;  // share of bad lines, 0..1
  // Length of the over-long bad lines: must exceed the ingest limit
  // (ingest::Options::max_line_bytes, 1 MiB by default) to be counted as such.
  uint64_t long_line_bytes = (1u << 20) + 1024;
};

// What was written, in the categories ingest reports (ingest::Stats).
struct GenStats {
  uint64_t lines = 0;
  uint64_t events = 0;  // track/page/screen
  uint64_t identifies = 0;
  uint64_t aliases = 0;
  uint64_t duplicates = 0;              // exact repeats of an earlier line (same messageId)
  std::map<std::string, uint64_t> bad;  // ingest's reason name -> lines
  uint64_t Bad() const;
};

// Writes `options.events` JSON lines to `out`, timestamps over the 180 days
// before 2026-11-01T00:00:00Z, in time order (bad lines interleaved).
GenStats GenerateEvents(const GenOptions& options, std::ostream& out);

}  // namespace aud::gen
