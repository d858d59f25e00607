#pragma once
// Shared by the apply tests: a project publishing one audience (`gold`) to
// a CSV file destination and the built-in profile store, two data sets that
// differ in enters, exits and updates, and readers of everything apply
// touches (.aud/state.db, .aud/profiles.db, exports/gold.csv, plan JSON).

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/run_aud.h"
#include "tests/support/state_backend.h"

namespace aud::applytest {

using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::TempDir;

inline const char* kAsOf = "2026-11-01";

inline const char* kToml = R"([project]
name = "apply_test"

[sources.web]
path = "data/events/*.jsonl"
format = "segment"

[connections.files]
type = "file"
format = "csv"
dir = "exports"
)";

inline const char* kMain = R"(import "std/governance"

label L1 "a label the tests' policies refer to"
trait email: string [I1]
trait tier: string [L1]
trait score: int

identity user_id: declared from userId
identity email: declared from trait email normalize email

segment gold_tier = tier == "gold"

audience gold "Gold members" {
  members gold_tier
  identities user_id
  attributes { points = score }
  refresh every 1d
}

destination files_out "CSV export" {
  connection files
  actions analytics
  key user_id
  map user_id -> "customer_id", points -> "points"
}

publish gold to files_out, profile_store
)";

// Variant v of the data: user i is gold unless i % 4 == v; users with
// i % 4 == 2 score 5 more in variant 1. Switching variants makes a quarter
// enter, a quarter exit and a quarter update.
inline bool IsMember(int i, int v) { return i % 4 != v; }
inline int64_t Points(int i, int v) { return i * 10 + (v == 1 && i % 4 == 2 ? 5 : 0); }
inline std::string Key(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "u%05d", i);
  return buf;
}

inline std::string Events(int users, int v) {
  std::string s;
  for (int i = 0; i < users; ++i) {
    s += R"({"type":"identify","userId":")" + Key(i) +
         R"(","timestamp":"2026-10-01T00:00:00Z","traits":{"email":")" + Key(i) +
         R"(@example.com","tier":")" + (IsMember(i, v) ? "gold" : "silver") + R"(","score":)" +
         std::to_string(Points(i, v)) + "}}\n";
  }
  return s;
}

// key -> points of the desired members.
inline std::map<std::string, int64_t> Desired(int users, int v) {
  std::map<std::string, int64_t> m;
  for (int i = 0; i < users; ++i)
    if (IsMember(i, v)) m[Key(i)] = Points(i, v);
  return m;
}

inline void WriteProject(const TempDir& d, int users, int v) {
  d.Write("aud.toml", kToml);
  d.Write("main.aud", kMain);
  d.Write("data/events/events.jsonl", Events(users, v));
}

// A read-only SQLite query: rows of text columns.
inline std::vector<std::vector<std::string>> Query(const std::string& path,
                                                   const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << path;
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "query failed: " << sqlite3_errmsg(db) << "\n" << sql;
    sqlite3_close(db);
    return rows;
  }
  while (sqlite3_step(st) == SQLITE_ROW) {
    std::vector<std::string> row;
    for (int c = 0; c < sqlite3_column_count(st); ++c) {
      const unsigned char* t = sqlite3_column_text(st, c);
      row.push_back(t ? reinterpret_cast<const char*>(t) : "");
    }
    rows.push_back(std::move(row));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return rows;
}

inline bool Exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  bool ok = sqlite3_open(path.c_str(), &db) == SQLITE_OK;
  sqlite3_busy_timeout(db, 5000);
  char* err = nullptr;
  ok = ok && sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err) == SQLITE_OK;
  if (err) {
    ADD_FAILURE() << err;
    sqlite3_free(err);
  }
  sqlite3_close(db);
  return ok;
}

