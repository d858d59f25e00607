// The apply protocol (runtime/apply/README.md): saved plans refused when
// stale, applied twice or forbidden by a policy added since the review; a
// warning when the data changed; the lock (live holder refused, dead one
// reclaimed, force-unlock); approval; `aud state list`; and the canary: a
// secret referenced by aud.toml appears nowhere.

#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "tests/plan/apply_harness_test.h"
#include "tests/support/test_server.h"

namespace aud::applytest {
namespace {

constexpr int kUsers = 40;  // 30 gold members

std::vector<std::string> Apply(const std::string& plan_file = "") {
  if (!plan_file.empty()) return {"apply", plan_file};
  return {"apply", "--as-of", kAsOf, "--auto-approve"};
}

RunResult SavePlan(const TempDir& d, const std::string& file) {
  RunResult r = RunAud(d.path(), {"plan", "--as-of", kAsOf, "--out", file});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r;
}

TEST(ApplyProtocol, FirstPlanAppliedOnceThenRefused) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  std::string plan = d.path() + "/first.plan";
  SavePlan(d, plan);
  RunResult r = RunAud(d.path(), Apply(plan));
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));
  uint64_t serial = Serial(d);
  std::string csv = d.Read("exports/gold.csv");

  r = RunAud(d.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the state changed since the plan was made (plan serial 0, state serial " +
                       std::to_string(serial) + ")"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("applied already"), std::string::npos) << r.err;
  EXPECT_EQ(Serial(d), serial);
  EXPECT_EQ(d.Read("exports/gold.csv"), csv);
}

TEST(ApplyProtocol, SavedPlanRefusedAfterStateMoved) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  ASSERT_EQ(RunAud(d.path(), Apply()).exit_code, 0);
  d.Write("data/events/events.jsonl", Events(kUsers, 1));
  std::string plan = d.path() + "/reviewed.plan";
  SavePlan(d, plan);
  // Someone else applies in between (here: the same changes, unreviewed).
  ASSERT_EQ(RunAud(d.path(), Apply()).exit_code, 0);
  std::string csv = d.Read("exports/gold.csv");
  uint64_t serial = Serial(d);
  RunResult r = RunAud(d.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the state changed since the plan was made"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("aud plan --out FILE"), std::string::npos) << r.err;
  EXPECT_EQ(Serial(d), serial);
  EXPECT_EQ(d.Read("exports/gold.csv"), csv);
}

