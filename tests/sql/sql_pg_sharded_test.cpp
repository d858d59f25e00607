// The sharded `postgres` engine (docs/scale.md) with three real PostgreSQL 15
// servers started by the test: one coordinator and two shards. Every
// tests/eval case and random (program, data) pairs from the eval property
// generator must give the JIT's members, attributes (bit for bit), imported-
// list counts and identities; EXPLAIN (VERBOSE) on the coordinator shows that
// the per-profile work runs on the shards; placement is stable and both
// shards get profiles. AUD_SHARDED_PAIRS (default 60) sets the number of
// random pairs; the run prints how many and how long they took.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "runtime/sql_engine/shard_engine.h"
#include "tests/eval/generator.h"
#include "tests/sql/sql_diff.h"

namespace aud::sqltest {
namespace {

// The two shard servers (the coordinator is sql_diff's server), started once.
std::vector<std::unique_ptr<testing::PgServer>>& ShardServers() {
  static std::vector<std::unique_ptr<testing::PgServer>> s;
  return s;
}

// Coordinator and shard DSNs; false with `error` when a server cannot start.
bool Cluster(std::string* coordinator, std::vector<std::string>* shards, std::string* error) {
  *coordinator = ServerDsn(error);
  if (coordinator->empty()) return false;
  auto& s = ShardServers();
  if (s.empty()) {
    for (int k = 0; k < 2; ++k) {
      auto server = testing::PgServer::Start(error);
      if (!server) return false;
      s.push_back(std::move(server));
    }
    std::atexit([] { ShardServers().clear(); });
  }
  shards->clear();
  for (const auto& server : s) shards->push_back(server->Dsn());
  return true;
}

std::string CasesDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/cases"; }

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string base = info.param.substr(info.param.find_last_of('/') + 1);
  base = base.substr(0, base.size() - 4);  // .aud
  for (char& c : base)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return base;
}

class ShardedCase : public ::testing::TestWithParam<std::string> {};

TEST_P(ShardedCase, MatchesJit) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  evaltest::Case c = evaltest::ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << c.path << ": " << error;
  bool all_done = false;
  for (const evaltest::EvalSpec& e : c.evals) {
    int64_t as_of = 0;
    ASSERT_TRUE(jittest::ParseAsOf(e.as_of, &as_of)) << e.as_of;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    EXPECT_EQ(ShardedDifferential(loaded, ps, {e.name}, coordinator, shards), "")
        << c.path << ":" << e.line << ": " << e.name;
    if (!all_done) {
      EXPECT_EQ(ShardedDifferential(loaded, ps, {}, coordinator, shards), "")
          << c.path << ": every formula at " << e.as_of;
    }
    all_done = true;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ShardedCase, ::testing::ValuesIn(evaltest::CaseFiles(CasesDir())),
                         TestName);

uint64_t Pairs() {
  const char* env = std::getenv("AUD_SHARDED_PAIRS");
  return env && *env ? std::strtoull(env, nullptr, 10) : 60;
}

TEST(Sharded, RandomPairsMatchJit) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  const uint64_t n = Pairs();
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t index = 0; index < n; ++index) {
    evaltest::GeneratedPair pair = evaltest::Generate(evaltest::PairSeed(7, index));
    std::string where = "pair seed " + std::to_string(pair.seed);
    evaltest::Files files{{"main.aud", pair.program},
                          {"events.jsonl", pair.events},
                          {"aud.toml", evaltest::kDefaultToml}};
    jittest::Loaded loaded;
    ASSERT_TRUE(jittest::Load(files, &loaded, &error)) << where << ": " << error;
    int64_t as_of = 0;
    ASSERT_TRUE(jittest::ParseAsOf(pair.as_of, &as_of)) << where;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    ASSERT_EQ(ShardedDifferential(loaded, ps, {}, coordinator, shards), "") << where << "\n"
                                                                            << pair.program;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("sharded-property: %llu pairs in %.1f s\n", static_cast<unsigned long long>(n), s);
}

