// PostgreSQL state beyond the shared suite (docs/teams.md): two checkouts
// sharing one state (acceptance 2), permissions enforced by PostgreSQL
// (acceptance 4), `--lock-timeout` on both backends, the errors of a bad
// database (unreachable, wrong password, newer schema, dropped table,
// statement timeout) and the DSN canary. Each test starts its own server;
// the suite's postgres mode (pg.*) skips them (they run once, here).

#include <libpq-fe.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "tests/plan/apply_harness_test.h"
#include "tests/support/pg_server.h"

namespace aud::applytest {
namespace {

using aud::testing::PgServer;

constexpr int kUsers = 40;  // 30 gold members

// The project's aud.toml for a PostgreSQL state: one file connection per
// folder of `dirs` (absolute, so two checkouts share the destination).
std::string PgToml(const std::vector<std::string>& dirs, const std::string& dsn_env) {
  std::string t =
      "[project]\nname = \"team_test\"\n\n[sources.web]\npath = \"data/events/*.jsonl\"\n"
      "format = \"segment\"\n\n[state]\nbackend = \"postgres\"\ndsn = { env = \"" +
      dsn_env + "\" }\n";
  for (size_t i = 0; i < dirs.size(); ++i)
    t += "\n[connections.files" + (i ? std::to_string(i + 1) : "") +
         "]\ntype = \"file\"\nformat = \"csv\"\ndir = \"" + dirs[i] + "\"\n";
  return t;
}

// kMain publishing to the file destination only (profile_store is local to
// a checkout), plus `extra` destinations.
std::string PgMain(bool second_destination) {
  std::string main = kMain;
  std::string publish = "publish gold to files_out";
  if (second_destination) {
    publish =
        "destination files2_out \"Second CSV\" {\n  connection files2\n  actions analytics\n"
        "  key user_id\n  map user_id -> \"customer_id\", points -> \"points\"\n}\n\n"
        "publish gold to files_out, files2_out";
  }
  main.replace(main.find("publish gold to files_out, profile_store"), 40, publish);
  return main;
}

// Members of a CSV export at `path`: key -> points (duplicates fail).
std::map<std::string, int64_t> CsvMembers(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  TempDir tmp("aud-csv");
  tmp.Write("exports/gold.csv", ss.str());
  return FileMembers(tmp);
}

class PgState : public ::testing::Test {
 protected:
  void SetUp() override {
    if (aud::testing::PostgresStateTests()) GTEST_SKIP() << "runs once, in the default mode";
    std::string error;
    pg_ = PgServer::Start(&error);
    ASSERT_TRUE(pg_) << error;
    ASSERT_TRUE(pg_->CreateDatabase("team", &error)) << error;
    dsn_ = pg_->Dsn("aud_admin", "", "team");
  }
  // State rows of the `team` database.
  std::vector<std::vector<std::string>> Q(const std::string& sql) {
    std::string error;
    auto rows = pg_->Query(sql, &error, "team");
    EXPECT_TRUE(error.empty()) << error << "\n" << sql;
    return rows;
  }
  std::map<std::string, std::string> Env(const std::string& dsn) {
    return {{"TEAM_STATE_DSN", dsn}};
  }
  // Current members recorded for gold -> `destination`, by key.
  std::set<std::string> StateKeys(const std::string& destination) {
    std::set<std::string> out;
    for (auto& r : Q("SELECT m.key FROM aud.members m JOIN aud.publications p ON p.id = "
                     "m.publication WHERE p.audience = 'gold' AND p.destination = '" +
                     destination + "' AND m.status <> 'exited'"))
      out.insert(r[0]);
    return out;
  }
  static std::set<std::string> Keys(const std::map<std::string, int64_t>& m) {
    std::set<std::string> out;
    for (const auto& [k, _] : m) out.insert(k);
    return out;
  }

