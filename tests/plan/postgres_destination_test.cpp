// The `postgres` destination against a real PostgreSQL 15 server (issue 13,
// item 2): the table aud creates, upserts and deletes with `entered_at`
// kept, the companion table, drift read-back (a changed, a missing, an extra
// and a dropped table), the errors (unreachable, wrong password, statement
// timeout, connection lost mid-batch) naming the connection and never the
// DSN, each followed by an apply that converges, and the DSN canary: never
// in output or any file.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>

#include "tests/plan/apply_harness_test.h"
#include "tests/support/pg_server.h"

namespace aud::applytest {
namespace {

using aud::testing::PgServer;

std::string Toml(const std::string& extra = "") {
  return R"([project]
name = "pg_dest"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.warehouse]
type = "postgres"
dsn = { env = "AUD_TEST_WAREHOUSE_DSN" }
table = "gold_members"
batch_size = 40
)" + extra;
}

const char* kMainPg = R"(import "std/governance"

label L1 "a label"
trait tier: string [L1]
trait score: int

identity user_id: declared from userId

segment gold_tier = tier == "gold"

audience gold "Gold members" {
  members gold_tier
  identities user_id
  attributes { points = score }
}

destination wh "Warehouse table" {
  connection warehouse
  actions analytics
  key user_id
  map points -> "points"
}

publish gold to wh
)";

constexpr int kN = 100;

class PgDest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string error;
    pg_ = PgServer::Start(&error);
    ASSERT_TRUE(pg_) << error;
    // A role of its own (not a superuser) with a random password: the canary.
    std::random_device rd;
    password_ = "pw" + std::to_string(rd()) + "x" + std::to_string(rd());
    ASSERT_TRUE(pg_->CreateRole("aud_writer", password_, &error)) << error;
    ASSERT_TRUE(pg_->Exec("GRANT ALL ON SCHEMA public TO aud_writer", &error)) << error;
    dsn_ = pg_->Dsn("aud_writer", password_);
    env_["AUD_TEST_WAREHOUSE_DSN"] = dsn_;
    dir_.Write("aud.toml", Toml());
    dir_.Write("main.aud", kMainPg);
    dir_.Write("data/events/events.jsonl", Events(kN, 0));
  }

  RunResult Aud(const std::vector<std::string>& args) {
    RunResult r = RunAud(dir_.path(), args, env_);
    runs_.push_back(r);
    return r;
  }
  RunResult Apply() { return Aud({"apply", "--as-of", kAsOf, "--auto-approve"}); }

  std::map<std::string, int64_t> Table() {
    std::map<std::string, int64_t> m;
    std::string error;
    for (const auto& r : pg_->Query("SELECT key, fields->>'points' FROM gold_members WHERE "
                                    "audience = 'gold' AND destination = 'wh'",
                                    &error))
      m[r[0]] = std::stoll(r[1]);
    EXPECT_TRUE(error.empty()) << error;
    return m;
  }

  std::string Scalar(const std::string& sql) {
    std::string error;
    auto rows = pg_->Query(sql, &error);
    EXPECT_TRUE(error.empty()) << error << "\n" << sql;
    return rows.empty() || rows[0].empty() ? "" : rows[0][0];
  }

  std::unique_ptr<PgServer> pg_;
  TempDir dir_{"aud-pg-dest"};
  std::string password_, dsn_;
  std::map<std::string, std::string> env_;
  std::vector<RunResult> runs_;
};

TEST_F(PgDest, CreatesTheTableUpsertsDeletesAndRecordsEveryBatch) {
  RunResult r = Apply();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Table(), Desired(kN, 0));
  // The columns and primary key of the issue, in order.
  EXPECT_EQ(Scalar("SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY "
                   "ordinal_position) FROM information_schema.columns WHERE table_name = "
                   "'gold_members'"),
            "audience text, destination text, key text, fields jsonb, labels ARRAY, entered_at "
            "timestamp with time zone, updated_at timestamp with time zone");
  EXPECT_EQ(Scalar("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = "
                   "'gold_members'::regclass AND contype = 'p'"),
            "PRIMARY KEY (audience, destination, key)");
  EXPECT_EQ(Scalar("SELECT DISTINCT labels::text FROM gold_members"), "{L1}");
  // 75 members in batches of 40: two batches, one companion row each.
  EXPECT_EQ(Scalar("SELECT count(*) FROM gold_members_batches"), "2");
  EXPECT_EQ(Scalar("SELECT sum(upserts) FROM gold_members_batches"), "75");
  std::string entered = Scalar("SELECT entered_at FROM gold_members WHERE key = 'u00002'");

  // Enters, exits and updates; an updated member keeps its entered_at.
  dir_.Write("data/events/events.jsonl", Events(kN, 1));
  r = Apply();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Table(), Desired(kN, 1));
  EXPECT_EQ(Scalar("SELECT fields::text FROM gold_members WHERE key = 'u00002'"),
            "{\"points\": 25}");
  EXPECT_EQ(Scalar("SELECT entered_at FROM gold_members WHERE key = 'u00002'"), entered);
  EXPECT_NE(Scalar("SELECT updated_at FROM gold_members WHERE key = 'u00002'"), entered);
  EXPECT_EQ(Scalar("SELECT count(*) = count(DISTINCT idempotency_key) FROM gold_members_batches"),
            "t");

  // Nothing left to do; the plan reads the table back and finds no drift.
  r = Aud({"plan", "--as-of", kAsOf, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;

  // A removed publish deletes the publication's rows.
  dir_.Write("main.aud", std::string(kMainPg).substr(0, std::string(kMainPg).find("publish")));
  r = Apply();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Scalar("SELECT count(*) FROM gold_members"), "0");
}

