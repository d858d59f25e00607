// The built-in profile store on PostgreSQL (issue 13, item 3), against a
// real server: `[connections.profile_store] dsn` puts its tables in the
// schema `aud_profiles` (no `.aud/profiles.db`), `aud profile show` reads
// them, the plan reads its memberships back and repairs drift, an
// environment gets its own schema, and the DSN's password never shows.

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "tests/plan/apply_harness_test.h"
#include "tests/support/pg_server.h"

namespace aud::applytest {
namespace {

using aud::testing::PgServer;

TEST(ProfileStorePostgres, StoreShowDriftAndEnvironments) {
  std::string error;
  auto pg = PgServer::Start(&error);
  ASSERT_TRUE(pg) << error;
  std::random_device rd;
  const std::string password = "ps" + std::to_string(rd()) + "q" + std::to_string(rd());
  ASSERT_TRUE(pg->CreateRole("aud_store", password, &error)) << error;
  ASSERT_TRUE(pg->Exec("GRANT CREATE ON DATABASE postgres TO aud_store", &error)) << error;
  const std::map<std::string, std::string> env = {
      {"AUD_TEST_STORE_DSN", pg->Dsn("aud_store", password)}};

  TempDir d("aud-pg-store");
  WriteProject(d, 40, 0);
  d.Write("aud.toml", std::string(kToml) +
                          "\n[connections.profile_store]\ntype = \"profile_store\"\n"
                          "dsn = { env = \"AUD_TEST_STORE_DSN\" }\n\n"
                          "[env.staging.connections.files]\ndir = \"exports/staging\"\n");
  std::vector<RunResult> runs;
  auto aud = [&](const std::vector<std::string>& args) {
    runs.push_back(RunAud(d.path(), args, env));
    return runs.back();
  };
  RunResult r = aud({"apply", "--as-of", kAsOf, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(d.Exists(".aud/profiles.db"));
  auto members = [&](const std::string& schema) {
    std::map<std::string, int64_t> m;
    std::string e;
    for (const auto& row :
         pg->Query("SELECT profile, (attributes::jsonb->>'points')::bigint FROM " + schema +
                       ".memberships WHERE status <> 'exited'",
                   &e))
      m[row[0]] = std::stoll(row[1]);
    EXPECT_TRUE(e.empty()) << e;
    return m;
  };
  EXPECT_EQ(members("aud_profiles"), Desired(40, 0));

  // `aud profile show` reads PostgreSQL.
  r = aud({"profile", "show", "u00001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("profile u00001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("user_id  u00001  declared"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tier   \"gold\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gold  realized"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("attributes: {\"points\":10}"), std::string::npos) << r.out;

  // Drift: a membership removed and one changed behind aud's back.
  ASSERT_TRUE(
      pg->Exec("DELETE FROM aud_profiles.memberships WHERE profile = 'u00001';"
               "UPDATE aud_profiles.memberships SET attributes = '{\"points\":7}' "
               "WHERE profile = 'u00002'",
               &error))
      << error;
  r = aud({"plan", "--as-of", kAsOf});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("! missing: u00001"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("! changed: u00002"), std::string::npos) << r.out;
  ASSERT_EQ(aud({"apply", "--as-of", kAsOf, "--auto-approve"}).exit_code, 0);
  EXPECT_EQ(members("aud_profiles"), Desired(40, 0));
  EXPECT_EQ(aud({"plan", "--as-of", kAsOf, "--detailed-exitcode"}).exit_code, 0);

  // Staging: its own schema; prod's store untouched.
  d.Write("data/events/events.jsonl", Events(40, 1));
  r = aud({"--env", "staging", "apply", "--as-of", kAsOf, "--auto-approve"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(members("aud_profiles_staging"), Desired(40, 1));
  EXPECT_EQ(members("aud_profiles"), Desired(40, 0));
  r = aud({"--env", "staging", "profile", "show", "u00002"});
  EXPECT_NE(r.out.find("attributes: {\"points\":25}"), std::string::npos) << r.out << r.err;

  // Unreachable: an error naming the connection, never the DSN.
  ASSERT_TRUE(pg->Stop(&error)) << error;
  r = aud({"profile", "show", "u00002"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("connection `profile_store`: cannot reach the PostgreSQL server"),
            std::string::npos)
      << r.err;
  for (const auto& run : runs) {
    EXPECT_EQ((run.out + run.err).find(password), std::string::npos) << run.err;
  }
}

}  // namespace
}  // namespace aud::applytest
