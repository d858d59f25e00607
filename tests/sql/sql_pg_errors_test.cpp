// Bad input and failures of the `postgres` engine: events without ids are
// quarantined (counted) and the engine still equals the JIT; a server that
// cannot be reached, a role that may not create the layout's tables and a
// connection killed in the middle of work are clear errors naming the
// engine, the step (the table being loaded) and the DSN's variable, never
// the DSN or its password; `aud eval --engine postgres` reads
// `[engine.postgres] dsn` and refuses when it or its variable is missing.

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "runtime/sql_engine/pg_engine.h"
#include "tests/sql/sql_diff.h"

namespace aud::sqltest {
namespace {

const char* kProgram =
    "event buy \"Buy\" { amount: float }\n"
    "trait email: string\n"
    "identity user_id: declared from userId\n"
    "identity email: declared from trait email normalize email\n"
    "segment buyers = count(buy) >= 1\n"
    "audience spenders { members buyers attributes { total = sum(buy.amount) } }\n";

std::string Events(int n) {
  std::string out;
  for (int i = 0; i < n; ++i)
    out += "{\"type\":\"track\",\"event\":\"Buy\",\"userId\":\"u" + std::to_string(i % 50) +
           "\",\"timestamp\":\"2026-02-01T00:00:00Z\",\"properties\":{\"amount\":" +
           std::to_string(i) + ".5}}\n";
  return out;
}

struct Project {
  jittest::Loaded loaded;
  store::Profiles ps;
};

void LoadProject(const std::string& events, Project* s) {
  std::string error;
  evaltest::Files files{
      {"main.aud", kProgram}, {"events.jsonl", events}, {"aud.toml", evaltest::kDefaultToml}};
  ASSERT_TRUE(jittest::Load(files, &s->loaded, &error)) << error;
  int64_t as_of = 0;
  ASSERT_TRUE(jittest::ParseAsOf("2026-03-01", &as_of));
  s->ps = store::BuildProfiles(s->loaded.ingested.store, as_of);
}

eval::Result RunEngine(const Project& s, const std::string& dsn) {
  eval::Options eo;
  eo.project_dir = s.loaded.dir;
  sql_engine::EngineOptions en;
  en.dsn = dsn;
  en.dsn_var = "SHOP_ENGINE_DSN";
  auto ev = sql_engine::MakePostgres(s.loaded.program, s.loaded.ingested.store, eo, en);
  return ev->Run(s.ps);
}

TEST(SqlPgErrors, EventsWithoutIdsAreQuarantinedAndCounted) {
  std::string error;
  const std::string dsn = ServerDsn(&error);
  ASSERT_NE(dsn, "") << error;
  Project s;
  LoadProject(Events(10) +
                  "{\"type\":\"track\",\"event\":\"Buy\",\"userId\":null,\"anonymousId\":null,"
                  "\"timestamp\":\"2026-02-01T00:00:00Z\"}\n"
                  "{\"type\":\"track\",\"event\":\"Buy\",\"userId\":\"\","
                  "\"timestamp\":\"2026-02-01T00:00:00Z\"}\n",
              &s);
  EXPECT_EQ(s.loaded.ingested.stats.Bad(), 2u);
  EXPECT_EQ(PgDifferential(s.loaded, s.ps, {}, dsn), "");
}

TEST(SqlPgErrors, UnreachableServerNamesTheVariableNotTheDsn) {
  Project s;
  LoadProject(Events(5), &s);
  const std::string dsn =
      "host=127.0.0.1 port=1 user=aud_admin password=s3cret-pw dbname=postgres connect_timeout=2";
  eval::Result r = RunEngine(s, dsn);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("engine `postgres`"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("SHOP_ENGINE_DSN"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("cannot connect"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("s3cret-pw"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("port=1"), std::string::npos) << r.error;
}

TEST(SqlPgErrors, RoleWithoutTempTablesIsRefusedNamingTheStep) {
  std::string error;
  ASSERT_NE(ServerDsn(&error), "") << error;
  testing::PgServer* server = TheServer();
  ASSERT_TRUE(server->CreateDatabase("notemp", &error)) << error;
  ASSERT_TRUE(server->Exec("REVOKE TEMPORARY ON DATABASE notemp FROM PUBLIC", &error)) << error;
  ASSERT_TRUE(server->CreateRole("engine_notemp", "pw-notemp-123", &error)) << error;
  Project s;
  LoadProject(Events(5), &s);
  eval::Result r = RunEngine(s, server->Dsn("engine_notemp", "pw-notemp-123", "notemp"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("creating the tables failed"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("temporary"), std::string::npos) << r.error;
  EXPECT_EQ(r.error.find("pw-notemp-123"), std::string::npos) << r.error;
}

TEST(SqlPgErrors, LostConnectionIsAnErrorNamingTheStep) {
  std::string error;
  ASSERT_NE(ServerDsn(&error), "") << error;
  testing::PgServer* server = TheServer();
  ASSERT_TRUE(server->CreateRole("engine_lost", "pw-lost-123", &error)) << error;
  ASSERT_TRUE(server->Exec("GRANT TEMPORARY ON DATABASE postgres TO engine_lost", &error)) << error;
  Project s;
  LoadProject(Events(20000), &s);
  // Every backend of the engine's role is terminated as soon as it appears.
  std::atomic<bool> stop{false};
  std::thread killer([&] {
    while (!stop) {
      server->Exec(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'engine_lost'");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  eval::Result r = RunEngine(s, server->Dsn("engine_lost", "pw-lost-123"));
  stop = true;
  killer.join();
  std::printf("reported: %s\n", r.error.c_str());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error.find("engine `postgres`"), std::string::npos) << r.error;
  const bool lost = r.error.find("connection was lost while") != std::string::npos;
  const bool refused = r.error.find("cannot connect") != std::string::npos;
  EXPECT_TRUE(lost || refused) << r.error;
  EXPECT_EQ(r.error.find("pw-lost-123"), std::string::npos) << r.error;
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

TEST(SqlPgErrors, EvalEnginePostgresFromAudToml) {
  std::string error;
  const std::string dsn = ServerDsn(&error);
  ASSERT_NE(dsn, "") << error;
  Project s;
  LoadProject(Events(6), &s);
  const std::string dir = s.loaded.dir;
  int st = 0;
  // No [engine.postgres]: refused, naming the setting.
  std::string out = RunAud(dir, "eval spenders --as-of 2026-03-01 --engine postgres", "", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("[engine.postgres]"), std::string::npos) << out;
  std::string toml = std::string(evaltest::kDefaultToml) +
                     "\n[engine.postgres]\ndsn = { env = \"SHOP_ENGINE_DSN\" }\n";
  evaltest::WriteFiles(dir, {{"aud.toml", toml}});
  out = RunAud(dir, "eval spenders --as-of 2026-03-01 --engine postgres", "SHOP_ENGINE_DSN=", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("`SHOP_ENGINE_DSN`"), std::string::npos) << out;
  // Set: the same output as the JIT, and the DSN nowhere.
  std::string want = RunAud(dir, "eval spenders --as-of 2026-03-01 --format jsonl", "", &st);
  ASSERT_EQ(st, 0) << want;
  out = RunAud(dir, "eval spenders --as-of 2026-03-01 --format jsonl --engine postgres",
               "SHOP_ENGINE_DSN='" + dsn + "'", &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(out, want);
  EXPECT_EQ(out.find(TheServer()->admin_password()), std::string::npos);
  // A server that is gone: exit 1 with the variable's name, not the DSN.
  out = RunAud(dir, "eval spenders --as-of 2026-03-01 --engine postgres",
               "SHOP_ENGINE_DSN='host=127.0.0.1 port=1 password=zz-secret connect_timeout=2'", &st);
  EXPECT_NE(st, 0);
  EXPECT_NE(out.find("SHOP_ENGINE_DSN"), std::string::npos) << out;
  EXPECT_EQ(out.find("zz-secret"), std::string::npos) << out;
}

}  // namespace
}  // namespace aud::sqltest
