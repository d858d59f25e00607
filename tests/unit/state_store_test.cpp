// Recorded state on SQLite: schema and lineage, serial rules, member status
// transitions, publications, audiences, the journal, and bad files refused.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/state/backend.h"
#include "runtime/state/read_error.h"
#include "runtime/state/state.h"
#include "runtime/state/uuid.h"

namespace aud::state {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class StateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud-state-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (fs::path(dir_) / "state.db").string();
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::unique_ptr<State> Open() {
    std::string error;
    auto s = State::Open(path_, &error);
    EXPECT_NE(s, nullptr) << error;
    EXPECT_EQ(error, "");
    return s;
  }
  // Runs SQL on the file behind the State's back (to simulate other writers).
  void RawSql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* msg = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(db);
  }
  std::string dir_, path_;
};

Confirmed Batch(const std::vector<std::string>& upserts, std::vector<std::string> removes,
                int64_t now, const std::string& hash = "h1") {
  Confirmed c;
  c.audience = "buyers";
  c.destination = "crm";
  for (auto& k : upserts) c.upserts.push_back({k, hash, false});
  c.removes = std::move(removes);
  c.now = now;
  return c;
}

// `aud serve`'s partial plans read some keys' records and count members.
TEST_F(StateTest, MembersInAndMemberCount) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  EXPECT_TRUE(s->MembersIn("buyers", "crm", {"k1"}).empty()) << "no publication yet";
  EXPECT_EQ(s->MemberCount("buyers", "crm"), 0u);
  ASSERT_TRUE(s->RecordBatch(Batch({"k1", "k2", "k3"}, {}, 100), &error)) << error;
  ASSERT_TRUE(s->RecordBatch(Batch({}, {"k2"}, 200), &error)) << error;
  auto some = s->MembersIn("buyers", "crm", {"k1", "k2", "nope"});
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some["k1"].key, "k1");
  EXPECT_EQ(some["k1"].payload_hash, "h1");
  EXPECT_EQ(some["k1"].status, MemberStatus::Realized);
  EXPECT_EQ(some["k2"].status, MemberStatus::Exited) << "exited records are records";
  auto all = s->Members("buyers", "crm");
  EXPECT_EQ(some["k1"].entered_at, all["k1"].entered_at);
  EXPECT_EQ(some["k2"].updated_at, all["k2"].updated_at);
  EXPECT_EQ(s->MemberCount("buyers", "crm"), 2u) << "k1 and k3";
  EXPECT_TRUE(s->MembersIn("buyers", "other", {"k1"}).empty());
}

TEST_F(StateTest, CreatesSchemaAndLineageStableAcrossReopen) {
  std::string lineage;
  {
    auto s = Open();
    ASSERT_TRUE(s);
    lineage = s->lineage();
    EXPECT_TRUE(LooksLikeUuid(lineage)) << lineage;
    EXPECT_EQ(lineage[14], '4');                                          // version 4
    EXPECT_NE(std::string("89ab").find(lineage[19]), std::string::npos);  // RFC variant
    EXPECT_EQ(s->serial(), 0u);
    EXPECT_TRUE(s->Audiences().empty());
    EXPECT_TRUE(s->Publications().empty());
    EXPECT_TRUE(s->JournalPending().empty());
    EXPECT_FALSE(s->CurrentLock());
  }
  EXPECT_TRUE(fs::exists(path_));
  auto again = Open();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->lineage(), lineage);
  EXPECT_EQ(again->serial(), 0u);

  // Another state file has another lineage.
  std::string error;
  auto other = State::Open((fs::path(dir_) / "other.db").string(), &error);
  ASSERT_TRUE(other) << error;
  EXPECT_NE(other->lineage(), lineage);
}

