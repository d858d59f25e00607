// The state lock across processes: a live holder (a forked child) is refused,
// a SIGKILLed holder's lock is reclaimed, re-entrant use is refused, a lock
// from another host is never reclaimed, force-unlock needs the right id.

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "runtime/state/state.h"

namespace aud::state {
namespace {

namespace fs = std::filesystem;

class StateLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "aud-state-lock-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (fs::path(dir_) / "state.db").string();
    std::string error;
    ASSERT_TRUE(State::Open(path_, &error)) << error;  // the file exists before forking
  }
  void TearDown() override {
    if (child_ > 0) {
      kill(child_, SIGKILL);
      waitpid(child_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Forks a child that opens the state, takes the lock, writes its lock id
  // (36 bytes, or "ERROR...") to a pipe and then waits until the parent
  // closes the other pipe (or kills it). Returns the child's lock id.
  std::string SpawnHolder() {
    int up[2], down[2];
    EXPECT_EQ(pipe(up), 0);
    EXPECT_EQ(pipe(down), 0);
    pid_t pid = fork();
    if (pid == 0) {
      close(up[0]);
      close(down[1]);
      std::string error;
      auto s = State::Open(path_, &error);
      LockInfo got, holder;
      std::string msg;
      if (!s || !s->Lock("apply", &got, &holder, &error)) {
        msg = "ERROR " + error;
        msg.resize(36, ' ');
      } else {
        msg = got.id;
      }
      if (write(up[1], msg.data(), msg.size()) != static_cast<ssize_t>(msg.size())) _exit(2);
      char c;
      while (read(down[0], &c, 1) > 0) {
      }
      _exit(0);  // leaves the lock behind: its holder is then dead
    }
    close(up[1]);
    close(down[0]);
    child_ = pid;
    release_fd_ = down[1];
    char buf[36];
    size_t got = 0;
    while (got < sizeof buf) {
      ssize_t r = read(up[0], buf + got, sizeof buf - got);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    close(up[0]);
    return std::string(buf, got);
  }
  void KillHolder() {
    ASSERT_GT(child_, 0);
    kill(child_, SIGKILL);
    int status = 0;
    waitpid(child_, &status, 0);
    EXPECT_TRUE(WIFSIGNALED(status));
    child_ = -1;
    close(release_fd_);
  }

  std::string dir_, path_;
  pid_t child_ = -1;
  int release_fd_ = -1;
};

TEST_F(StateLockTest, LiveHolderRefusedDeadHolderReclaimed) {
  std::string child_id = SpawnHolder();
  ASSERT_EQ(child_id.size(), 36u);
  ASSERT_EQ(child_id.rfind("ERROR", 0), std::string::npos) << child_id;

  std::string error;
  auto s = State::Open(path_, &error);
  ASSERT_TRUE(s) << error;
  auto current = s->CurrentLock();
  ASSERT_TRUE(current);
  EXPECT_EQ(current->id, child_id);
  EXPECT_EQ(current->pid, child_);
  EXPECT_EQ(current->operation, "apply");
  EXPECT_NE(current->who.find('@'), std::string::npos);
  EXPECT_GT(current->created_at, 0);

  LockInfo got, holder;
  EXPECT_FALSE(s->Lock("plan", &got, &holder, &error));
  EXPECT_EQ(holder.id, child_id);
  EXPECT_EQ(holder.pid, child_);
  EXPECT_EQ(holder.operation, "apply");
  EXPECT_NE(error.find("state is locked by"), std::string::npos) << error;
  EXPECT_NE(error.find(child_id), std::string::npos) << error;
  EXPECT_EQ(s->CurrentLock()->id, child_id);

  KillHolder();
  error.clear();
  ASSERT_TRUE(s->Lock("plan", &got, &holder, &error)) << error;
  EXPECT_NE(got.id, child_id);
  EXPECT_EQ(got.pid, getpid());
  EXPECT_EQ(got.operation, "plan");
  EXPECT_EQ(s->CurrentLock()->id, got.id);
  s->Unlock(got.id);
  EXPECT_FALSE(s->CurrentLock());
}

TEST_F(StateLockTest, ReentrantLockRefused) {
  std::string error;
  auto s = State::Open(path_, &error);
  ASSERT_TRUE(s) << error;
  LockInfo first, second, holder;
  ASSERT_TRUE(s->Lock("apply", &first, &holder, &error)) << error;
  EXPECT_FALSE(s->Lock("apply", &second, &holder, &error));
  EXPECT_EQ(holder.id, first.id);
  // Also through a second connection of the same process.
  auto other = State::Open(path_, &error);
  ASSERT_TRUE(other) << error;
  EXPECT_FALSE(other->Lock("plan", &second, &holder, &error));
  EXPECT_EQ(holder.id, first.id);
}

TEST_F(StateLockTest, ForceUnlockNeedsTheRightId) {
  std::string child_id = SpawnHolder();
  ASSERT_EQ(child_id.size(), 36u);
  std::string error;
  auto s = State::Open(path_, &error);
  ASSERT_TRUE(s) << error;
  EXPECT_FALSE(s->ForceUnlock("00000000-0000-4000-8000-000000000000"));
  EXPECT_FALSE(s->ForceUnlock(""));
  ASSERT_TRUE(s->CurrentLock());
  EXPECT_TRUE(s->ForceUnlock(child_id));
  EXPECT_FALSE(s->CurrentLock());
  EXPECT_FALSE(s->ForceUnlock(child_id));  // already gone
  // Now free even though the child still lives.
  LockInfo got, holder;
  ASSERT_TRUE(s->Lock("apply", &got, &holder, &error)) << error;
  // Unlock with a stale id leaves the current lock alone.
  s->Unlock(child_id);
  EXPECT_EQ(s->CurrentLock()->id, got.id);
}

TEST_F(StateLockTest, OtherHostNeverReclaimedAndBadPidReclaimed) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO lock (slot, id, operation, who, pid, pid_start, created_at)"
                         " VALUES (1, 'remote-id', 'apply', 'ci@some-other-host.invalid', 1, 0, 5)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  std::string error;
  auto s = State::Open(path_, &error);
  ASSERT_TRUE(s) << error;
  LockInfo got, holder;
  EXPECT_FALSE(s->Lock("apply", &got, &holder, &error));
  EXPECT_EQ(holder.id, "remote-id");
  EXPECT_EQ(holder.who, "ci@some-other-host.invalid");
  EXPECT_NE(error.find("another host"), std::string::npos) << error;

  // Same host with a pid that cannot be a process: reclaimed.
  auto current = s->CurrentLock();
  ASSERT_TRUE(current);
  ASSERT_TRUE(s->ForceUnlock("remote-id"));
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  std::string sql = std::string(
                        "INSERT INTO lock (slot, id, operation, who, pid, pid_start, "
                        "created_at) VALUES (1, 'bad-pid', 'apply', 'x@") +
                    host + "', 0, 0, 5)";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  ASSERT_TRUE(s->Lock("apply", &got, &holder, &error)) << error;
  EXPECT_NE(got.id, "bad-pid");
}

TEST_F(StateLockTest, ReusedPidWithAnotherStartTimeReclaimed) {
  // Our own pid, recorded with a start time that is not ours: the process
  // holding the pid now is not the one that took the lock.
  if (!fs::exists("/proc/self/stat")) GTEST_SKIP() << "no /proc";
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  std::string sql = std::string(
                        "INSERT INTO lock (slot, id, operation, who, pid, pid_start, "
                        "created_at) VALUES (1, 'stale', 'apply', 'x@") +
                    host + "', " + std::to_string(getpid()) + ", 1, 5)";
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  std::string error;
  auto s = State::Open(path_, &error);
  ASSERT_TRUE(s) << error;
  LockInfo got, holder;
  ASSERT_TRUE(s->Lock("apply", &got, &holder, &error)) << error;
  EXPECT_NE(got.id, "stale");
}

}  // namespace
}  // namespace aud::state