  std::unique_ptr<PgServer> pg_;
  std::string dsn_;
};

// Acceptance 2: two checkouts of one project share the state.
TEST_F(PgState, TwoCheckoutsShareOneStateAndOneOfTwoConcurrentAppliesPublishes) {
  TempDir shared("aud-shared");
  const std::string exports = shared.path() + "/exports";
  TempDir a("aud-checkout-a"), b("aud-checkout-b");
  for (const TempDir* d : {&a, &b}) {
    d->Write("aud.toml", PgToml({exports}, "TEAM_STATE_DSN"));
    d->Write("main.aud", PgMain(false));
    d->Write("data/events/events.jsonl", Events(kUsers, 0));
  }
  RunResult ra = RunAud(a.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(dsn_));
  ASSERT_EQ(ra.exit_code, 0) << ra.out << ra.err;
  RunResult pb = RunAud(b.path(), {"plan", "--as-of", kAsOf, "--detailed-exitcode"}, Env(dsn_));
  EXPECT_EQ(pb.exit_code, 0) << pb.out << pb.err;
  EXPECT_NE(pb.out.find("No changes."), std::string::npos) << pb.out;

  // A data change, then both apply at once, each waiting for the other's lock.
  for (const TempDir* d : {&a, &b}) d->Write("data/events/events.jsonl", Events(kUsers, 1));
  const uint64_t serial_before = std::stoull(Q("SELECT serial FROM aud.meta")[0][0]);
  std::vector<std::string> args = {"apply",          "--as-of",        kAsOf,
                                   "--auto-approve", "--lock-timeout", "30s"};
  RunResult results[2];
  std::thread ta([&] { results[0] = RunAud(a.path(), args, Env(dsn_)); });
  std::thread tb([&] { results[1] = RunAud(b.path(), args, Env(dsn_)); });
  ta.join();
  tb.join();
  int published = 0, unchanged = 0;
  for (const auto& r : results) {
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    if (r.out.find("gold -> files_out (update)") != std::string::npos) ++published;
    if (r.out.find("No changes.") != std::string::npos) ++unchanged;
  }
  EXPECT_EQ(published, 1) << results[0].out << "\n----\n" << results[1].out;
  EXPECT_EQ(unchanged, 1) << results[0].out << "\n----\n" << results[1].out;
  const auto desired = Desired(kUsers, 1);
  EXPECT_EQ(CsvMembers(exports + "/gold.csv"), desired);  // no duplicate rows either
  EXPECT_EQ(StateKeys("files_out"), Keys(desired));
  EXPECT_GT(std::stoull(Q("SELECT serial FROM aud.meta")[0][0]), serial_before);
  EXPECT_TRUE(Q("SELECT id FROM aud.lock").empty());
  EXPECT_TRUE(Q("SELECT id FROM aud.journal WHERE status = 'pending'").empty());
}

// Acceptance 4: permissions enforced by PostgreSQL.
TEST_F(PgState, ViewOnlyRoleIsRefusedThenPublishesToItsConnectionOnly) {
  TempDir shared("aud-shared");
  const std::string e1 = shared.path() + "/exports1", e2 = shared.path() + "/exports2";
  TempDir admin("aud-admin"), analyst("aud-analyst");
  for (const TempDir* d : {&admin, &analyst}) {
    d->Write("aud.toml", PgToml({e1, e2}, "TEAM_STATE_DSN"));
    d->Write("main.aud", PgMain(true));
    d->Write("data/events/events.jsonl", Events(kUsers, 0));
  }
  std::string error;
  ASSERT_TRUE(pg_->CreateRole("analyst", "an4lyst-pw", &error)) << error;
  ASSERT_TRUE(pg_->Exec("GRANT CONNECT ON DATABASE team TO analyst", &error)) << error;
  const std::string analyst_dsn = pg_->Dsn("analyst", "an4lyst-pw", "team");

  RunResult r = RunAud(admin.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // Without any grant the analyst cannot even plan.
  r = RunAud(analyst.path(), {"plan", "--as-of", kAsOf}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("lacks the `view` capability"), std::string::npos) << r.err;
  // Nor read members or profiles.
  r = RunAud(analyst.path(), {"eval", "gold", "--as-of", kAsOf}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("lacks the `view` capability"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  r = RunAud(analyst.path(), {"profile", "show", "u00001"}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("lacks the `view` capability"), std::string::npos) << r.err;
  r = RunAud(admin.path(), {"access", "grant", "analyst", "view"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunAud(analyst.path(), {"eval", "gold", "--as-of", kAsOf}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // Only the administrator grants.
  r = RunAud(analyst.path(), {"access", "grant", "analyst", "publish"}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("only the administrator of the state (role `aud_admin`)"), std::string::npos)
      << r.err;

  // View only: the plan works, the apply is refused before anything is sent.
  for (const TempDir* d : {&admin, &analyst})
    d->Write("data/events/events.jsonl", Events(kUsers, 1));
  r = RunAud(analyst.path(), {"plan", "--as-of", kAsOf}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = RunAud(analyst.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("role `analyst` lacks the `publish` capability on connection `files`"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("aud access grant analyst publish files"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nothing was published"), std::string::npos) << r.err;
  EXPECT_EQ(CsvMembers(e1 + "/gold.csv"), Desired(kUsers, 0));
  EXPECT_EQ(CsvMembers(e2 + "/gold.csv"), Desired(kUsers, 0));

  // A client that skips aud's check: PostgreSQL refuses the row itself
  // (a view-only role has no INSERT privilege on the state tables).
  const std::string insert =
      "INSERT INTO aud.members (publication, key, payload_hash, visitor, status, entered_at, "
      "updated_at) SELECT id, 'forged', 'x', 0, 'realized', 0, 0 FROM aud.publications WHERE "
      "destination = 'files_out'";
  EXPECT_FALSE(PgServer::ExecAs(analyst_dsn, insert, &error));
  EXPECT_NE(error.find("permission denied for table members"), std::string::npos) << error;
  EXPECT_FALSE(PgServer::ExecAs(analyst_dsn, "UPDATE aud.meta SET serial = serial + 1", &error) &&
               Q("SELECT serial FROM aud.meta")[0][0] == "0");

  // Publish on `files`: that connection, not the other.
  r = RunAud(admin.path(), {"access", "grant", "analyst", "publish", "files"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunAud(admin.path(), {"access", "list", "--json"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["administrator"], "aud_admin");
  EXPECT_EQ(j["grants"].size(), 2u) << r.out;
  r = RunAud(analyst.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.err.find("lacks the `publish` capability on connection `files2`"), std::string::npos)
      << r.err;
  EXPECT_EQ(CsvMembers(e1 + "/gold.csv"), Desired(kUsers, 0));  // nothing sent
  r = RunAud(analyst.path(), {"apply", "--as-of", kAsOf, "--auto-approve", "--target", "files_out"},
             Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CsvMembers(e1 + "/gold.csv"), Desired(kUsers, 1));
  EXPECT_EQ(CsvMembers(e2 + "/gold.csv"), Desired(kUsers, 0));
  EXPECT_EQ(StateKeys("files_out"), Keys(Desired(kUsers, 1)));
  // With INSERT privilege (for `files`), row-level security still refuses
  // a row of the other connection's publication.
  const std::string insert2 =
      "INSERT INTO aud.members (publication, key, payload_hash, visitor, status, entered_at, "
      "updated_at) SELECT id, 'forged', 'x', 0, 'realized', 0, 0 FROM aud.publications WHERE "
      "destination = 'files2_out'";
  EXPECT_FALSE(PgServer::ExecAs(analyst_dsn, insert2, &error));
  EXPECT_NE(error.find("row-level security"), std::string::npos) << error;
  EXPECT_TRUE(Q("SELECT key FROM aud.members WHERE key = 'forged'").empty());

  // Revoked: refused again.
  r = RunAud(admin.path(), {"access", "revoke", "analyst", "publish", "files"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const TempDir* d : {&admin, &analyst})
    d->Write("data/events/events.jsonl", Events(kUsers, 0));
  r = RunAud(analyst.path(), {"apply", "--as-of", kAsOf, "--auto-approve", "--target", "files_out"},
             Env(analyst_dsn));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(CsvMembers(e1 + "/gold.csv"), Desired(kUsers, 1));
  // The administrator applies everything.
  r = RunAud(admin.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(dsn_));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(CsvMembers(e2 + "/gold.csv"), Desired(kUsers, 0));
}

TEST_F(PgState, AccessIsRefusedWithSqliteState) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  d.Write("aud.toml", kToml);  // no [state]: SQLite
  RunResult r = RunAud(d.path(), {"access", "list"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("an SQLite state has no permissions"), std::string::npos) << r.err;
}

// --lock-timeout on both backends: waits for the holder, then proceeds.
TEST_F(PgState, LockTimeoutWaitsForTheHolderOnBothBackends) {
  for (const bool postgres : {false, true}) {
    SCOPED_TRACE(postgres ? "postgres" : "sqlite");
    TempDir d;
    WriteProject(d, kUsers, 0);
    if (postgres) {
      std::string error;
      ASSERT_TRUE(pg_->CreateDatabase("locks", &error)) << error;
      d.Write("aud.toml", std::string(kToml) +
                              "\n[state]\nbackend = \"postgres\"\n"
                              "dsn = { env = \"TEAM_STATE_DSN\" }\n");
    }
    const auto env = Env(pg_->Dsn("aud_admin", "", "locks"));
    RunResult r = RunAud(d.path(), {"plan", "--as-of", kAsOf}, env);  // creates the state
    ASSERT_EQ(r.exit_code, 0) << r.err;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    const std::string id = "2f0e0d0c-0b0a-4909-8807-060504030201";
    // A live holder: this process.
    PGconn* holder = nullptr;
    std::string error;
    if (postgres) {
      ASSERT_TRUE(PgServer::ExecAs(pg_->Dsn("aud_admin", "", "locks"), "SELECT 1", &error));
      holder = PQconnectdb(pg_->Dsn("aud_admin", "", "locks").c_str());
      PGresult* res =
          PQexec(holder, ("SELECT pg_advisory_lock(1096107091, (SELECT id::int FROM aud.meta)); "
                          "INSERT INTO aud.lock SELECT id, '" +
                          id + "', 'apply', 'someone@" + host + "', " + std::to_string(getpid()) +
                          ", pg_backend_pid(), 1790000000000 "
                          "FROM aud.meta")
                             .c_str());
      ASSERT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQresultErrorMessage(res);
      PQclear(res);
    } else {
      ASSERT_TRUE(aud::testing::StateExec(
          d.path(),
          "INSERT INTO lock (slot, id, operation, who, pid, pid_start, created_at) "
          "VALUES (1, '" +
              id + "', 'apply', 'someone@" + host + "', " + std::to_string(getpid()) +
              ", 0, 1790000000000)"));
    }
    std::vector<std::string> apply = {"apply", "--as-of", kAsOf, "--auto-approve"};
    r = RunAud(d.path(), apply, env);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("the state is locked by someone@"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("lock id " + id), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("--lock-timeout"), std::string::npos) << r.err;
    EXPECT_FALSE(d.Exists("exports/gold.csv"));
    // Too short a wait: refused, naming the holder.
    apply.push_back("--lock-timeout");
    apply.push_back("500ms");
    r = RunAud(d.path(), apply, env);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("Acquiring state lock…"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("(waited 500ms)"), std::string::npos) << r.err;
    // Released after a second, within the 30 s allowed.
    apply.back() = "30s";
    std::thread release([&] {
      std::this_thread::sleep_for(std::chrono::seconds(1));
      if (postgres)
        PQfinish(holder);
      else
        aud::testing::StateExec(d.path(), "DELETE FROM lock");
    });
    r = RunAud(d.path(), apply, env);
    release.join();
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_NE(r.err.find("Acquiring state lock…"), std::string::npos) << r.err;
    EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));
    RunResult bad = RunAud(d.path(), {"plan", "--lock-timeout", "soon"}, env);
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_NE(bad.err.find("`--lock-timeout` must be a duration"), std::string::npos) << bad.err;
  }
}

// Bad databases: clear errors naming the backend, never the DSN or its
// password; the next apply converges.
TEST_F(PgState, BadDatabasesAreClearErrorsWithoutTheDsn) {
  std::string error;
  ASSERT_TRUE(pg_->CreateRole("writer", "Wr1ter-s3cret-pw", &error)) << error;
  TempDir d;
  WriteProject(d, kUsers, 0);
  d.Write("aud.toml",
          std::string(kToml) +
              "\n[state]\nbackend = \"postgres\"\ndsn = { env = \"TEAM_STATE_DSN\" }\n");
  d.Write("main.aud", PgMain(false));
  std::vector<std::string> apply = {"apply", "--as-of", kAsOf, "--auto-approve"};
  auto expect_clean = [&](const RunResult& r, const std::string& secret, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("PostgreSQL state"), std::string::npos) << r.err;
    EXPECT_EQ((r.out + r.err).find(secret), std::string::npos) << r.err;
    EXPECT_FALSE(d.Exists("exports/gold.csv"));
  };
  // Wrong password.
  const std::string wrong = pg_->Dsn("writer", "Not-the-Passw0rd", "team");
  RunResult r = RunAud(d.path(), apply, Env(wrong));
  expect_clean(r, "Not-the-Passw0rd", "wrong password");
  EXPECT_NE(r.err.find("password authentication failed"), std::string::npos) << r.err;
  // Not a connection string (libpq would quote it).
  r = RunAud(d.path(), apply, Env("host=127.0.0.1 password=Sh0uld-not-show oops"));
  expect_clean(r, "Sh0uld-not-show", "malformed");
  // Unreachable (a closed port).
  r = RunAud(d.path(), apply,
             Env("postgresql://writer:Unre4chable-pw@127.0.0.1:1/team?connect_timeout=3"));
  expect_clean(r, "Unre4chable-pw", "unreachable");
  EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
  // A statement timeout.
  r = RunAud(d.path(), apply, Env(dsn_ + " options='-c statement_timeout=1'"));
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("statement timeout"), std::string::npos) << r.err;

  // Converges.
  r = RunAud(d.path(), apply, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));
  // A dropped table is re-created; the next apply sends what it forgot.
  ASSERT_TRUE(pg_->Exec("DROP TABLE aud.members", &error, "team")) << error;
  d.Write("data/events/events.jsonl", Events(kUsers, 1));
  r = RunAud(d.path(), apply, Env(dsn_));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 1));
  EXPECT_EQ(StateKeys("files_out"), Keys(Desired(kUsers, 1)));
  // A newer schema is refused.
  ASSERT_TRUE(pg_->Exec("UPDATE aud.schema_version SET version = 99", &error, "team")) << error;
  r = RunAud(d.path(), {"plan", "--as-of", kAsOf}, Env(dsn_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("has version 99, newer than this aud supports (1); use a newer aud"),
            std::string::npos)
      << r.err;
  ASSERT_TRUE(pg_->Exec("UPDATE aud.schema_version SET version = 1", &error, "team")) << error;
  // The server goes away: a clear error; back: converges.
  ASSERT_TRUE(pg_->Stop(&error)) << error;
  r = RunAud(d.path(), apply, Env(dsn_));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("PostgreSQL state (schema `aud`, project `apply_test`"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find(pg_->admin_password()), std::string::npos) << r.err;
  ASSERT_TRUE(pg_->Restart(&error)) << error;
  r = RunAud(d.path(), {"plan", "--as-of", kAsOf, "--detailed-exitcode"}, Env(dsn_));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
}

// The connection lost in the middle of applies (the server ends every
// client session at a few instants): each run either finishes or fails with
// an error naming the backend; the next apply converges.
TEST_F(PgState, LostConnectionMidApplyConverges) {
  constexpr int kMany = 2000;
  TempDir d;
  WriteProject(d, kMany, 0);
  d.Write("aud.toml",
          std::string(kToml) +
              "\n[state]\nbackend = \"postgres\"\ndsn = { env = \"TEAM_STATE_DSN\" }\n");
  const std::vector<std::string> apply = {"apply", "--as-of", kAsOf, "--auto-approve"};
  int variant = 0, lost = 0;
  for (int delay_ms : {150, 300, 600, 900}) {
    variant = 1 - variant;
    d.Write("data/events/events.jsonl", Events(kMany, variant));
    RunResult r;
    std::thread t([&] { r = RunAud(d.path(), apply, Env(dsn_)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    std::string error;
    EXPECT_TRUE(pg_->TerminateClients(&error)) << error;
    t.join();
    if (r.exit_code != 0) {
      ++lost;
      EXPECT_NE(r.err.find("PostgreSQL state"), std::string::npos) << r.out << r.err;
      EXPECT_EQ(r.err.find(pg_->admin_password()), std::string::npos) << r.err;
    }
    RunResult again = RunAud(d.path(), apply, Env(dsn_));
    ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
    EXPECT_EQ(FileMembers(d), Desired(kMany, variant));
    EXPECT_EQ(ProfileStoreMembers(d), Desired(kMany, variant));
    EXPECT_EQ(StateKeys("files_out"), Keys(Desired(kMany, variant)));
    EXPECT_TRUE(Q("SELECT id FROM aud.journal WHERE status = 'pending'").empty());
  }
  std::printf("%d of 4 applies lost their connection\n", lost);
}

// The canary: the DSN's password appears in no output, file or state row.
TEST_F(PgState, DsnNeverAppearsAnywhere) {
  std::mt19937_64 rng(std::random_device{}());
  const std::string canary = "Cn" + std::to_string(rng()) + "x";
  std::string error;
  ASSERT_TRUE(pg_->CreateRole("canary", canary, &error)) << error;
  ASSERT_TRUE(pg_->Exec("ALTER DATABASE team OWNER TO canary", &error)) << error;
  const std::string dsn = pg_->Dsn("canary", canary, "team");
  TempDir d;
  WriteProject(d, kUsers, 0);
  d.Write("aud.toml",
          std::string(kToml) +
              "\n[state]\nbackend = \"postgres\"\ndsn = { env = \"TEAM_STATE_DSN\" }\n");
  std::vector<RunResult> runs;
  runs.push_back(RunAud(d.path(), {"plan", "--as-of", kAsOf, "--out", "saved.plan"}, Env(dsn)));
  runs.push_back(RunAud(d.path(), {"apply", "saved.plan"}, Env(dsn)));
  EXPECT_EQ(runs.back().exit_code, 0) << runs.back().err;
  runs.push_back(RunAud(d.path(), {"state", "list"}, Env(dsn)));
  runs.push_back(RunAud(d.path(), {"show", "--json"}, Env(dsn)));
  runs.push_back(RunAud(d.path(), {"show", "saved.plan", "--json"}, Env(dsn)));
  runs.push_back(RunAud(d.path(), {"access", "list", "--json"}, Env(dsn)));
  runs.push_back(RunAud(d.path(), {"plan", "--as-of", kAsOf},
                        Env(pg_->Dsn("canary", canary + "-wrong", "team"))));
  EXPECT_EQ(runs.back().exit_code, 1);
  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].out.find(canary), std::string::npos) << "stdout of run " << i;
    EXPECT_EQ(runs[i].err.find(canary), std::string::npos) << "stderr of run " << i;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.path())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find(canary), std::string::npos) << "the canary is in " << e.path();
  }
  // Every text of every state table.
  for (const char* t : {"meta", "audiences", "publications", "members", "journal", "lock",
                        "remote_ids", "access", "schema_version"}) {
    for (const auto& row : Q(std::string("SELECT t::text FROM aud.") + t + " t"))
      EXPECT_EQ(row[0].find(canary), std::string::npos) << "the canary is in aud." << t;
  }
}

// Several projects and environments share one database and schema.
TEST_F(PgState, ProjectsShareADatabaseWithTheirOwnLineage) {
  TempDir p1, p2;
  for (const TempDir* d : {&p1, &p2}) {
    WriteProject(*d, kUsers, 0);
    std::string toml = std::string(kToml) +
                       "\n[state]\nbackend = \"postgres\"\ndsn = { env = \"TEAM_STATE_DSN\" }\n";
    if (d == &p2) toml.replace(toml.find("apply_test"), 10, "other_proj");
    d->Write("aud.toml", toml);
  }
  RunResult r = RunAud(p1.path(), {"apply", "--as-of", kAsOf, "--auto-approve"}, Env(dsn_));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = RunAud(p2.path(), {"plan", "--as-of", kAsOf, "--detailed-exitcode"}, Env(dsn_));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;  // its own, empty state
  auto rows = Q("SELECT project, environment, serial FROM aud.meta ORDER BY project");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0], "apply_test");
  EXPECT_EQ(rows[0][1], "default");
  EXPECT_NE(rows[0][2], "0");
  EXPECT_EQ(rows[1][0], "other_proj");
  EXPECT_EQ(rows[1][2], "0");
}

}  // namespace
}  // namespace aud::applytest