TEST_F(StateTest, UsesWalAndSchemaVersion) {
  { ASSERT_TRUE(Open()); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "wal");
  sqlite3_finalize(st);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT version FROM schema_version", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(StateTest, MissingFolderIsAnError) {
  std::string error;
  auto s = State::Open((fs::path(dir_) / "no" / "such" / "state.db").string(), &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(error.find("cannot open state"), std::string::npos) << error;
}

TEST_F(StateTest, DirectoryIsAnError) {
  std::string error;
  auto s = State::Open(dir_, &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(error.find(dir_), std::string::npos) << error;
}

TEST_F(StateTest, NewerSchemaVersionRefused) {
  { ASSERT_TRUE(Open()); }
  RawSql("UPDATE schema_version SET version = 7");
  std::string error;
  auto s = State::Open(path_, &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(error.find("schema version 7, newer than this aud supports (1)"), std::string::npos)
      << error;
}

TEST_F(StateTest, GarbageFileRefused) {
  {
    std::ofstream out(path_, std::ios::binary);
    for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 7919 + 13) & 0xff));
  }
  std::string error;
  auto s = State::Open(path_, &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(error.find("is not a valid aud state database"), std::string::npos) << error;
}

TEST_F(StateTest, TruncatedDatabaseRefused) {
  {
    auto s = Open();
    ASSERT_TRUE(s);
    std::string error;
    ASSERT_TRUE(s->RecordBatch(Batch({"a", "b"}, {}, 1), &error)) << error;
  }
  // Keep the SQLite header, smash everything after it.
  std::string bytes;
  {
    std::ifstream in(path_, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  fs::remove(path_ + "-wal");
  fs::remove(path_ + "-shm");
  ASSERT_GT(bytes.size(), 200u);
  for (size_t i = 100; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5);
  {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  std::string error;
  auto s = State::Open(path_, &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_FALSE(error.empty());
}

TEST_F(StateTest, ForeignSqliteDatabaseRefused) {
  RawSql("CREATE TABLE t (x INTEGER)");
  std::string error;
  auto s = State::Open(path_, &error);
  EXPECT_EQ(s, nullptr);
  EXPECT_NE(error.find("not an aud state file"), std::string::npos) << error;
}

TEST_F(StateTest, EmptyFileBecomesState) {
  { std::ofstream out(path_); }
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_TRUE(LooksLikeUuid(s->lineage()));
}

TEST_F(StateTest, StatusTransitions) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  // realized: entered in this change.
  ASSERT_TRUE(s->RecordBatch(Batch({"k1", "k2"}, {}, 100), &error)) << error;
  auto m = s->Members("buyers", "crm");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m["k1"].status, MemberStatus::Realized);
  EXPECT_EQ(m["k1"].entered_at, 100);
  EXPECT_EQ(m["k1"].updated_at, 100);
  EXPECT_EQ(m["k1"].payload_hash, "h1");
  ASSERT_EQ(s->Publications().size(), 1u);
  EXPECT_EQ(s->Publications()[0].members, 2u);
  EXPECT_EQ(s->Publications()[0].created_at, 100);

  // existing: updated while a member; entered_at is kept.
  ASSERT_TRUE(s->RecordBatch(Batch({"k1"}, {}, 200, "h2"), &error)) << error;
  m = s->Members("buyers", "crm");
  EXPECT_EQ(m["k1"].status, MemberStatus::Existing);
  EXPECT_EQ(m["k1"].payload_hash, "h2");
  EXPECT_EQ(m["k1"].entered_at, 100);
  EXPECT_EQ(m["k1"].updated_at, 200);
  EXPECT_EQ(m["k2"].status, MemberStatus::Realized);
  EXPECT_EQ(s->Publications()[0].members, 2u);

  // exited: kept as history, no longer counted.
  ASSERT_TRUE(s->RecordBatch(Batch({}, {"k1"}, 300), &error)) << error;
  m = s->Members("buyers", "crm");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m["k1"].status, MemberStatus::Exited);
  EXPECT_EQ(m["k1"].updated_at, 300);
  EXPECT_EQ(m["k1"].payload_hash, "h2");
  EXPECT_EQ(s->Publications()[0].members, 1u);

  // realized again: re-entered, entered_at moves.
  ASSERT_TRUE(s->RecordBatch(Batch({"k1"}, {}, 400, "h3"), &error)) << error;
  m = s->Members("buyers", "crm");
  EXPECT_EQ(m["k1"].status, MemberStatus::Realized);
  EXPECT_EQ(m["k1"].entered_at, 400);
  EXPECT_EQ(m["k1"].updated_at, 400);
  EXPECT_EQ(m["k1"].payload_hash, "h3");
  EXPECT_EQ(s->Publications()[0].members, 2u);
  EXPECT_EQ(s->serial(), 4u);
}

TEST_F(StateTest, VisitorFlagAndUnknownPublication) {
  auto s = Open();
  ASSERT_TRUE(s);
  Confirmed c = Batch({}, {}, 5);
  c.upserts.push_back({"anon-1", "p", true});
  std::string error;
  ASSERT_TRUE(s->RecordBatch(c, &error)) << error;
  auto m = s->Members("buyers", "crm");
  EXPECT_TRUE(m["anon-1"].visitor);
  EXPECT_TRUE(s->Members("buyers", "other").empty());
  EXPECT_TRUE(s->Members("nobody", "crm").empty());
}

TEST_F(StateTest, DuplicateKeyInOneBatchStaysRealized) {
  auto s = Open();
  ASSERT_TRUE(s);
  Confirmed c = Batch({"k", "k"}, {}, 10);
  c.upserts[1].payload_hash = "last";
  std::string error;
  ASSERT_TRUE(s->RecordBatch(c, &error)) << error;
  auto m = s->Members("buyers", "crm");
  EXPECT_EQ(m["k"].status, MemberStatus::Realized);
  EXPECT_EQ(m["k"].payload_hash, "last");
  EXPECT_EQ(s->Publications()[0].members, 1u);
  EXPECT_EQ(s->serial(), 1u);
}

TEST_F(StateTest, SerialBumpRules) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  // An empty batch and removes of unknown keys change nothing.
  ASSERT_TRUE(s->RecordBatch(Batch({}, {}, 1), &error)) << error;
  ASSERT_TRUE(s->RecordBatch(Batch({}, {"ghost"}, 1), &error)) << error;
  EXPECT_EQ(s->serial(), 0u);
  EXPECT_TRUE(s->Publications().empty());  // nothing to create a publication for

  // A batch with rows: exactly +1, however many rows.
  ASSERT_TRUE(s->RecordBatch(Batch({"a", "b", "c"}, {}, 2), &error)) << error;
  EXPECT_EQ(s->serial(), 1u);
  ASSERT_TRUE(s->RecordBatch(Batch({"d"}, {"a", "ghost"}, 3), &error)) << error;
  EXPECT_EQ(s->serial(), 2u);
  // Removing an already exited key is no change.
  ASSERT_TRUE(s->RecordBatch(Batch({}, {"a"}, 4), &error)) << error;
  EXPECT_EQ(s->serial(), 2u);

  // Audiences: a change bumps, the identical record does not.
  AudienceRecord a;
  a.name = "buyers";
  a.definition_hash = "d1";
  a.labels = {"pii", "marketing"};
  a.refresh = "every 1d";
  a.last_evaluated = 10;
  ASSERT_TRUE(s->RecordAudience(a, &error)) << error;
  EXPECT_EQ(s->serial(), 3u);
  ASSERT_TRUE(s->RecordAudience(a, &error)) << error;
  EXPECT_EQ(s->serial(), 3u);
  a.last_published = 11;
  ASSERT_TRUE(s->RecordAudience(a, &error)) << error;
  EXPECT_EQ(s->serial(), 4u);

  // Publications: likewise.
  PublicationRecord p;
  p.audience = "buyers";
  p.destination = "crm";
  p.definition_hash = "d1";
  p.labels = {"pii"};
  p.updated_at = 20;
  ASSERT_TRUE(s->RecordPublication(p, &error)) << error;
  EXPECT_EQ(s->serial(), 5u);
  ASSERT_TRUE(s->RecordPublication(p, &error)) << error;
  EXPECT_EQ(s->serial(), 5u);

  // Journal writes and lock changes never bump.
  JournalEntry e;
  e.plan_id = "p";
  e.audience = "buyers";
  e.destination = "crm";
  int64_t id = s->JournalAdd(e, &error);
  ASSERT_GT(id, 0) << error;
  ASSERT_TRUE(s->JournalSet(id, "failed", &error)) << error;
  LockInfo got, holder;
  ASSERT_TRUE(s->Lock("apply", &got, &holder, &error)) << error;
  s->Unlock(got.id);
  EXPECT_EQ(s->serial(), 5u);

  // Dropping: +1 when something was there, nothing otherwise.
  ASSERT_TRUE(s->DropPublication("buyers", "crm", &error)) << error;
  EXPECT_EQ(s->serial(), 6u);
  EXPECT_TRUE(s->Members("buyers", "crm").empty());
  EXPECT_TRUE(s->Publications().empty());
  ASSERT_TRUE(s->DropPublication("buyers", "crm", &error)) << error;
  EXPECT_EQ(s->serial(), 6u);

  // The serial is durable.
  s.reset();
  EXPECT_EQ(Open()->serial(), 6u);
}

TEST_F(StateTest, SerialSeenAcrossConnections) {
  auto a = Open();
  auto b = Open();
  ASSERT_TRUE(a && b);
  std::string error;
  ASSERT_TRUE(a->RecordBatch(Batch({"x"}, {}, 1), &error)) << error;
  EXPECT_EQ(b->serial(), 1u);
  EXPECT_EQ(b->Members("buyers", "crm").size(), 1u);
}

TEST_F(StateTest, AudiencesAndPublicationsRecords) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  for (std::string name : {"zeta", "alpha"}) {
    AudienceRecord a;
    a.name = name;
    a.definition_hash = "def-" + name;
    a.labels = {"b", "a", "b"};
    a.refresh = "once";
    a.last_evaluated = 1;
    a.last_published = 2;
    ASSERT_TRUE(s->RecordAudience(a, &error)) << error;
  }
  auto all = s->Audiences();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "alpha");
  EXPECT_EQ(all[1].name, "zeta");
  EXPECT_EQ(all[0].labels, (std::vector<std::string>{"a", "b"}));
  auto one = s->Audience("zeta");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->definition_hash, "def-zeta");
  EXPECT_EQ(one->refresh, "once");
  EXPECT_EQ(one->last_evaluated, 1);
  EXPECT_EQ(one->last_published, 2);
  EXPECT_FALSE(s->Audience("nope"));

  // Sorted by (audience, destination); members counted by RecordBatch only.
  for (auto [aud, dest] : {std::pair{"b", "y"}, {"a", "z"}, {"b", "x"}}) {
    PublicationRecord p;
    p.audience = aud;
    p.destination = dest;
    p.definition_hash = "h";
    p.labels = {"l2", "l1"};
    p.created_at = 5;
    p.updated_at = 6;
    p.members = 99;  // ignored: the count follows the member records
    ASSERT_TRUE(s->RecordPublication(p, &error)) << error;
  }
  auto pubs = s->Publications();
  ASSERT_EQ(pubs.size(), 3u);
  EXPECT_EQ(pubs[0].audience + pubs[0].destination, "az");
  EXPECT_EQ(pubs[1].audience + pubs[1].destination, "bx");
  EXPECT_EQ(pubs[2].audience + pubs[2].destination, "by");
  EXPECT_EQ(pubs[0].members, 0u);
  EXPECT_EQ(pubs[0].labels, (std::vector<std::string>{"l1", "l2"}));
  EXPECT_EQ(pubs[0].created_at, 5);

  // An update keeps created_at and the member count.
  Confirmed c;
  c.audience = "a";
  c.destination = "z";
  c.upserts = {{"k", "p", false}};
  c.now = 7;
  ASSERT_TRUE(s->RecordBatch(c, &error)) << error;
  PublicationRecord p;
  p.audience = "a";
  p.destination = "z";
  p.definition_hash = "h2";
  p.created_at = 50;
  p.updated_at = 60;
  ASSERT_TRUE(s->RecordPublication(p, &error)) << error;
  pubs = s->Publications();
  EXPECT_EQ(pubs[0].definition_hash, "h2");
  EXPECT_EQ(pubs[0].created_at, 5);
  EXPECT_EQ(pubs[0].updated_at, 60);
  EXPECT_EQ(pubs[0].members, 1u);
  EXPECT_TRUE(pubs[0].labels.empty());
}