TEST(ApplyProtocol, SavedPlanOfAnotherStateRefused) {
  TempDir a, b;
  WriteProject(a, kUsers, 0);
  WriteProject(b, kUsers, 0);
  std::string plan = a.path() + "/a.plan";
  SavePlan(a, plan);
  SavePlan(b, b.path() + "/b.plan");  // b has its own state (serial 0, another lineage)
  RunResult r = RunAud(b.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the plan was made against another state"), std::string::npos) << r.err;
  EXPECT_FALSE(b.Exists("exports/gold.csv"));
}

TEST(ApplyProtocol, PolicyAddedAfterReviewBlocksSavedPlan) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  std::string plan = d.path() + "/reviewed.plan";
  SavePlan(d, plan);
  // After the review, a policy forbids analytics on data labelled L1 (the
  // `tier` trait gold is defined by): the code itself no longer checks.
  d.Write("policies.aud",
          "policy no_l1_analytics \"L1 data is not for analytics\" {\n"
          "  deny analytics when L1\n}\n");
  EXPECT_EQ(RunAud(d.path(), {"check"}).exit_code, 1);
  RunResult r = RunAud(d.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("publishing `gold` to `files_out` violates policy `no_l1_analytics`: it "
                       "denies `analytics`"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing was published"), std::string::npos) << r.err;
  EXPECT_FALSE(d.Exists("exports/gold.csv"));
  EXPECT_TRUE(StateMembers(d, "files_out").empty());
  EXPECT_TRUE(StateMembers(d, "profile_store").empty());
  EXPECT_EQ(Serial(d), 0u);
}

TEST(ApplyProtocol, DataChangedSincePlanWarnsAndAppliesAsReviewed) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  std::string plan = d.path() + "/reviewed.plan";
  SavePlan(d, plan);
  // A new gold member arrives after the review.
  d.Write("data/events/late.jsonl",
          R"({"type":"identify","userId":"u09999","timestamp":"2026-10-02T00:00:00Z",)"
          R"("traits":{"tier":"gold","score":7}})"
          "\n");
  RunResult r = RunAud(d.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: the event data changed since the plan was made"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("warning: definitions changed"), std::string::npos) << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));  // exactly as reviewed
  bool changes = false;
  auto next = PlanJson(d, &changes);
  EXPECT_TRUE(changes);
  EXPECT_EQ(next["files_out"].enter, std::set<std::string>{"u09999"});
}

TEST(ApplyProtocol, DefinitionsChangedSincePlanWarnAndApplyAsReviewed) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  std::string plan = d.path() + "/reviewed.plan";
  SavePlan(d, plan);
  std::string main = kMain;
  main.replace(main.find("points = score"), 14, "points = score + 1");
  d.Write("main.aud", main);
  RunResult r = RunAud(d.path(), Apply(plan));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: definitions changed since the plan was made"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("warning: the event data changed"), std::string::npos) << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));  // the reviewed payloads
  bool changes = false;
  auto next = PlanJson(d, &changes);
  EXPECT_EQ(next["files_out"].update.size(), 30u);
}

// The PostgreSQL session holding the lock (postgres mode), ended with the sleeper.
void* pg_holder = nullptr;

// A lock row as another `aud apply` on this host would leave it (with
// PostgreSQL state: a session holding the advisory lock and that row).
void InsertLock(const TempDir& d, const std::string& id, pid_t pid) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  if (aud::testing::PostgresStateTests()) {
    pg_holder = aud::testing::HoldStateLock(d.path(), id, std::string("someone@") + host, pid);
    ASSERT_NE(pg_holder, nullptr);
    return;
  }
  ASSERT_TRUE(aud::testing::StateExec(
      d.path(),
      "INSERT INTO lock (slot, id, operation, who, pid, pid_start, created_at) "
      "VALUES (1, '" +
          id + "', 'apply', 'someone@" + host + "', " + std::to_string(pid) +
          ", 0, 1790000000000)"));
}