// The per-profile work (windows, aggregates over events) runs on the shards:
// the coordinator's plan is an Append of async foreign scans of the shards'
// `aud_members` views, with no local scan of events, aggregate or window.
TEST(Sharded, ExplainShowsRemoteWork) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  evaltest::Case c = evaltest::ReadCase(CasesDir() + "/count_within_boundaries.aud");
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << error;
  int64_t as_of = 0;
  ASSERT_TRUE(jittest::ParseAsOf(c.evals.at(0).as_of, &as_of));
  store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
  std::string plan;
  ASSERT_EQ(ShardedDifferential(loaded, ps, {}, coordinator, shards, &plan), "");
  std::printf("coordinator plan:\n%s", plan.c_str());
  // Two async foreign scans, one per shard, over the shards' view.
  size_t scans = 0;
  for (size_t at = 0; (at = plan.find("Async Foreign Scan", at)) != std::string::npos; ++at)
    ++scans;
  EXPECT_EQ(scans, 2u) << plan;
  EXPECT_NE(plan.find("Remote SQL: SELECT"), std::string::npos) << plan;
  EXPECT_NE(plan.find(".aud_members"), std::string::npos) << plan;
  for (const char* local : {"WindowAgg", "Aggregate", "aud_events", "Seq Scan", "Sort"})
    EXPECT_EQ(plan.find(local), std::string::npos) << local << " in\n" << plan;
}

// Nothing a run creates outlives it: no per-run schema on any server, no
// foreign server on the coordinator.
TEST(Sharded, RunsLeaveNothingBehind) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  evaltest::Case c = evaltest::ReadCase(CasesDir() + "/identities_audience_listed.aud");
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << error;
  int64_t as_of = 0;
  ASSERT_TRUE(jittest::ParseAsOf(c.evals.at(0).as_of, &as_of));
  store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
  ASSERT_EQ(ShardedDifferential(loaded, ps, {}, coordinator, shards), "");
  std::vector<testing::PgServer*> all = {TheServer()};
  for (const auto& s : ShardServers()) all.push_back(s.get());
  for (testing::PgServer* s : all) {
    auto rows =
        s->Query("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'aud_run_%'", &error);
    ASSERT_EQ(rows.size(), 1u) << error;
    EXPECT_EQ(rows[0][0], "0");
  }
  auto servers = TheServer()->Query("SELECT count(*) FROM pg_foreign_server", &error);
  ASSERT_EQ(servers.size(), 1u) << error;
  EXPECT_EQ(servers[0][0], "0");
}

std::string RunAud(const std::string& dir, const std::string& args, const std::string& env,
                   int* status) {
  const std::string cmd =
      env + " '" + std::string(AUD_BINARY) + "' -C '" + dir + "' " + args + " 2>&1";
  FILE* f = ::popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  *status = ::pclose(f);
  return out;
}

// `aud eval --engine postgres-sharded` reads `[engine.postgres] dsn` (the
// coordinator) and `shards`; refuses when either or a variable is missing,
// prints the JIT's output, and never a DSN.
TEST(Sharded, EvalEngineFromAudToml) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  evaltest::Case c = evaltest::ReadCase(CasesDir() + "/identities_audience_listed.aud");
  ASSERT_EQ(c.error, "") << c.path;
  jittest::Loaded loaded;
  ASSERT_TRUE(jittest::Load(c.files, &loaded, &error)) << error;
  const std::string dir = loaded.dir;
  const evaltest::EvalSpec& e = c.evals.at(0);
  const std::string args = "eval " + e.name + " --as-of " + e.as_of + " --format jsonl";
  std::stringstream base;
  base << std::ifstream(dir + "/aud.toml").rdbuf();
  int st = 0;
  const std::string want = RunAud(dir, args, "", &st);
  ASSERT_EQ(st, 0) << want;
  const std::string env =
      "C_DSN='" + coordinator + "' S1_DSN='" + shards[0] + "' S2_DSN='" + shards[1] + "'";
  // Only a coordinator: refused, naming the setting.
  evaltest::WriteFiles(
      dir, {{"aud.toml", base.str() + "\n[engine.postgres]\ndsn = { env = \"C_DSN\" }\n"}});
  std::string out = RunAud(dir, args + " --engine postgres-sharded", env, &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("`[engine.postgres] shards"), std::string::npos) << out;
  evaltest::WriteFiles(
      dir, {{"aud.toml", base.str() +
                             "\n[engine.postgres]\ndsn = { env = \"C_DSN\" }\nshards = [{ env = "
                             "\"S1_DSN\" }, { env = \"S2_DSN\" }]\n"}});
  // A shard variable unset: refused, naming it.
  out = RunAud(dir, args + " --engine postgres-sharded",
               "C_DSN='" + coordinator + "' S1_DSN='" + shards[0] + "'", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("`S2_DSN`"), std::string::npos) << out;
  // Everything set: the JIT's output, no password.
  out = RunAud(dir, args + " --engine postgres-sharded", env, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(out, want);
  for (const auto& s : ShardServers()) EXPECT_EQ(out.find(s->admin_password()), std::string::npos);
  // A shard that cannot be reached: exit 1 naming the shard's variable, never its DSN.
  out = RunAud(dir, args + " --engine postgres-sharded",
               "C_DSN='" + coordinator + "' S1_DSN='" + shards[0] +
                   "' S2_DSN='host=127.0.0.1 port=1 password=zz-secret connect_timeout=2'",
               &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("shard 2 (DSN in `S2_DSN`)"), std::string::npos) << out;
  EXPECT_EQ(out.find("zz-secret"), std::string::npos) << out;
}