TEST_F(StateTest, Journal) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  std::vector<int64_t> ids;
  for (uint32_t b = 0; b < 3; ++b) {
    JournalEntry e;
    e.plan_id = "plan-1";
    e.audience = "buyers";
    e.destination = "crm";
    e.batch = b;
    e.idempotency_key = "idem-" + std::to_string(b);
    e.payload = R"({"enter":["k"]})";
    e.created_at = 1000 + b;
    int64_t id = s->JournalAdd(e, &error);
    ASSERT_GT(id, 0) << error;
    ids.push_back(id);
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  auto pending = s->JournalPending();
  ASSERT_EQ(pending.size(), 3u);
  EXPECT_EQ(pending[1].id, ids[1]);
  EXPECT_EQ(pending[1].plan_id, "plan-1");
  EXPECT_EQ(pending[1].batch, 1u);
  EXPECT_EQ(pending[1].idempotency_key, "idem-1");
  EXPECT_EQ(pending[1].payload, R"({"enter":["k"]})");
  EXPECT_EQ(pending[1].status, "pending");
  EXPECT_EQ(pending[1].created_at, 1001);

  ASSERT_TRUE(s->JournalSet(ids[0], "failed", &error)) << error;
  // RecordBatch marks its journal entry done in the same transaction.
  Confirmed c = Batch({"k"}, {}, 5);
  c.journal_id = ids[1];
  ASSERT_TRUE(s->RecordBatch(c, &error)) << error;
  pending = s->JournalPending();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].id, ids[2]);

  // Bad status and unknown ids are errors.
  EXPECT_FALSE(s->JournalSet(ids[2], "bogus", &error));
  EXPECT_NE(error.find("invalid journal status"), std::string::npos);
  EXPECT_FALSE(s->JournalSet(424242, "done", &error));
  EXPECT_NE(error.find("no journal entry 424242"), std::string::npos);
  JournalEntry bad;
  bad.status = "weird";
  EXPECT_EQ(s->JournalAdd(bad, &error), 0);

  // A batch naming an unknown journal entry writes nothing.
  uint64_t before = s->serial();
  Confirmed ghost = Batch({"new-key"}, {}, 6);
  ghost.journal_id = 999999;
  EXPECT_FALSE(s->RecordBatch(ghost, &error));
  EXPECT_NE(error.find("no journal entry 999999"), std::string::npos);
  EXPECT_EQ(s->serial(), before);
  EXPECT_EQ(s->Members("buyers", "crm").count("new-key"), 0u);
}