pid_t StartSleeper() {
  pid_t pid = fork();
  if (pid == 0) {
    execlp("sleep", "sleep", "60", static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

void StopSleeper(pid_t pid) {
  aud::testing::ReleaseStateLock(pg_holder);  // the holder's session ends with it
  pg_holder = nullptr;
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

TEST(ApplyProtocol, LockOfLiveProcessRefusedDeadOneReclaimed) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  SavePlan(d, d.path() + "/p.plan");  // creates the state
  pid_t sleeper = StartSleeper();
  const std::string id = "0f0e0d0c-0b0a-4909-8807-060504030201";
  InsertLock(d, id, sleeper);
  RunResult r = RunAud(d.path(), Apply());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("the state is locked by someone@"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("pid " + std::to_string(sleeper)), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("lock id " + id), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("aud force-unlock " + id), std::string::npos) << r.err;
  EXPECT_FALSE(d.Exists("exports/gold.csv"));
  // `state list` shows who holds it.
  RunResult list = RunAud(d.path(), {"state", "list"});
  EXPECT_NE(list.out.find("lock id " + id), std::string::npos) << list.out;

  // The holder dies: its lock is reclaimed by the next apply.
  StopSleeper(sleeper);
  r = RunAud(d.path(), Apply());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));
  EXPECT_TRUE(aud::testing::StateQuery(d.path(), "SELECT id FROM lock").empty());
}

TEST(ApplyProtocol, ForceUnlock) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  SavePlan(d, d.path() + "/p.plan");
  pid_t sleeper = StartSleeper();
  const std::string id = "1f0e0d0c-0b0a-4909-8807-060504030201";
  InsertLock(d, id, sleeper);
  RunResult r = RunAud(d.path(), {"force-unlock", "not-the-id"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no lock with id `not-the-id` (the current lock is " + id + ")"),
            std::string::npos)
      << r.err;
  r = RunAud(d.path(), {"force-unlock", id});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Lock " + id + " removed"), std::string::npos) << r.out;
  r = RunAud(d.path(), Apply());
  EXPECT_EQ(r.exit_code, 0) << r.err;  // the holder is still alive, but unlocked
  StopSleeper(sleeper);
  r = RunAud(d.path(), {"force-unlock", id});
  EXPECT_EQ(r.exit_code, 1);
}

TEST(ApplyProtocol, RefusesWithoutApprovalWhenNotATerminal) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  RunResult r = RunAud(d.path(), {"apply", "--as-of", kAsOf}, {}, "yes\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("Plan: 2 to add"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("stdin is not a terminal; pass --auto-approve"), std::string::npos) << r.err;
  EXPECT_FALSE(d.Exists("exports/gold.csv"));
  EXPECT_EQ(Serial(d), 0u);
}

// Runs `aud apply` on a pseudo-terminal (util-linux `script`), answering
// `answer` to the prompt. Returns what the terminal showed.
std::string ApplyOnTerminal(const TempDir& d, const std::string& answer) {
  // AUD_PROGRESS_AFTER_MS=0: progress shows at once, not after 1.5 s.
  // (The state's DSN in postgres mode: our own test server, no quotes in it.)
  const std::string dsn = aud::testing::StateDsnFor(d.path());
  std::string cmd = "printf '" + answer + "\\n' | AUD_TEST_STATE_DSN='" + dsn +
                    "' AUD_PROGRESS_AFTER_MS=0 script -qec \"'" + aud::testing::AudBinary() +
                    "' -C '" + d.path() + "' apply --as-of " + kAsOf + "\" /dev/null 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(ApplyProtocol, AsksOnATerminalAndOnlyYesApplies) {
  if (system("command -v script >/dev/null 2>&1") != 0) GTEST_SKIP() << "no `script` command";
  TempDir d;
  WriteProject(d, kUsers, 0);
  std::string out = ApplyOnTerminal(d, "no");
  EXPECT_NE(out.find("Do you want to perform these actions? Only 'yes' will be accepted:"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("Apply cancelled."), std::string::npos) << out;
  EXPECT_FALSE(d.Exists("exports/gold.csv"));
  out = ApplyOnTerminal(d, "yes");
  EXPECT_NE(out.find("Apply complete: 60 confirmed, 0 rejected."), std::string::npos) << out;
  // On a terminal, progress lines are shown.
  EXPECT_NE(out.find("gold -> profile_store: batch 1/1"), std::string::npos) << out;
  EXPECT_EQ(FileMembers(d), Desired(kUsers, 0));
}

TEST(ApplyProtocol, NoChangesDoesNothingAndStateListShowsPublications) {
  TempDir d;
  WriteProject(d, kUsers, 0);
  RunResult r = RunAud(d.path(), Apply());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gold -> files_out (create): 30 sent, 30 confirmed, 0 rejected"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Apply complete: 60 confirmed, 0 rejected."), std::string::npos) << r.out;
  uint64_t serial = Serial(d);
  r = RunAud(d.path(), Apply());
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("No changes."), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("Apply complete"), std::string::npos) << r.out;
  EXPECT_EQ(Serial(d), serial);

  r = RunAud(d.path(), {"state", "list"});
  EXPECT_EQ(r.exit_code, 0);
  auto lineage = aud::testing::StateQuery(d.path(), "SELECT lineage FROM meta");
  ASSERT_EQ(lineage.size(), 1u);
  EXPECT_NE(r.out.find("lineage: " + lineage[0][0]), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("serial:  " + std::to_string(serial)), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gold -> files_out      30 members"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gold -> profile_store  30 members"), std::string::npos) << r.out;

  TempDir empty;
  r = RunAud(empty.path(), {"state", "list"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("No state yet"), std::string::npos);
}

// ---- the canary (issue 5, acceptance 3) -------------------------------------

std::string RandomCanary() {
  std::random_device rd;
  std::string s = "canary-";
  for (int i = 0; i < 4; ++i) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%08x", rd());
    s += buf;
  }
  return s;
}

