// The on-disk object cache (JitOptions::cache_dir): a second compile of the
// same program is a hit (no compile), a corrupted or truncated cache file is
// detected and recompiled (and rewritten), tiers and programs get their own
// entries; and the engine choice returns the JIT when it works.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

namespace fs = std::filesystem;

struct Fixture {
  Loaded loaded;
  store::Profiles ps;
  eval::Options eo;
  std::string cache;
};

void LoadFixture(Fixture* f) {
  evaltest::Case c =
      evaltest::ReadCase(std::string(AUD_SOURCE_DIR) + "/tests/eval/cases/avg_values.aud");
  ASSERT_EQ(c.error, "");
  std::string error;
  ASSERT_TRUE(Load(c.files, &f->loaded, &error)) << error;
  int64_t as_of = 0;
  ASSERT_TRUE(ParseAsOf("2026-03-01", &as_of));
  f->ps = store::BuildProfiles(f->loaded.ingested.store, as_of);
  f->eo.project_dir = f->loaded.dir;
  f->cache = f->loaded.dir + "/.aud/cache/jit";
}

std::vector<fs::path> CacheFiles(const std::string& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Compiles with the cache and checks the result against the interpreter.
jit::CompileStats CompileAndCheck(const Fixture& f, jit::Tier tier,
                                  const std::vector<std::string>& only = {}) {
  eval::Options eo = f.eo;
  eo.only = only;
  jit::JitOptions jo;
  jo.tier = tier;
  jo.cache_dir = f.cache;
  jit::JitEvaluator j(f.loaded.program, f.loaded.ingested.store, eo, jo);
  EXPECT_EQ(j.error(), "");
  eval::Interpreter in(f.loaded.program, f.loaded.ingested.store, eo);
  EXPECT_EQ(CompareResults(f.loaded.program, in.Run(f.ps), j.Run(f.ps)), "");
  return j.stats();
}

TEST(JitCache, SecondCompileIsAHit) {
  Fixture f;
  LoadFixture(&f);
  jit::CompileStats first = CompileAndCheck(f, jit::Tier::Fast);
  EXPECT_FALSE(first.cache_hit);
  EXPECT_EQ(first.tier, jit::Tier::Fast);
  EXPECT_GT(first.object_bytes, 0u);
  auto files = CacheFiles(f.cache);
  ASSERT_EQ(files.size(), 1u);  // written atomically: no temp file left
  EXPECT_EQ(files[0].extension(), ".o");

  jit::CompileStats second = CompileAndCheck(f, jit::Tier::Fast);
  EXPECT_TRUE(second.cache_hit);
  EXPECT_EQ(second.compile_ms, 0);
  EXPECT_EQ(second.object_bytes, first.object_bytes);
  EXPECT_EQ(CacheFiles(f.cache).size(), 1u);
}

TEST(JitCache, TiersAndProgramsHaveTheirOwnEntries) {
  Fixture f;
  LoadFixture(&f);
  EXPECT_FALSE(CompileAndCheck(f, jit::Tier::Fast).cache_hit);
  EXPECT_FALSE(CompileAndCheck(f, jit::Tier::Full).cache_hit);
  EXPECT_FALSE(CompileAndCheck(f, jit::Tier::Fast, {"avg_at_least_2"}).cache_hit);
  EXPECT_EQ(CacheFiles(f.cache).size(), 3u);
  EXPECT_TRUE(CompileAndCheck(f, jit::Tier::Full).cache_hit);
  EXPECT_TRUE(CompileAndCheck(f, jit::Tier::Fast, {"avg_at_least_2"}).cache_hit);
}

void Corrupt(const fs::path& p, bool truncate) {
  std::string data;
  {
    std::ifstream in(p, std::ios::binary);
    data.assign(std::istreambuf_iterator<char>(in), {});
  }
  ASSERT_GT(data.size(), 100u);
  if (truncate)
    data.resize(data.size() / 2);
  else
    data[data.size() / 2] = static_cast<char>(data[data.size() / 2] ^ 0x5a);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

TEST(JitCache, CorruptedFileIsRecompiled) {
  for (bool truncate : {false, true}) {
    Fixture f;
    LoadFixture(&f);
    CompileAndCheck(f, jit::Tier::Fast);
    auto files = CacheFiles(f.cache);
    ASSERT_EQ(files.size(), 1u);
    Corrupt(files[0], truncate);
    jit::CompileStats again = CompileAndCheck(f, jit::Tier::Fast);
    EXPECT_FALSE(again.cache_hit) << (truncate ? "truncated" : "flipped byte");
    // The recompiled object replaced the bad file.
    EXPECT_TRUE(CompileAndCheck(f, jit::Tier::Fast).cache_hit);
  }
}

TEST(JitCache, UnwritableCacheStillEvaluates) {
  Fixture f;
  LoadFixture(&f);
  // The cache path is a file: nothing can be written under it.
  fs::create_directories(fs::path(f.cache).parent_path());
  std::ofstream(f.cache) << "not a directory";
  EXPECT_FALSE(CompileAndCheck(f, jit::Tier::Fast).cache_hit);
  EXPECT_FALSE(CompileAndCheck(f, jit::Tier::Fast).cache_hit);
}

TEST(JitEngine, JitIsChosenWhenItWorks) {
  Fixture f;
  LoadFixture(&f);
  std::string notice;
  auto e = jit::MakeEvaluator("jit", f.loaded.program, f.loaded.ingested.store, f.eo, {}, &notice);
  EXPECT_EQ(notice, "");
  EXPECT_NE(dynamic_cast<jit::JitEvaluator*>(e.get()), nullptr);
  auto i =
      jit::MakeEvaluator("interp", f.loaded.program, f.loaded.ingested.store, f.eo, {}, &notice);
  EXPECT_EQ(notice, "");
  EXPECT_NE(dynamic_cast<eval::Interpreter*>(i.get()), nullptr);
  EXPECT_EQ(CompareResults(f.loaded.program, i->Run(f.ps), e->Run(f.ps)), "");
}

TEST(JitEngine, AutoTierFollowsStoreSize) {
  Fixture f;
  LoadFixture(&f);
  jit::JitOptions jo;
  jo.full_tier_events = 1000;
  EXPECT_EQ(jit::JitEvaluator(f.loaded.program, f.loaded.ingested.store, f.eo, jo).stats().tier,
            jit::Tier::Fast);
  jo.full_tier_events = 0;
  EXPECT_EQ(jit::JitEvaluator(f.loaded.program, f.loaded.ingested.store, f.eo, jo).stats().tier,
            jit::Tier::Full);
}

TEST(JitEngine, BindErrorsAreTheInterpreters) {
  Fixture f;
  LoadFixture(&f);
  eval::Options eo = f.eo;
  eo.only = {"no_such_segment"};
  std::string notice;
  auto e = jit::MakeEvaluator("jit", f.loaded.program, f.loaded.ingested.store, eo, {}, &notice);
  eval::Interpreter in(f.loaded.program, f.loaded.ingested.store, eo);
  EXPECT_EQ(notice, "");
  EXPECT_EQ(e->error(), in.error());
  EXPECT_FALSE(e->Run(f.ps).ok());
}

}  // namespace
}  // namespace aud::jittest
