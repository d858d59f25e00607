// Refresh and drift (docs/plan.md "Refresh and drift"): destinations that
// lost or changed rows behind aud's back are read back by the next plan and
// repaired by the next apply; a state whose lineage cannot be trusted is an
// error until `aud state adopt`. The project is the apply harness's: `gold`
// published to a CSV file connection and to the built-in profile store.

#include <filesystem>

#include "tests/plan/apply_harness_test.h"

namespace aud::applytest {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr int kUsers = 40;  // 30 members (every i with i % 4 != 0)

class Drift : public ::testing::Test {
 protected:
  Drift() : dir_("aud-drift") {}
  void SetUp() override { WriteProject(dir_, kUsers, 0); }

  RunResult Aud(const std::vector<std::string>& args) {
    RunResult r = RunAud(dir_.path(), args);
    return r;
  }
  void Apply() {
    RunResult r = Aud({"apply", "--as-of", kAsOf, "--auto-approve"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  json PlanJson(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"plan", "--as-of", kAsOf, "--json", "--detail"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Aud(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j;
  }
  static const json& Pub(const json& plan, const std::string& dest) {
    for (const auto& p : plan.at("publications"))
      if (p.at("destination") == dest) return p;
    static const json none = json::object();
    ADD_FAILURE() << "no publication to " << dest;
    return none;
  }
  static std::vector<std::string> DesiredKeys(int v = 0) {
    std::vector<std::string> keys;
    for (const auto& [k, _] : Desired(kUsers, v)) keys.push_back(k);
    return keys;
  }
  // Apply repairs, then nothing is left and both destinations are right.
  void ExpectRepaired(int v = 0) {
    Apply();
    json again = PlanJson();
    EXPECT_FALSE(again.at("changes").get<bool>()) << again.dump(1);
    EXPECT_FALSE(again.at("drift").get<bool>());
    RunResult human = Aud({"plan", "--as-of", kAsOf});
    EXPECT_NE(human.out.find("No changes."), std::string::npos) << human.out;
    EXPECT_EQ(FileMembers(dir_), Desired(kUsers, v));
    EXPECT_EQ(ProfileStoreMembers(dir_), Desired(kUsers, v));
  }

  TempDir dir_;
};

TEST_F(Drift, DeletedExportFileIsSentAgain) {
  Apply();
  fs::remove(dir_.path() + "/exports/gold.csv");
  json j = PlanJson();
  EXPECT_TRUE(j.at("changes").get<bool>());
  EXPECT_TRUE(j.at("drift").get<bool>());
  EXPECT_EQ(j.at("refresh"), "on");
  const json& f = Pub(j, "files_out");
  EXPECT_EQ(f.at("action"), "update");
  EXPECT_EQ(f.at("enter_keys"), json(DesiredKeys()));
  EXPECT_EQ(f.at("drift").at("missing_keys"), json(DesiredKeys()));
  EXPECT_EQ(f.at("drift").at("missing"), 30);
  EXPECT_EQ(Pub(j, "profile_store").at("action"), "no-op");
  EXPECT_EQ(Pub(j, "profile_store").at("drift").at("checked"), true);
  RunResult human = Aud({"plan", "--as-of", kAsOf});
  EXPECT_NE(human.out.find("! drift at exports/gold.csv: 30 missing"), std::string::npos)
      << human.out;
  ExpectRepaired();
}

TEST_F(Drift, RepairKilledAtEachCrashPointConverges) {
  // Repair rows go through the journal like any other: killed anywhere, the
  // next apply finishes the repair and nothing is left.
  for (const char* point :
       {"batch.journaled", "batch.sent", "batch.recorded", "publication.recorded"}) {
    SCOPED_TRACE(point);
    Apply();
    fs::remove(dir_.path() + "/exports/gold.csv");
    fs::remove(dir_.path() + "/.aud/profiles.db");
    RunResult killed = RunAud(dir_.path(), {"apply", "--as-of", kAsOf, "--auto-approve"},
                              {{"AUD_TEST_CRASH_AT", std::string(point) + ":1"}});
    EXPECT_EQ(killed.signal, SIGKILL) << killed.out << killed.err;
    ExpectRepaired();
  }
}

TEST_F(Drift, DeletedExportFolderIsSentAgain) {
  Apply();
  fs::remove_all(dir_.path() + "/exports");
  json j = PlanJson();
  EXPECT_EQ(Pub(j, "files_out").at("enter_keys"), json(DesiredKeys()));
  ExpectRepaired();
}

TEST_F(Drift, DeletedProfileStoreIsSentAgain) {
  Apply();
  for (const char* f : {"profiles.db", "profiles.db-wal", "profiles.db-shm"})
    fs::remove(dir_.path() + "/.aud/" + f);
  json j = PlanJson();
  const json& p = Pub(j, "profile_store");
  EXPECT_EQ(p.at("action"), "update");
  EXPECT_EQ(p.at("drift").at("missing"), 30);
  EXPECT_EQ(p.at("enter").get<int>(), 30);
  EXPECT_EQ(Pub(j, "files_out").at("action"), "no-op");
  ExpectRepaired();
}

TEST_F(Drift, ChangedDirRepublishesEverythingAtTheNewPlace) {
  Apply();
  const std::string old_file = dir_.Read("exports/gold.csv");
  std::string toml = kToml;
  toml.replace(toml.find("dir = \"exports\""), 15, "dir = \"out/files\"");
  dir_.Write("aud.toml", toml);
  json j = PlanJson();
  EXPECT_EQ(Pub(j, "files_out").at("enter_keys"), json(DesiredKeys()));
  EXPECT_TRUE(Pub(j, "files_out").at("moved").get<bool>());
  EXPECT_FALSE(Pub(j, "profile_store").at("moved").get<bool>());
  // The recorded destination identity catches it without reading back too.
  json blind = PlanJson({"--refresh=false"});
  EXPECT_EQ(Pub(blind, "files_out").at("enter_keys"), json(DesiredKeys()));
  EXPECT_TRUE(Pub(blind, "files_out").at("moved").get<bool>());
  RunResult human = Aud({"plan", "--as-of", kAsOf});
  EXPECT_NE(human.out.find("the destination moved"), std::string::npos) << human.out;
  Apply();
  EXPECT_EQ(dir_.Read("exports/gold.csv"), old_file);  // the old place is left alone
  std::string moved = dir_.Read("out/files/gold.csv");
  dir_.Write("exports/gold.csv", moved);  // FileMembers reads exports/
  EXPECT_EQ(FileMembers(dir_), Desired(kUsers, 0));
  fs::remove(dir_.path() + "/exports/gold.csv");
  // The new place is what state now vouches for: nothing left to do there.
  dir_.Write("aud.toml", toml);
  json again = PlanJson();
  EXPECT_FALSE(again.at("changes").get<bool>()) << again.dump(1);
  EXPECT_FALSE(PlanJson({"--refresh=false"}).at("changes").get<bool>());
}

TEST_F(Drift, EditedAndAddedRowsAreRepaired) {
  Apply();
  std::string csv = dir_.Read("exports/gold.csv");
  // u00001 scores 10: make it 999; add a row for a non-member.
  size_t at = csv.find("u00001,declared,u00001,10\r\n");
  ASSERT_NE(at, std::string::npos) << csv;
  csv.replace(at, 27, "u00001,declared,u00001,999\r\nu00004x,declared,u00004x,1\r\n");
  dir_.Write("exports/gold.csv", csv);
  json j = PlanJson();
  const json& f = Pub(j, "files_out");
  EXPECT_EQ(f.at("drift").at("changed_keys"), json({"u00001"}));
  EXPECT_EQ(f.at("drift").at("extra_keys"), json({"u00004x"}));
  EXPECT_EQ(f.at("update_keys"), json({"u00001"}));
  EXPECT_EQ(f.at("exit_keys"), json({"u00004x"}));
  // The profile store: an attribute changed behind aud's back.
  ASSERT_TRUE(
      Exec(dir_.path() + "/.aud/profiles.db",
           "UPDATE memberships SET attributes = '{\"points\":7}' WHERE profile = 'u00002'"));
  json k = PlanJson();
  EXPECT_EQ(Pub(k, "profile_store").at("drift").at("changed_keys"), json({"u00002"}));
  ExpectRepaired();
}

TEST_F(Drift, RefreshOnlyRepairsDriftAloneAndRefreshFalseSkipsIt) {
  Apply();
  fs::remove(dir_.path() + "/exports/gold.csv");
  dir_.Write("data/events/events.jsonl", Events(kUsers, 1));  // real changes too
  // --refresh=false: the old behaviour, drift unseen.
  json off = PlanJson({"--refresh=false"});
  EXPECT_EQ(off.at("refresh"), "off");
  EXPECT_FALSE(Pub(off, "files_out").at("drift").at("checked").get<bool>());
  EXPECT_EQ(Pub(off, "files_out").at("enter_keys").size(), 10u);  // only the new members
  // --refresh-only: only the rows of the 30 keys state vouches for.
  json only = PlanJson({"--refresh-only"});
  EXPECT_EQ(only.at("refresh"), "only");
  EXPECT_EQ(Pub(only, "profile_store").at("action"), "no-op");  // its changes are not drift
  const json& f = Pub(only, "files_out");
  EXPECT_EQ(f.at("drift").at("missing"), 30);
  std::set<std::string> rows;
  for (const char* list : {"enter_keys", "update_keys", "exit_keys"})
    for (const auto& key : f.at(list)) rows.insert(key.get<std::string>());
  std::set<std::string> was;
  for (const auto& k : DesiredKeys(0)) was.insert(k);
  EXPECT_EQ(rows, was);
  // Saved and applied: the file holds the repaired rows, the profile store
  // is untouched, and a full plan still shows the real changes.
  RunResult saved = Aud({"plan", "--as-of", kAsOf, "--refresh-only", "--out", "r.plan"});
  ASSERT_EQ(saved.exit_code, 0) << saved.err;
  RunResult applied = Aud({"apply", "r.plan"});
  ASSERT_EQ(applied.exit_code, 0) << applied.out << applied.err;
  EXPECT_EQ(ProfileStoreMembers(dir_), Desired(kUsers, 0));
  json after = PlanJson({"--refresh-only"});
  EXPECT_FALSE(after.at("changes").get<bool>()) << after.dump(1);
  EXPECT_TRUE(PlanJson().at("changes").get<bool>());
  ExpectRepaired(1);
  RunResult both = Aud({"plan", "--refresh=false", "--refresh-only"});
  EXPECT_EQ(both.exit_code, 1);
}

TEST_F(Drift, LostWalIsAnErrorUntilAdopted) {
  if (aud::testing::PostgresStateTests())
    GTEST_SKIP() << "the state file and its folder: SQLite only";
  Apply();
  fs::copy_file(dir_.path() + "/.aud/state.db", dir_.path() + "/old-state.db");
  dir_.Write("data/events/events.jsonl", Events(kUsers, 1));
  Apply();
  // The main file as it was before the second apply, its WAL gone.
  for (const char* f : {"state.db-wal", "state.db-shm"}) fs::remove(dir_.path() + "/.aud/" + f);
  fs::copy_file(dir_.path() + "/old-state.db", dir_.path() + "/.aud/state.db",
                fs::copy_options::overwrite_existing);
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("older than serial"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("aud state adopt"), std::string::npos) << r.err;
  RunResult a = Aud({"apply", "--as-of", kAsOf, "--auto-approve"});
  EXPECT_EQ(a.exit_code, 1) << a.out;
  RunResult adopt = Aud({"state", "adopt"});
  ASSERT_EQ(adopt.exit_code, 0) << adopt.err;
  ExpectRepaired(1);
}

TEST_F(Drift, MissingOrForeignStateIsAnErrorUntilAdopted) {
  if (aud::testing::PostgresStateTests())
    GTEST_SKIP() << "the state file and its folder: SQLite only";
  Apply();
  dir_.Write("data/events/events.jsonl", Events(kUsers, 1));
  for (const char* f : {"state.db", "state.db-wal", "state.db-shm"})
    fs::remove(dir_.path() + "/.aud/" + f);
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.err;
  EXPECT_FALSE(dir_.Exists(".aud/state.db"));  // not silently created
  // Another project's state is refused too.
  TempDir other("aud-drift-other");
  WriteProject(other, 8, 0);
  RunResult o = RunAud(other.path(), {"apply", "--as-of", kAsOf, "--auto-approve"});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  fs::copy_file(other.path() + "/.aud/state.db", dir_.path() + "/.aud/state.db");
  RunResult f = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_NE(f.err.find("was replaced or recreated"), std::string::npos) << f.err;
  fs::remove(dir_.path() + "/.aud/state.db");
  // Adopted (a new lineage): the plan creates every publication, and the
  // rows the destinations hold that are no longer desired are removed.
  ASSERT_EQ(Aud({"state", "adopt"}).exit_code, 0);
  json j = PlanJson();
  const json& fo = Pub(j, "files_out");
  EXPECT_EQ(fo.at("action"), "create");
  EXPECT_EQ(fo.at("drift").at("extra"), 30);
  EXPECT_EQ(fo.at("exit").get<int>(), 10);  // members of variant 0 only
  ExpectRepaired(1);
}

TEST_F(Drift, LostAudFolderIsNoticedThroughTheExportFolder) {
  if (aud::testing::PostgresStateTests())
    GTEST_SKIP() << "the state file and its folder: SQLite only";
  Apply();
  EXPECT_TRUE(dir_.Exists("exports/.aud-state.lineage"));
  dir_.Write("data/events/events.jsonl", Events(kUsers, 1));
  fs::remove_all(dir_.path() + "/.aud");  // state, its marker and the profile store
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("is missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("exports/.aud-state.lineage"), std::string::npos) << r.err;
  ASSERT_EQ(Aud({"state", "adopt"}).exit_code, 0);
  json j = PlanJson();
  EXPECT_EQ(Pub(j, "files_out").at("drift").at("extra"), 30);
  EXPECT_EQ(Pub(j, "files_out").at("exit").get<int>(), 10);
  ExpectRepaired(1);
}

TEST_F(Drift, TwoPublicationsOnOneFileAreRefusedBeforeAnyReadBack) {
  // Two destinations of `gold` on one file connection would write one file
  // (two key spaces), and each would see the other's rows as drift forever.
  // The checker refuses the project (`shared-export-file`), so no plan is
  // made; the refresh step's own guard (a file written by two publications
  // is not compared) stays as defence in depth.
  std::string main = kMain;
  main.replace(main.find("publish gold to files_out, profile_store"), 40,
               "destination mail_out {\n  connection files\n  actions analytics\n  key email\n"
               "  map email -> \"email\"\n}\n\npublish gold to files_out, mail_out, "
               "profile_store");
  dir_.Write("main.aud", main);
  RunResult r = RunAud(dir_.path(), {"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("[shared-export-file]"), std::string::npos) << r.err;
  EXPECT_FALSE(aud::testing::StateExists(dir_.path()));
}

}  // namespace
}  // namespace aud::applytest