TEST_F(StateTest, ArbitraryBytesInKeysRoundTrip) {
  auto s = Open();
  ASSERT_TRUE(s);
  static const char kWeird[] = "a\0b'\"; DROP TABLE members; --\xff";
  std::string weird(kWeird, sizeof kWeird - 1);  // with the embedded NUL
  Confirmed c = Batch({weird, ""}, {}, 1);
  std::string error;
  ASSERT_TRUE(s->RecordBatch(c, &error)) << error;
  auto m = s->Members("buyers", "crm");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m.count(weird), 1u);
  EXPECT_EQ(m[weird].key, weird);
}

TEST_F(StateTest, WriteWaitsForAnotherWriter) {
  auto s = Open();
  ASSERT_TRUE(s);
  // Another connection holds the write lock; our write waits on the busy
  // timeout instead of failing, and lands once the other commits.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::thread other([db] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  });
  std::string error;
  EXPECT_TRUE(s->RecordBatch(Batch({"k"}, {}, 1), &error)) << error;
  other.join();
  sqlite3_close(db);
  EXPECT_EQ(s->serial(), 1u);
}

TEST_F(StateTest, FailedReadsAreReported) {
  auto s = Open();
  ASSERT_TRUE(s);
  std::string error;
  ASSERT_TRUE(s->RecordBatch(Batch({"k"}, {}, 1), &error)) << error;
  EXPECT_EQ(s->Members("buyers", "crm").size(), 1u);
  EXPECT_EQ(TakeReadError(s.get()), "");
  // Damage the file behind the State's back: reads come back empty, and the
  // caller can tell that apart from an empty state.
  RawSql("DROP TABLE members; DROP TABLE journal");
  EXPECT_TRUE(s->Members("buyers", "crm").empty());
  std::string read_error = TakeReadError(s.get());
  EXPECT_NE(read_error.find("no such table: members"), std::string::npos) << read_error;
  EXPECT_EQ(TakeReadError(s.get()), "");
  EXPECT_TRUE(s->JournalPending().empty());
  EXPECT_NE(TakeReadError(s.get()).find("journal"), std::string::npos);
  // Writes fail with text and leave the serial alone.
  EXPECT_FALSE(s->RecordBatch(Batch({"x"}, {}, 2), &error));
  EXPECT_NE(error.find("no such table"), std::string::npos) << error;
  EXPECT_EQ(s->serial(), 1u);
}

