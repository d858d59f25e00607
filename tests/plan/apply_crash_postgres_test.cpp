// The `postgres` destination under SIGKILL (issue 13, acceptance 3): `aud
// apply --auto-approve` killed at 30 seeded random instants against a real
// PostgreSQL server (tests/support/pg_server.h). After each kill the table
// differs from state only in the keys of a batch left in flight; a further
// apply converges with the table equal to the desired members. Every batch
// is applied exactly once: the companion table `<table>_batches` holds each
// idempotency key the state journal recorded as done, and nothing else, and
// an audit trigger shows that no transaction changed the table without
// inserting its batch's key (a re-sent batch that was already committed
// changes nothing).

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "tests/plan/apply_harness_test.h"
#include "tests/support/pg_server.h"

namespace aud::applytest {
namespace {

using aud::testing::PgServer;

const char* kPgToml = R"([project]
name = "pg_crash"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.warehouse]
type = "postgres"
dsn = { env = "AUD_TEST_WAREHOUSE_DSN" }
table = "gold_members"
batch_size = 50
)";

const char* kPgMain = R"(import "std/governance"

trait tier: string
trait score: int

identity user_id: declared from userId

segment gold_tier = tier == "gold"

audience gold "Gold members" {
  members gold_tier
  identities user_id
  attributes { points = score }
  refresh every 1d
}

destination wh "Warehouse table" {
  connection warehouse
  actions analytics
  key user_id
  map points -> "points"
}

publish gold to wh
)";

class PgCrash {
 public:
  static constexpr int kUsers = 2000;  // 1500 members; 1500 changes (30 batches) per switch

  explicit PgCrash(PgServer& pg) : pg_(pg), dir_("aud-pg-crash") {
    env_["AUD_TEST_WAREHOUSE_DSN"] = pg.Dsn();
  }

  const TempDir& dir() const { return dir_; }
  const std::map<std::string, std::string>& env() const { return env_; }
  std::vector<std::string> ApplyArgs() const {
    return {"apply", "--as-of", kAsOf, "--auto-approve"};
  }

  void Switch() {
    variant_ = 1 - variant_;
    dir_.Write("data/events/events.jsonl", Events(kUsers, variant_));
  }