// Every file below `dir`, recursively (the project, .aud/ included).
void FilesBelow(const std::string& dir, std::vector<std::string>* out) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out->push_back(e.path().string());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ApplyCanary, SecretNeverAppearsAnywhere) {
  const std::string canary = RandomCanary();
  aud::testing::TestServer::Options so;
  so.token = canary;
  aud::testing::TestServer server(so);
  // Rejection reasons and error bodies echo the request headers, the
  // Authorization header with the canary included.
  server.EchoHeaders(true);
  server.RejectKeys({"u00001", "u00002"});

  TempDir d;
  WriteProject(d, kUsers, 0);
  d.Write("aud.toml", std::string(kToml) + "\n[connections.hook]\ntype = \"http\"\nurl = \"" +
                          server.Url("/hook") +
                          "\"\ntoken = { env = \"AUD_CANARY_TOKEN\" }\nbatch_size = 7\n"
                          "timeout_s = 5\n");
  d.Write("hook.aud",
          "destination hook_out \"Webhook\" {\n  connection hook\n  actions analytics\n"
          "  key user_id\n  map user_id -> \"id\", points -> \"points\"\n}\n"
          "publish gold to hook_out\n");
  const std::map<std::string, std::string> env = {{"AUD_CANARY_TOKEN", canary}};
  std::vector<RunResult> runs;

  // A missing variable is an error naming it.
  RunResult missing = RunAud(d.path(), Apply(), {{"AUD_CANARY_TOKEN", "\x01unset"}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE((missing.out + missing.err).find("AUD_CANARY_TOKEN"), std::string::npos)
      << missing.out << missing.err;
  runs.push_back(missing);

  runs.push_back(RunAud(d.path(), {"plan", "--as-of", kAsOf, "--out", "saved.plan"}, env));
  runs.push_back(RunAud(d.path(), {"plan", "--as-of", kAsOf, "--json", "--detail"}, env));
  RunResult applied = RunAud(d.path(), {"apply", "saved.plan"}, env);
  // Two rows rejected (reported, exit 1); the rest delivered.
  EXPECT_EQ(applied.exit_code, 1) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("gold -> hook_out (create): 30 sent, 28 confirmed, 2 rejected"),
            std::string::npos)
      << applied.out << applied.err;
  EXPECT_EQ(server.WebhookMembers().size(), 28u);
  runs.push_back(applied);
  // Authentication refused, with the headers echoed in the error body.
  aud::testing::Fault unauthorized;
  unauthorized.kind = aud::testing::Fault::Status;
  unauthorized.status = 401;
  unauthorized.next = 1000;
  server.AddFault(unauthorized);
  d.Write("data/events/events.jsonl", Events(kUsers, 1));
  RunResult denied = RunAud(d.path(), Apply(), env);
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("publishing `gold` to `hook_out`"), std::string::npos) << denied.err;
  runs.push_back(denied);
  runs.push_back(RunAud(d.path(), {"state", "list"}, env));
  runs.push_back(RunAud(d.path(), {"show", "saved.plan", "--json"}, env));
  runs.push_back(RunAud(d.path(), {"profile", "show", "u00003"}, env));

  for (size_t i = 0; i < runs.size(); ++i) {
    EXPECT_EQ(runs[i].out.find(canary), std::string::npos) << "stdout of run " << i;
    EXPECT_EQ(runs[i].err.find(canary), std::string::npos) << "stderr of run " << i;
  }
  std::vector<std::string> files;
  FilesBelow(d.path(), &files);
  EXPECT_GT(files.size(), 5u);
  bool saw_state = false, saw_profiles = false, saw_plan = false;
  for (const auto& f : files) {
    std::string text = Slurp(f);
    EXPECT_EQ(text.find(canary), std::string::npos) << "the canary is in " << f;
    saw_state =
        saw_state || f.find("state.db") != std::string::npos || aud::testing::PostgresStateTests();
    saw_profiles = saw_profiles || f.find("profiles.db") != std::string::npos;
    saw_plan = saw_plan || f.find("saved.plan") != std::string::npos;
  }
  EXPECT_TRUE(saw_state && saw_profiles && saw_plan);
  // The secret did reach the destination, where it belongs.
  EXPECT_GT(server.Stats().total(), 0);
}

}  // namespace
}  // namespace aud::applytest