TEST_F(StateTest, NullOutParametersAreAllowed) {
  auto s = Open();
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->RecordBatch(Batch({"k"}, {}, 1), nullptr));
  EXPECT_FALSE(s->JournalSet(77, "done", nullptr));
  EXPECT_EQ(s->JournalAdd(JournalEntry{0, "", "", "", 0, "", "", "nope", 0}, nullptr), 0);
  EXPECT_TRUE(s->Lock("apply", nullptr, nullptr, nullptr));
  EXPECT_FALSE(s->Lock("apply", nullptr, nullptr, nullptr));  // held by us
  ASSERT_TRUE(s->CurrentLock());
  EXPECT_TRUE(s->ForceUnlock(s->CurrentLock()->id));
  EXPECT_EQ(State::Open((fs::path(dir_) / "x" / "y.db").string(), nullptr), nullptr);
}

TEST(StateBackend, SqliteAndPostgresSupported) {
  std::string msg;
  EXPECT_TRUE(BackendSupported("sqlite", &msg));
  EXPECT_TRUE(BackendSupported("", &msg));
  EXPECT_TRUE(BackendSupported("postgres", &msg));
  EXPECT_FALSE(BackendSupported("mysql", &msg));
  EXPECT_NE(msg.find("unknown state backend `mysql` (expected `sqlite` or `postgres`)"),
            std::string::npos)
      << msg;
  EXPECT_TRUE(ValidSchemaName("aud"));
  EXPECT_TRUE(ValidSchemaName("_team_2"));
  EXPECT_FALSE(ValidSchemaName(""));
  EXPECT_FALSE(ValidSchemaName("Aud"));
  EXPECT_FALSE(ValidSchemaName("2aud"));
  EXPECT_FALSE(ValidSchemaName("aud; DROP"));
  EXPECT_FALSE(ValidSchemaName(std::string(64, 'a')));
}

