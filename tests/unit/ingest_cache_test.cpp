// IngestCached (runtime/ingest): a second run reads the cache (same store,
// statistics and files); changed sources, changed options and a corrupted
// cache file are detected and the cache is rebuilt; --strict holds for
// cached bad lines too.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/ingest/ingest.h"

namespace aud::ingest {
namespace {

namespace fs = std::filesystem;

void Write(const std::string& path, const std::string& bytes, bool append = false) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string Line(int i) {
  return R"({"type":"track","event":"Order Completed","userId":"u)" + std::to_string(i % 13) +
         R"(","anonymousId":"a)" + std::to_string(i % 29) +
         R"(","timestamp":"2026-01-01T00:00:00Z","properties":{"revenue":)" + std::to_string(i) +
         "}}\n";
}

class IngestCache : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud_ingest_cache_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.project_dir = dir_;
    options_.globs = {"data/*.jsonl"};
    options_.quarantine_dir = dir_ + "/.aud/quarantine";
    cache_ = dir_ + "/.aud/cache/events.store";
    std::string text;
    for (int i = 0; i < 500; ++i) text += Line(i);
    text += "{broken\n";
    Write(dir_ + "/data/a.jsonl", text);
    Write(dir_ + "/data/b.jsonl", Line(1000));
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result Cached(CacheStatus* st) { return IngestCached(options_, cache_, st); }

  std::string dir_, cache_;
  Options options_;
};

void ExpectSame(const Result& a, const Result& b) {
  EXPECT_TRUE(a.store == b.store);
  EXPECT_EQ(a.files, b.files);
  EXPECT_EQ(a.stats.lines, b.stats.lines);
  EXPECT_EQ(a.stats.events, b.stats.events);
  EXPECT_EQ(a.stats.bad, b.stats.bad);
  EXPECT_EQ(a.stats.event_types, b.stats.event_types);
  EXPECT_EQ(a.stats.bytes, b.stats.bytes);
}

TEST_F(IngestCache, SecondRunReadsTheCache) {
  CacheStatus st;
  Result cold = Cached(&st);
  EXPECT_FALSE(st.hit);
  EXPECT_EQ(st.reason, "missing");
  EXPECT_TRUE(st.save_error.empty()) << st.save_error;
  EXPECT_EQ(cold.stats.events, 501u);
  EXPECT_EQ(cold.stats.bad.at("invalid-json"), 1u);
  Result warm = Cached(&st);
  EXPECT_TRUE(st.hit);
  EXPECT_EQ(st.reason, "");
  ExpectSame(cold, warm);
  // Same as an uncached ingest.
  ExpectSame(Ingest(options_), warm);
}

TEST_F(IngestCache, ChangedSourcesRebuild) {
  CacheStatus st;
  Cached(&st);
  Write(dir_ + "/data/b.jsonl", Line(1001), /*append=*/true);
  Result r = Cached(&st);
  EXPECT_FALSE(st.hit);
  EXPECT_EQ(st.reason, "stale");
  EXPECT_EQ(r.stats.events, 502u);
  Cached(&st);
  EXPECT_TRUE(st.hit);
  // A new file matching the glob.
  Write(dir_ + "/data/c.jsonl", Line(7));
  r = Cached(&st);
  EXPECT_EQ(st.reason, "stale");
  EXPECT_EQ(r.files.size(), 3u);
  // A removed file.
  fs::remove(dir_ + "/data/c.jsonl");
  r = Cached(&st);
  EXPECT_EQ(st.reason, "stale");
  EXPECT_EQ(r.files.size(), 2u);
  // Other ingest options.
  options_.max_line_bytes = 100;
  r = Cached(&st);
  EXPECT_EQ(st.reason, "stale");
  EXPECT_EQ(r.stats.bad.at("line-too-long"), 502u);
}

TEST_F(IngestCache, CorruptedCacheIsRebuilt) {
  CacheStatus st;
  Result cold = Cached(&st);
  std::string bytes;
  {
    std::ifstream in(cache_, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  bytes[bytes.size() / 2] ^= 1;
  Write(cache_, bytes);
  Result r = Cached(&st);
  EXPECT_FALSE(st.hit);
  EXPECT_EQ(st.reason, "corrupt");
  ExpectSame(cold, r);
  Cached(&st);
  EXPECT_TRUE(st.hit);
  // Truncated.
  fs::resize_file(cache_, 100);
  r = Cached(&st);
  EXPECT_EQ(st.reason, "truncated");
  ExpectSame(cold, r);
  Cached(&st);
  EXPECT_TRUE(st.hit);
}

TEST_F(IngestCache, OlderFormatIsRefusedAsVersionAndRebuilt) {
  // A cache file of format 3 (the layout before the lean one): same header,
  // older version number. It is never parsed: refused as `version`, then
  // rebuilt in the current format.
  CacheStatus st;
  Result cold = Cached(&st);
  std::string bytes;
  {
    std::ifstream in(cache_, std::ios::binary);
    bytes.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  ASSERT_GT(bytes.size(), 48u);
  const uint32_t v3 = 3;
  std::memcpy(&bytes[12], &v3, 4);
  Write(cache_, bytes);
  Result r = Cached(&st);
  EXPECT_FALSE(st.hit);
  EXPECT_EQ(st.reason, "version");
  ExpectSame(cold, r);
  Result warm = Cached(&st);
  EXPECT_TRUE(st.hit);
  ExpectSame(cold, warm);
  // The warm store reads the same values as the one just built (its
  // columns come from the mapping).
  ASSERT_EQ(warm.store.types.size(), cold.store.types.size());
  for (size_t t = 0; t < cold.store.types.size(); ++t) {
    ASSERT_EQ(warm.store.types[t].columns.size(), cold.store.types[t].columns.size());
    for (size_t c = 0; c < cold.store.types[t].columns.size(); ++c) {
      const store::Column& a = cold.store.types[t].columns[c];
      const store::Column& b = warm.store.types[t].columns[c];
      EXPECT_TRUE(a.ints == b.ints && a.floats == b.floats && a.codes == b.codes &&
                  a.valid == b.valid);
    }
  }
}

TEST_F(IngestCache, StrictAppliesToCachedBadLines) {
  CacheStatus st;
  Cached(&st);
  options_.strict = true;
  Result r = Cached(&st);
  EXPECT_TRUE(st.hit);
  EXPECT_EQ(r.error,
            "1 bad input line with --strict: invalid-json 1 (the lines are in `.aud/quarantine`); "
            "fix or remove them, or run without --strict to skip them");
}

TEST_F(IngestCache, UnwritableCacheStillIngests) {
  Write(dir_ + "/blocker", "x");
  CacheStatus st;
  Result r = IngestCached(options_, dir_ + "/blocker/events.store", &st);
  EXPECT_TRUE(r.error.empty());
  EXPECT_EQ(r.stats.events, 501u);
  EXPECT_FALSE(st.save_error.empty());
}

}  // namespace
}  // namespace aud::ingest