// State members of a publication: key -> payload hash (current ones only).
inline std::map<std::string, std::string> StateMembers(const TempDir& d,
                                                       const std::string& destination) {
  std::map<std::string, std::string> m;
  if (!aud::testing::StateExists(d.path())) return m;
  for (auto& r : aud::testing::StateQuery(
           d.path(),
           "SELECT m.key, m.payload_hash FROM members m JOIN publications p ON "
           "m.publication = p.id WHERE p.audience = 'gold' AND p.destination = '" +
               destination + "' AND m.status != 'exited'"))
    m[r[0]] = r[1];
  return m;
}

inline uint64_t Serial(const TempDir& d) {
  if (!aud::testing::StateExists(d.path())) return 0;
  auto rows = aud::testing::StateQuery(d.path(), "SELECT serial FROM meta");
  return rows.empty() ? 0 : std::stoull(rows[0][0]);
}

// Keys of the batches an interrupted apply left in flight, per destination.
inline std::map<std::string, std::set<std::string>> PendingKeys(const TempDir& d) {
  std::map<std::string, std::set<std::string>> out;
  if (!aud::testing::StateExists(d.path())) return out;
  for (auto& r : aud::testing::StateQuery(
           d.path(), "SELECT destination, payload FROM journal WHERE status = 'pending'")) {
    auto j = nlohmann::json::parse(r[1], nullptr, false);
    if (j.is_discarded()) continue;
    for (const auto& k : j["removes"]) out[r[0]].insert(k.get<std::string>());
    for (const auto& u : j["upserts"]) out[r[0]].insert(u["key"].get<std::string>());
  }
  return out;
}

// The profile store's current members of `gold`: key -> points. `dups`
// counts keys seen twice (impossible with its primary key, checked anyway).
inline std::map<std::string, int64_t> ProfileStoreMembers(const TempDir& d) {
  std::map<std::string, int64_t> m;
  if (!d.Exists(".aud/profiles.db")) return m;
  for (auto& r : Query(d.path() + "/.aud/profiles.db",
                       "SELECT profile, attributes FROM memberships WHERE audience = 'gold' AND "
                       "status != 'exited'")) {
    auto j = nlohmann::json::parse(r[1], nullptr, false);
    int64_t points = -1;
    if (j.is_object() && j.contains("points") && j["points"].is_number_integer())
      points = j["points"].get<int64_t>();
    EXPECT_TRUE(m.emplace(r[0], points).second) << "duplicate profile store member " << r[0];
  }
  return m;
}

// The CSV snapshot's members: key -> points; duplicates are a failure.
inline std::map<std::string, int64_t> FileMembers(const TempDir& d) {
  std::map<std::string, int64_t> m;
  std::istringstream in(d.Read("exports/gold.csv"));
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();  // RFC 4180 line ends
    if (header) {
      EXPECT_EQ(line, "key,identity_kind,customer_id,points");
      header = false;
      continue;
    }
    std::vector<std::string> cols;
    std::stringstream ls(line);
    std::string c;
    while (std::getline(ls, c, ',')) cols.push_back(c);
    if (cols.size() != 4) {
      ADD_FAILURE() << "bad CSV row: " << line;
      continue;
    }
    EXPECT_TRUE(m.emplace(cols[0], std::stoll(cols[3])).second) << "duplicate row " << cols[0];
  }
  return m;
}

struct PlanKeys {
  std::set<std::string> enter, exit, update;
};