// A link that merges two profiles placed on different shards: before it, each
// half sits on its shard and neither qualifies; after it, the merged profile
// is placed by its new key and all its events are evaluated together on one
// shard (every run places and loads afresh), as the JIT evaluates it.
TEST(Sharded, MergeAcrossShards) {
  std::string error, coordinator;
  std::vector<std::string> shards;
  ASSERT_TRUE(Cluster(&coordinator, &shards, &error)) << error;
  std::string user, anon;
  for (int i = 0; user.empty() || anon.empty(); ++i) {
    const std::string u = "u" + std::to_string(i), a = "anon-" + std::to_string(i);
    if (user.empty() && sql_engine::ShardOf(u, 2) == 0) user = u;
    if (anon.empty() && sql_engine::ShardOf(a, 2) == 1) anon = a;
  }
  const std::string program =
      "event ping \"Ping\" { n: int }\n"
      "identity user_id: declared from userId\n"
      "segment twice = count(ping) >= 2\n"
      "segment total_three = sum(ping.n) == 3\n";
  const std::string events =
      "{\"type\":\"track\",\"event\":\"Ping\",\"userId\":\"" + user +
      "\",\"timestamp\":\"2026-02-01T00:00:00Z\",\"properties\":{\"n\":1}}\n"
      "{\"type\":\"track\",\"event\":\"Ping\",\"anonymousId\":\"" +
      anon + "\",\"timestamp\":\"2026-02-02T00:00:00Z\",\"properties\":{\"n\":2}}\n";
  const std::string link = "{\"type\":\"identify\",\"userId\":\"" + user + "\",\"anonymousId\":\"" +
                           anon + "\",\"timestamp\":\"2026-02-03T00:00:00Z\",\"traits\":{}}\n";
  int64_t as_of = 0;
  ASSERT_TRUE(jittest::ParseAsOf("2026-03-01T00:00:00Z", &as_of));
  for (bool linked : {false, true}) {
    evaltest::Files files{{"main.aud", program},
                          {"events.jsonl", events + (linked ? link : "")},
                          {"aud.toml", evaltest::kDefaultToml}};
    jittest::Loaded loaded;
    ASSERT_TRUE(jittest::Load(files, &loaded, &error)) << error;
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    ASSERT_EQ(ps.count, linked ? 1u : 2u);
    if (!linked) {
      EXPECT_NE(sql_engine::ShardOf(ps.key[0], 2), sql_engine::ShardOf(ps.key[1], 2));
    }
    EXPECT_EQ(ShardedDifferential(loaded, ps, {}, coordinator, shards), "")
        << (linked ? "linked" : "unlinked");
    // The JIT (checked equal above) finds the merged profile only once linked.
    eval::Options eo;
    eo.project_dir = loaded.dir;
    eval::Interpreter in(loaded.program, loaded.ingested.store, eo);
    eval::Result r = in.Run(ps);
    ASSERT_TRUE(r.ok()) << r.error;
    EXPECT_EQ(r.members[static_cast<size_t>(loaded.program.FindFormula("twice"))].Count(),
              linked ? 1u : 0u);
  }
}

// Placement is a stable hash of the profile key, and two shards both get
// profiles of a realistic key set.
TEST(Sharded, PlacementIsStableAndSpreads) {
  std::vector<int> count(2);
  for (int i = 0; i < 1000; ++i) {
    const std::string key = "user-" + std::to_string(i);
    const uint32_t k = sql_engine::ShardOf(key, 2);
    EXPECT_EQ(k, sql_engine::ShardOf(key, 2));
    ASSERT_LT(k, 2u);
    ++count[k];
  }
  EXPECT_GT(count[0], 400);
  EXPECT_GT(count[1], 400);
  // FNV-1a 64 of "a" is 0xaf63dc4c8601ec8c: even, so shard 0 of 2; of 3: 0xaf63dc4c8601ec8c % 3.
  EXPECT_EQ(sql_engine::ShardOf("a", 2), 0u);
  EXPECT_EQ(sql_engine::ShardOf("a", 3), static_cast<uint32_t>(0xaf63dc4c8601ec8cull % 3));
}

}  // namespace
}  // namespace aud::sqltest