  // Applies once (aud creates the tables), installs the audit triggers, then
  // times two applies that switch data sets.
  double Setup() {
    dir_.Write("aud.toml", kPgToml);
    dir_.Write("main.aud", kPgMain);
    dir_.Write("data/events/events.jsonl", Events(kUsers, variant_));
    Converge("setup 0");
    std::string error;
    EXPECT_TRUE(
        pg_.Exec("CREATE TABLE audit (txid bigint NOT NULL, tbl text NOT NULL);"
                 "CREATE FUNCTION audit_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                 "INSERT INTO audit VALUES (txid_current(), TG_TABLE_NAME); RETURN NULL; END $$;"
                 "CREATE TRIGGER audit_members AFTER INSERT OR UPDATE OR DELETE ON gold_members "
                 "FOR EACH STATEMENT EXECUTE FUNCTION audit_fn();"
                 "CREATE TRIGGER audit_batches AFTER INSERT ON gold_members_batches "
                 "FOR EACH ROW EXECUTE FUNCTION audit_fn();",
                 &error))
        << error;
    audited_ = true;
    double best = 1e9;
    for (int i = 1; i <= 2; ++i) {
      Switch();
      auto t0 = std::chrono::steady_clock::now();
      Converge("setup " + std::to_string(i));
      best = std::min(best,
                      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    return best;
  }

  // key -> points in the table; a duplicate key is impossible (primary key).
  std::map<std::string, int64_t> TableMembers() {
    std::map<std::string, int64_t> m;
    std::string error;
    auto rows = pg_.Query(
        "SELECT key, fields->>'points' FROM gold_members WHERE audience = 'gold' AND "
        "destination = 'wh'",
        &error);
    EXPECT_TRUE(error.empty()) << error;
    for (const auto& r : rows) EXPECT_TRUE(m.emplace(r[0], std::stoll(r[1])).second) << r[0];
    return m;
  }

  // Every batch applied exactly once: each key in the companion table is a
  // batch of the journal (a pending entry an apply settled without sending
  // it, because its rows were cut into new batches, is marked done too, so
  // not every journal key is there), and every transaction that changed the
  // table inserted exactly one companion row (its primary key holds each
  // batch once).
  void CheckExactlyOnce() {
    std::set<std::string> journal;
    for (auto& r : Query(dir_.path() + "/.aud/state.db",
                         "SELECT idempotency_key FROM journal WHERE destination = 'wh'"))
      journal.insert(r[0]);
    std::string error;
    std::set<std::string> committed;
    for (auto& r : pg_.Query("SELECT idempotency_key FROM gold_members_batches", &error))
      committed.insert(r[0]);
    EXPECT_TRUE(error.empty()) << error;
    for (const auto& k : committed)
      EXPECT_TRUE(journal.count(k)) << "batch " << k << " committed, unknown to the journal";
    batches_ = committed.size();
    if (!audited_) return;
    auto bad = pg_.Query(
        "SELECT m.txid, (SELECT count(*) FROM audit b WHERE b.txid = m.txid AND b.tbl = "
        "'gold_members_batches') FROM (SELECT DISTINCT txid FROM audit WHERE tbl = "
        "'gold_members') m WHERE (SELECT count(*) FROM audit b WHERE b.txid = m.txid AND b.tbl = "
        "'gold_members_batches') != 1",
        &error);
    EXPECT_TRUE(error.empty()) << error;
    for (const auto& r : bad)
      ADD_FAILURE() << "transaction " << r[0] << " changed the table with " << r[1]
                    << " companion rows (a batch applied twice, or without its key)";
  }

  // After a kill: table and state differ only in keys of a pending batch.
  void CheckAfterKill(const std::string& round) {
    SCOPED_TRACE(round);
    auto state = StateMembers(dir_, "wh");
    auto table = TableMembers();
    auto pending = PendingKeys(dir_)["wh"];
    std::set<std::string> keys;
    for (const auto& [k, _] : state) keys.insert(k);
    for (const auto& [k, _] : table) keys.insert(k);
    bool in_flight = false;
    for (const auto& k : keys) {
      if (state.count(k) == table.count(k)) continue;
      in_flight = true;
      EXPECT_TRUE(pending.count(k)) << k << " differs between state and the table outside any "
                                    << "in-flight batch";
    }
    if (in_flight) ++interrupted_in_flight_;
    // A batch committed but not yet confirmed in state: the next apply
    // re-sends it with the same key and the companion table deduplicates it.
    std::string error;
    for (auto& r : Query(dir_.path() + "/.aud/state.db",
                         "SELECT idempotency_key FROM journal WHERE destination = 'wh' AND "
                         "status = 'pending'"))
      if (!pg_.Query("SELECT 1 FROM gold_members_batches WHERE idempotency_key = '" + r[0] + "'",
                     &error)
               .empty())
        ++committed_unconfirmed_;
    CheckExactlyOnce();
  }

  void Converge(const std::string& round) {
    SCOPED_TRACE(round + " (converging apply)");
    RunResult r = RunAud(dir_.path(), ApplyArgs(), env_);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto desired = Desired(kUsers, variant_);
    EXPECT_EQ(TableMembers(), desired);
    std::set<std::string> sk, dk;
    for (const auto& [k, _] : StateMembers(dir_, "wh")) sk.insert(k);
    for (const auto& [k, _] : desired) dk.insert(k);
    EXPECT_EQ(sk, dk);
    EXPECT_TRUE(PendingKeys(dir_).empty()) << "journal entries left pending";
    CheckExactlyOnce();
  }

  void ExpectNoChanges() {
    RunResult r = RunAud(dir_.path(), {"plan", "--as-of", kAsOf, "--json"}, env_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r.out;
    EXPECT_FALSE(j.value("changes", true)) << r.out;
  }

  int interrupted_in_flight() const { return interrupted_in_flight_; }
  int committed_unconfirmed() const { return committed_unconfirmed_; }
  size_t batches() const { return batches_; }

 private:
  PgServer& pg_;
  TempDir dir_;
  std::map<std::string, std::string> env_;
  int variant_ = 0;
  bool audited_ = false;
  int interrupted_in_flight_ = 0;
  int committed_unconfirmed_ = 0;
  size_t batches_ = 0;
};

TEST(ApplyCrashPostgres, KilledAtRandomInstantsAppliesEveryBatchOnce) {
  std::string error;
  auto pg = PgServer::Start(&error);
  ASSERT_TRUE(pg) << error;
  PgCrash h(*pg);
  double duration = h.Setup();
  ASSERT_FALSE(::testing::Test::HasFailure());
  std::mt19937 rng(20261202u);
  std::uniform_real_distribution<double> when(0.0, duration);
  const int rounds = 30;
  int killed = 0;
  for (int round = 0; round < rounds && !::testing::Test::HasFailure(); ++round) {
    h.Switch();
    double delay = when(rng);
    pid_t pid = aud::testing::SpawnAud(h.dir().path(), h.ApplyArgs(), h.env());
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    ::kill(pid, SIGKILL);
    RunResult r = aud::testing::Wait(pid);
    if (r.signal == SIGKILL) ++killed;
    std::string name =
        "round " + std::to_string(round) + " (kill after " + std::to_string(delay) + " s)";
    h.CheckAfterKill(name);
    if (round % 2 == 1) h.Switch();  // rows in flight settle against other desired members
    h.Converge(name);
  }
  h.ExpectNoChanges();
  std::printf(
      "apply took %.3f s; %d of %d runs killed; %d left a batch in flight; %d left a committed "
      "batch unconfirmed (re-sent, deduplicated); %zu batches committed\n",
      duration, killed, rounds, h.interrupted_in_flight(), h.committed_unconfirmed(), h.batches());
}

}  // namespace
}  // namespace aud::applytest
