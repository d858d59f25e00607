// Acceptance (issue 3, item 4): a generated file with 5% malformed lines of
// nine kinds is ingested with accepted + quarantined = total lines, every
// reason's count exactly what the generator wrote, one quarantine entry per
// bad line, and no crash.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/gen/gen_events.h"
#include "runtime/ingest/ingest.h"
#include "runtime/store/profiles.h"

namespace aud::gen {
namespace {

namespace fs = std::filesystem;

TEST(GenIngest, FivePercentBadLinesOfNineKinds) {
  std::string tmpl = (fs::temp_directory_path() / "aud_gen_ingest_XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  std::string dir = tmpl;
  GenOptions o;
  o.profiles = 400;
  o.events = 40000;
  o.seed = 2026;
  o.bad_fraction = 0.05;
  o.long_line_bytes = 6000;
  GenStats gs;
  {
    std::ofstream out(dir + "/events.jsonl", std::ios::binary);
    gs = GenerateEvents(o, out);
  }
  ASSERT_EQ(gs.lines, 40000u);
  ASSERT_EQ(gs.Bad(), 2000u);
  ASSERT_GE(gs.bad.size(), 8u);

  ingest::Options io;
  io.project_dir = dir;
  io.globs = {"*.jsonl"};
  io.quarantine_dir = dir + "/quarantine";
  io.max_line_bytes = 4096;
  ingest::Result r = ingest::Ingest(io);
  ASSERT_TRUE(r.error.empty()) << r.error;
  const ingest::Stats& s = r.stats;
  EXPECT_EQ(s.lines, 40000u);
  EXPECT_EQ(s.blank_lines, 0u);
  EXPECT_EQ(s.events + s.identifies + s.aliases + s.duplicates + s.Bad(), s.lines);
  EXPECT_EQ(s.bad, gs.bad);
  EXPECT_EQ(s.events, gs.events);
  EXPECT_EQ(s.identifies, gs.identifies);
  EXPECT_EQ(s.aliases, gs.aliases);
  EXPECT_EQ(s.duplicates, gs.duplicates);
  // One quarantine entry per bad line.
  std::ifstream q(dir + "/quarantine/events.jsonl.jsonl");
  std::string line;
  uint64_t entries = 0;
  while (std::getline(q, line)) ++entries;
  EXPECT_EQ(entries, gs.Bad());
  // Profiles: everyone with at least one line, keys in order.
  store::Profiles p = store::BuildProfiles(r.store, 1793491200000LL);
  EXPECT_GT(p.count, 300u);
  EXPECT_LE(p.count, 400u);
  for (uint32_t i = 1; i < p.count; ++i) EXPECT_LE(p.key[i - 1], p.key[i]);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace aud::gen