TEST_F(PgDest, DriftIsReadBackAndRepaired) {
  ASSERT_EQ(Apply().exit_code, 0);
  std::string error;
  ASSERT_TRUE(
      pg_->Exec("DELETE FROM gold_members WHERE key = 'u00001';"
                "UPDATE gold_members SET fields = '{\"points\": 999}' WHERE key = "
                "'u00002';"
                "INSERT INTO gold_members VALUES ('gold', 'wh', 'intruder', '{}', '{}', "
                "now(), now())",
                &error))
      << error;
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--json", "--detail"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& d = j["publications"][0]["drift"];
  EXPECT_EQ(d["missing_keys"], nlohmann::json::array({"u00001"})) << d;
  EXPECT_EQ(d["changed_keys"], nlohmann::json::array({"u00002"})) << d;
  EXPECT_EQ(d["extra_keys"], nlohmann::json::array({"intruder"})) << d;
  ASSERT_EQ(Apply().exit_code, 0);
  EXPECT_EQ(Table(), Desired(kN, 0));

  // A dropped table: the next plan sees every member missing, apply
  // creates the table again and fills it.
  ASSERT_TRUE(pg_->Exec("DROP TABLE gold_members", &error)) << error;
  r = Aud({"plan", "--as-of", kAsOf, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  r = Apply();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(Table(), Desired(kN, 0));
}

TEST_F(PgDest, ErrorsNameTheConnectionNeverTheDsnAndTheNextApplyConverges) {
  ASSERT_EQ(Apply().exit_code, 0);
  std::string error;
  auto expect_error = [&](const RunResult& r, const std::string& what) {
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("connection `warehouse`"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
  };

  // Wrong password.
  dir_.Write("data/events/events.jsonl", Events(kN, 1));
  env_["AUD_TEST_WAREHOUSE_DSN"] = pg_->Dsn("aud_writer", password_ + "nope");
  expect_error(Apply(), "PostgreSQL refused the login");
  env_["AUD_TEST_WAREHOUSE_DSN"] = dsn_;
  ASSERT_EQ(Apply().exit_code, 0);
  EXPECT_EQ(Table(), Desired(kN, 1));

  // A statement timeout: a trigger sleeps longer than `timeout_s`.
  dir_.Write("aud.toml", Toml("timeout_s = 1\n"));
  ASSERT_TRUE(
      pg_->Exec("CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "PERFORM pg_sleep(3); RETURN NULL; END $$;"
                "CREATE TRIGGER slow AFTER INSERT OR UPDATE OR DELETE ON gold_members "
                "FOR EACH STATEMENT EXECUTE FUNCTION slow()",
                &error))
      << error;
  dir_.Write("data/events/events.jsonl", Events(kN, 0));
  expect_error(Apply(), "timed out after 1 s");
  EXPECT_EQ(Table(), Desired(kN, 1));  // nothing of it committed
  ASSERT_TRUE(pg_->Exec("DROP TRIGGER slow ON gold_members", &error)) << error;
  ASSERT_EQ(Apply().exit_code, 0);
  EXPECT_EQ(Table(), Desired(kN, 0));

  // The connection lost in the middle of a batch (the server ends the
  // session inside the transaction, again on the retry).
  ASSERT_TRUE(
      pg_->Exec("CREATE FUNCTION cut() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;"
                "CREATE TRIGGER cut AFTER INSERT OR UPDATE OR DELETE ON gold_members "
                "FOR EACH STATEMENT EXECUTE FUNCTION cut()",
                &error))
      << error;
  dir_.Write("data/events/events.jsonl", Events(kN, 1));
  expect_error(Apply(), "lost the connection to PostgreSQL");
  EXPECT_EQ(Table(), Desired(kN, 0));
  ASSERT_TRUE(pg_->Exec("DROP TRIGGER cut ON gold_members", &error)) << error;
  ASSERT_EQ(Apply().exit_code, 0);
  EXPECT_EQ(Table(), Desired(kN, 1));

  // Unreachable: the server is down.
  ASSERT_TRUE(pg_->Stop(&error)) << error;
  dir_.Write("data/events/events.jsonl", Events(kN, 0));
  expect_error(Apply(), "cannot reach the PostgreSQL server");
  ASSERT_TRUE(pg_->Restart(&error)) << error;
  ASSERT_EQ(Apply().exit_code, 0);
  EXPECT_EQ(Table(), Desired(kN, 0));

  // A DSN that does not parse: its text is never quoted.
  env_["AUD_TEST_WAREHOUSE_DSN"] = "host=127.0.0.1 password=" + password_ + " bogus";
  dir_.Write("data/events/events.jsonl", Events(kN, 1));
  expect_error(Apply(), "not a valid PostgreSQL connection string");
  env_["AUD_TEST_WAREHOUSE_DSN"] = dsn_;

  // The canary: the password (and the DSN) never in any output or file.
  Aud({"plan", "--as-of", kAsOf, "--out", "saved.plan"});
  Aud({"show", "saved.plan", "--json"});
  Aud({"apply", "saved.plan"});
  Aud({"state", "list"});
  for (size_t i = 0; i < runs_.size(); ++i) {
    EXPECT_EQ(runs_[i].out.find(password_), std::string::npos) << "stdout of run " << i;
    EXPECT_EQ(runs_[i].err.find(password_), std::string::npos) << "stderr of run " << i;
    EXPECT_EQ((runs_[i].out + runs_[i].err).find("127.0.0.1"), std::string::npos)
        << "the DSN's host in run " << i << ": " << runs_[i].err;
  }
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str().find(password_), std::string::npos) << e.path();
  }
  EXPECT_EQ(Table(), Desired(kN, 1));
}

}  // namespace
}  // namespace aud::applytest