TEST(StateBackend, PostgresWithoutDsnOrWithBadSchemaIsAnErrorNamingNoSecret) {
  Location where;
  where.backend = "postgres";
  where.dsn_env = "X_DSN";
  where.project = "p";
  std::string error;
  bool missing = true;
  EXPECT_EQ(OpenLocation(where, &error, &missing), nullptr);
  EXPECT_FALSE(missing);
  EXPECT_NE(error.find("the `dsn` is empty (set $X_DSN)"), std::string::npos) << error;
  where.dsn = "host=127.0.0.1 password=Secr3t-value oops";
  EXPECT_EQ(OpenLocation(where, &error, &missing), nullptr);
  EXPECT_NE(error.find("is not a PostgreSQL connection string"), std::string::npos) << error;
  EXPECT_EQ(error.find("Secr3t-value"), std::string::npos) << error;
  where.schema = "Bad-Schema";
  EXPECT_EQ(OpenLocation(where, &error, &missing), nullptr);
  EXPECT_NE(error.find("`[state] schema` must be"), std::string::npos) << error;
}

TEST(StateUuid, FreshAndWellFormed) {
  std::string a, b, error;
  ASSERT_TRUE(NewUuid(&a, &error)) << error;
  ASSERT_TRUE(NewUuid(&b, &error)) << error;
  EXPECT_NE(a, b);
  EXPECT_TRUE(LooksLikeUuid(a));
  EXPECT_FALSE(LooksLikeUuid("not-a-uuid"));
  EXPECT_FALSE(LooksLikeUuid("zzzzzzzz-zzzz-4zzz-8zzz-zzzzzzzzzzzz"));
}

}  // namespace
}  // namespace aud::state