// `aud plan --json --detail`: per destination of `gold`, its key lists.
inline std::map<std::string, PlanKeys> PlanJson(
    const TempDir& d, bool* changes, const std::map<std::string, std::string>& env = {}) {
  std::map<std::string, PlanKeys> out;
  RunResult r = RunAud(d.path(), {"plan", "--as-of", kAsOf, "--json", "--detail"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  if (j.is_discarded()) {
    ADD_FAILURE() << "plan --json is not JSON: " << r.out;
    return out;
  }
  if (changes) *changes = j.value("changes", true);
  for (const auto& p : j["publications"]) {
    PlanKeys& k = out[p["destination"].get<std::string>()];
    for (const auto& x : p["enter_keys"]) k.enter.insert(x.get<std::string>());
    for (const auto& x : p["exit_keys"]) k.exit.insert(x.get<std::string>());
    for (const auto& x : p["update_keys"]) k.update.insert(x.get<std::string>());
  }
  return out;
}

inline std::string Join(const std::set<std::string>& s, size_t max = 8) {
  std::string out;
  size_t n = 0;
  for (const auto& k : s) {
    if (n++ == max) return out + " ...(" + std::to_string(s.size()) + ")";
    out += k + " ";
  }
  return out;
}

// The crash harness (acceptance 2): a project with a few thousand members,
// switched between the two data sets before every interrupted apply.
class CrashHarness {
 public:
  static constexpr int kUsers = 2000;  // 1500 members, 1500 changes per switch

  CrashHarness() : dir_("aud-crash") {}
  const TempDir& dir() const { return dir_; }

  // Applies both data sets fully (learning each row's payload hash) and
  // returns the wall time of the faster of two uninterrupted applies that
  // switch data sets (what every round does), in seconds.
  double Setup() {
    WriteProject(dir_, kUsers, 0);
    variant_ = 0;
    Converge("setup 0");
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

  // The next data set (enters, exits and updates for every publication).
  void Switch() {
    variant_ = 1 - variant_;
    dir_.Write("data/events/events.jsonl", Events(kUsers, variant_));
  }

  std::vector<std::string> ApplyArgs() const {
    return {"apply", "--as-of", kAsOf, "--auto-approve"};
  }

  // After an interrupted apply: the plan shows exactly desired - state, and
  // the destinations differ from state only in the rows of a batch left in
  // flight (a pending journal entry).
  void CheckAfterKill(const std::string& round) {
    SCOPED_TRACE(round);
    const auto desired = Desired(kUsers, variant_);
    bool changes = false;
    auto plan = PlanJson(dir_, &changes);
    auto pending = PendingKeys(dir_);
    for (const std::string dest : {"files_out", "profile_store"}) {
      SCOPED_TRACE(dest);
      auto state = StateMembers(dir_, dest);
      PlanKeys want;
      for (const auto& [k, pts] : desired) {
        auto it = state.find(k);
        if (it == state.end()) {
          want.enter.insert(k);
        } else {
          auto h = hash_of_[dest].find({k, pts});
          ASSERT_NE(h, hash_of_[dest].end()) << "no payload hash learned for " << k;
          if (h->second != it->second) want.update.insert(k);
        }
      }
      for (const auto& [k, _] : state)
        if (!desired.count(k)) want.exit.insert(k);
      // Keys of a batch left in flight are sent again whatever state says:
      // an upsert (enter) when desired, a remove when not.
      for (const auto& k : pending[dest]) {
        auto d = desired.find(k);
        auto s = state.find(k);
        if (d != desired.end() && s != state.end() && !want.update.count(k)) want.enter.insert(k);
        if (d == desired.end() && s == state.end()) want.exit.insert(k);
      }
      const PlanKeys& got = plan[dest];
      EXPECT_EQ(got.enter, want.enter)
          << "enter: plan " << Join(got.enter) << " want " << Join(want.enter);
      EXPECT_EQ(got.exit, want.exit)
          << "exit: plan " << Join(got.exit) << " want " << Join(want.exit);
      EXPECT_EQ(got.update, want.update)
          << "update: plan " << Join(got.update) << " want " << Join(want.update);

      // Destination vs state.
      auto at = dest == "profile_store" ? ProfileStoreMembers(dir_) : FileMembers(dir_);
      std::set<std::string> keys;
      for (const auto& [k, _] : state) keys.insert(k);
      for (const auto& [k, _] : at) keys.insert(k);
      size_t in_flight = 0;
      for (const auto& k : keys) {
        auto s = state.find(k);
        auto a = at.find(k);
        bool same = (s == state.end()) == (a == at.end());
        if (same && s != state.end()) {
          auto r = rev_[dest].find({k, s->second});
          same = r != rev_[dest].end() && r->second == a->second;
        }
        if (same) continue;
        ++in_flight;
        EXPECT_TRUE(pending[dest].count(k))
            << k << " differs between state and " << dest << " outside any in-flight batch";
      }
      if (in_flight) ++interrupted_in_flight_;
    }
    if (!changes) ++already_done_;
  }

  // A further apply converges: destinations equal the desired members,
  // state equals the destinations, nothing is left in flight.
  void Converge(const std::string& round) {
    SCOPED_TRACE(round + " (converging apply)");
    RunResult r = RunAud(dir_.path(), ApplyArgs());
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto desired = Desired(kUsers, variant_);
    EXPECT_EQ(ProfileStoreMembers(dir_), desired);
    EXPECT_EQ(FileMembers(dir_), desired);
    for (const std::string dest : {"files_out", "profile_store"}) {
      auto state = StateMembers(dir_, dest);
      std::set<std::string> sk, dk;
      for (const auto& [k, h] : state) {
        sk.insert(k);
        auto d = desired.find(k);
        if (d == desired.end()) continue;
        // Learn, then hold to, the hash of each (key, points) payload.
        auto [it, fresh] = hash_of_[dest].emplace(std::make_pair(k, d->second), h);
        EXPECT_EQ(it->second, h) << "payload hash of " << k << " changed";
        if (fresh) rev_[dest][{k, h}] = d->second;
      }
      for (const auto& [k, _] : desired) dk.insert(k);
      EXPECT_EQ(sk, dk) << dest;
    }
    EXPECT_TRUE(PendingKeys(dir_).empty()) << "journal entries left pending";
  }

  // Plans again: nothing left to do.
  void ExpectNoChanges() {
    bool changes = true;
    PlanJson(dir_, &changes);
    EXPECT_FALSE(changes);
  }

  int interrupted_in_flight() const { return interrupted_in_flight_; }
  int already_done() const { return already_done_; }

 private:
  TempDir dir_;
  int variant_ = 0;
  // Per destination: (key, points) -> payload hash, and back.
  std::map<std::string, std::map<std::pair<std::string, int64_t>, std::string>> hash_of_;
  std::map<std::string, std::map<std::pair<std::string, std::string>, int64_t>> rev_;
  int interrupted_in_flight_ = 0;
  int already_done_ = 0;
};

// Random kill rounds per test against a PostgreSQL state.
inline constexpr int kPostgresKillRounds = 10;

// Kills `aud apply --auto-approve` with SIGKILL at `rounds` seeded random
// instants spread over the measured duration of an apply (some land after
// it finished, which must leave a converged state too), checking after each
// kill and after each converging apply.
inline void RandomKills(uint32_t seed, int rounds) {
  // Against PostgreSQL state a reduced count keeps the suite's time in bounds
  // (tests/plan/README.md).
  if (aud::testing::PostgresStateTests()) rounds = std::min(rounds, kPostgresKillRounds);
  CrashHarness h;
  double duration = h.Setup();
  if (::testing::Test::HasFailure()) return;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> when(0.0, duration);
  int killed = 0;
  for (int round = 0; round < rounds && !::testing::Test::HasFailure(); ++round) {
    h.Switch();
    double delay = when(rng);
    pid_t pid = aud::testing::SpawnAud(h.dir().path(), h.ApplyArgs());
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    ::kill(pid, SIGKILL);
    RunResult r = aud::testing::Wait(pid);
    if (r.signal == SIGKILL) ++killed;
    std::string name =
        "round " + std::to_string(round) + " (kill after " + std::to_string(delay) + " s)";
    h.CheckAfterKill(name);
    // Every other round the data flips back before the next apply, so rows
    // left in flight must be settled against other desired members.
    if (round % 2 == 1) {
      h.Switch();
      h.CheckAfterKill(name + ", data flipped back");
    }
    h.Converge(name);
  }
  h.ExpectNoChanges();
  // What the kills hit, for the log (instants are random: nothing is
  // asserted about them).
  std::printf(
      "apply took %.3f s; %d of %d runs killed; %d left a batch in flight; %d had "
      "finished\n",
      duration, killed, rounds, h.interrupted_in_flight(), h.already_done());
}

}  // namespace aud::applytest
