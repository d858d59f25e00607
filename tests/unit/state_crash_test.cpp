// Durability: a child process writing many batches is SIGKILLed at whatever
// instant it has reached; every batch is then either fully recorded with its
// serial bump and its journal entry done, or not recorded at all. The next
// process continues from there, and the invariants hold after every round.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <set>

#include "runtime/state/state.h"

// GCC 12 reports a false -Wrestrict inside std::string assignment once the
// loop below is inlined (GCC bug 105329); nothing here overlaps.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

namespace aud::state {
namespace {

namespace fs = std::filesystem;

constexpr int kKeysPerBatch = 20;
constexpr int kRemovesPerBatch = 5;

std::string Key(uint64_t batch, int j) {
  return "b" + std::to_string(batch) + "-" + std::to_string(j);
}

// Batch i (1-based) enters Key(i, 0..19), exits Key(i-1, 0..4) and updates
// Key(i-1, 5), so it always changes something and bumps the serial by one:
// after it, serial == i.
[[noreturn]] void WriteForever(const std::string& path, int notify_fd) {
  std::string error;
  auto s = State::Open(path, &error);
  if (!s) _exit(3);
  // What the killed writer left in flight is abandoned (apply would re-send it).
  for (const auto& e : s->JournalPending())
    if (!s->JournalSet(e.id, "failed", &error)) _exit(7);
  const JournalEntry base{0, "crash", "a", "d", 0, "", "{}", "pending", 0};
  for (uint64_t i = s->serial() + 1;; ++i) {
    JournalEntry e = base;
    e.batch = static_cast<uint32_t>(i);
    e.idempotency_key = "k" + std::to_string(i);
    int64_t id = s->JournalAdd(e, &error);
    if (id == 0) _exit(4);
    Confirmed c;
    c.audience = "a";
    c.destination = "d";
    c.now = static_cast<int64_t>(i);
    c.journal_id = id;
    for (int j = 0; j < kKeysPerBatch; ++j) c.upserts.push_back({Key(i, j), "h", false});
    if (i > 1) {
      c.upserts.push_back({Key(i - 1, 5), "h2", false});
      for (int j = 0; j < kRemovesPerBatch; ++j) c.removes.push_back(Key(i - 1, j));
    }
    if (!s->RecordBatch(c, &error)) _exit(5);
    char b = 'x';
    if (write(notify_fd, &b, 1) != 1) _exit(6);
  }
}

void CheckConsistent(const std::string& path) {
  std::string error;
  auto s = State::Open(path, &error);
  ASSERT_TRUE(s) << error;
  const uint64_t serial = s->serial();
  auto members = s->Members("a", "d");
  // Exactly the batches 1..serial are there, each one whole.
  uint64_t current = 0;
  for (uint64_t i = 1; i <= serial + 1; ++i) {
    for (int j = 0; j < kKeysPerBatch; ++j) {
      auto it = members.find(Key(i, j));
      if (i > serial) {
        EXPECT_TRUE(it == members.end()) << "batch " << i << " partly recorded, serial " << serial;
        continue;
      }
      ASSERT_TRUE(it != members.end()) << "batch " << i << " lost, serial " << serial;
      const Member& m = it->second;
      bool exited_by_next = j < kRemovesPerBatch && i + 1 <= serial;
      bool updated_by_next = j == kRemovesPerBatch && i + 1 <= serial;
      EXPECT_EQ(m.status, exited_by_next    ? MemberStatus::Exited
                          : updated_by_next ? MemberStatus::Existing
                                            : MemberStatus::Realized)
          << m.key << " serial " << serial;
      EXPECT_EQ(m.payload_hash, updated_by_next ? "h2" : "h") << m.key;
      EXPECT_EQ(m.entered_at, static_cast<int64_t>(i));
      if (m.status != MemberStatus::Exited) ++current;
    }
  }
  EXPECT_EQ(members.size(), serial * kKeysPerBatch);
  auto pubs = s->Publications();
  if (serial == 0) {
    EXPECT_TRUE(pubs.empty());
  } else {
    ASSERT_EQ(pubs.size(), 1u);
    EXPECT_EQ(pubs[0].members, current);
    EXPECT_EQ(pubs[0].updated_at, static_cast<int64_t>(serial));
  }
  // Journal: a done entry for every recorded batch, none for the others;
  // pending ones only for batches that never made it, failed ones abandoned.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT batch, status FROM journal", -1, &st, nullptr),
            SQLITE_OK);
  std::set<uint64_t> done;
  while (sqlite3_step(st) == SQLITE_ROW) {
    uint64_t batch = static_cast<uint64_t>(sqlite3_column_int64(st, 0));
    std::string status = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    if (status == "done") {
      EXPECT_TRUE(done.insert(batch).second) << "batch " << batch << " done twice";
      EXPECT_LE(batch, serial);
    } else if (status == "pending") {
      EXPECT_GT(batch, serial);  // in flight when the writer was killed
    } else {
      EXPECT_EQ(status, "failed");  // abandoned by the next writer
    }
  }
  sqlite3_finalize(st);
  EXPECT_EQ(done.size(), serial);
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "ok");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST(StateCrash, KilledWriterLeavesWholeBatchesOnly) {
  std::string tmpl = (fs::temp_directory_path() / "aud-state-crash-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string path = (fs::path(tmpl) / "state.db").string();
  uint64_t last_serial = 0;
  // The kill lands at many instants: after a varying number of acknowledged
  // batches plus a varying delay (fixed pseudo-random sequence), so it hits
  // the journal insert, the batch transaction and its commit.
  uint32_t rng = 12345;
  for (int round = 0; round < 20; ++round) {
    rng = rng * 1103515245u + 12345u;
    const int wait_for = static_cast<int>((rng >> 16) % 6);
    rng = rng * 1103515245u + 12345u;
    const useconds_t delay_us = (rng >> 16) % 6000;
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      WriteForever(path, fds[1]);
    }
    close(fds[1]);
    int seen = 0;
    char b;
    while (seen < wait_for && read(fds[0], &b, 1) == 1) ++seen;
    usleep(delay_us);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status)) << "writer exited early with " << WEXITSTATUS(status);
    ASSERT_EQ(seen, wait_for);
    CheckConsistent(path);
    if (HasFatalFailure()) break;
    std::string error;
    auto s = State::Open(path, &error);
    ASSERT_TRUE(s) << error;
    // Every acknowledged batch survived; the serial never goes back.
    EXPECT_GE(s->serial(), last_serial + static_cast<uint64_t>(wait_for));
    last_serial = s->serial();
  }
  EXPECT_GT(last_serial, 0u);
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

}  // namespace
}  // namespace aud::state

