// The PostgreSQL test harness itself (tests/support/pg_server.h): a real
// server starts, accepts its superuser's password and refuses a wrong one,
// survives a stop and restart, and leaves nothing behind.

#include "tests/support/pg_server.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

namespace aud::testing {
namespace {

TEST(PgServer, StartsQueriesAndStops) {
  std::string error;
  std::string dir;
  {
    auto pg = PgServer::Start(&error);
    ASSERT_TRUE(pg) << error;
    dir = pg->dir();
    auto rows = pg->Query(
        "SELECT current_user, split_part(current_setting('server_version'), '.', 1)", &error);
    ASSERT_EQ(rows.size(), 1u) << error;
    EXPECT_EQ(rows[0][0], "aud_admin");
    EXPECT_EQ(rows[0][1], "15");

    ASSERT_TRUE(pg->CreateRole("analyst", "s3cret", &error)) << error;
    ASSERT_TRUE(pg->CreateDatabase("team", &error)) << error;
    ASSERT_TRUE(pg->Exec("CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)", &error, "team"))
        << error;
    EXPECT_EQ(pg->Query("SELECT count(*) FROM t", &error, "team")[0][0], "2");

    ASSERT_TRUE(pg->Stop(&error)) << error;
    EXPECT_TRUE(pg->Query("SELECT 1", &error).empty());
    EXPECT_FALSE(error.empty());
    ASSERT_TRUE(pg->Restart(&error)) << error;
    EXPECT_EQ(pg->Query("SELECT count(*) FROM t", &error, "team")[0][0], "2");
  }
  EXPECT_FALSE(std::filesystem::exists(dir));
}

// A test process killed without running destructors (SIGKILL, a ctest
// timeout) must not leave its server running: the watchdog stops it.
TEST(PgServer, AKilledTestLeavesNoServerBehind) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    std::string error;
    auto pg = PgServer::Start(&error);
    std::string line = pg ? pg->dir() + "\n" : "\n";
    if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(2);
    ::pause();  // killed here, destructors never run
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string dir;
  char c;
  while (::read(fds[0], &c, 1) == 1 && c != '\n') dir += c;
  ::close(fds[0]);
  ASSERT_FALSE(dir.empty()) << "the child could not start a server";
  ASSERT_TRUE(std::filesystem::exists(dir + "/data/postmaster.pid"));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  for (int i = 0; i < 300 && std::filesystem::exists(dir); ++i) ::usleep(100 * 1000);
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the watchdog did not clean up " << dir;
}

TEST(PgServer, WrongPasswordIsRefused) {
  std::string error;
  auto pg = PgServer::Start(&error);
  ASSERT_TRUE(pg) << error;
  ASSERT_TRUE(pg->CreateRole("analyst", "right", &error)) << error;
  EXPECT_TRUE(PgServer::Connects(pg->Dsn("analyst", "right"), &error)) << error;
  EXPECT_FALSE(PgServer::Connects(pg->Dsn("analyst", "wrong"), &error));
  EXPECT_NE(error.find("password authentication failed"), std::string::npos) << error;
  // A role without privileges cannot create a table in a schema it does not own.
  ASSERT_TRUE(pg->Exec("CREATE SCHEMA locked", &error)) << error;
  EXPECT_FALSE(
      PgServer::ExecAs(pg->Dsn("analyst", "right"), "CREATE TABLE locked.t (x int)", &error));
  EXPECT_NE(error.find("permission denied"), std::string::npos) << error;
}

}  // namespace
}  // namespace aud::testing