namespace aud::state {
namespace {

// Two processes writing at once queue on the busy timeout: no write fails,
// none is lost, and the serial counts every one of them exactly once.
TEST(StateConcurrency, TwoWritersSerialize) {
  std::string tmpl = (fs::temp_directory_path() / "aud-state-conc-XXXXXX").string();
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  const std::string path = (fs::path(tmpl) / "state.db").string();
  constexpr int kBatches = 40;
  std::vector<pid_t> kids;
  for (const char* dest : {"d1", "d2"}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::string error;
      // Both may create the file at the same moment.
      auto s = State::Open(path, &error);
      if (!s) _exit(3);
      for (int i = 0; i < kBatches; ++i) {
        Confirmed c;
        c.audience = "a";
        c.destination = dest;
        c.now = i + 1;
        c.upserts.push_back({"k" + std::to_string(i), "h", false});
        if (!s->RecordBatch(c, &error)) _exit(4);
        AudienceRecord a;
        a.name = dest;
        a.last_evaluated = i + 1;
        if (!s->RecordAudience(a, &error)) _exit(5);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  std::string error;
  auto s = State::Open(path, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_EQ(s->serial(), 4u * kBatches);
  EXPECT_EQ(s->Members("a", "d1").size(), static_cast<size_t>(kBatches));
  EXPECT_EQ(s->Members("a", "d2").size(), static_cast<size_t>(kBatches));
  EXPECT_EQ(s->Audiences().size(), 2u);
  std::error_code ec;
  fs::remove_all(tmpl, ec);
}

}  // namespace
}  // namespace aud::state
