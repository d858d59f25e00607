// Safe-by-default guards of `aud plan` / `aud apply` (docs/plan.md, docs/apply.md):
// a source glob matching no file, the mass-exit guard (--allow-mass-exit,
// `max_exit_fraction`), secrets and export folders checked at plan time, one
// cache per project whatever `-C` spelling, and checksummed plan files. Each
// refusal asserts exit 1 and that nothing was sent: the export folder, the
// profile store and the state are byte for byte as before.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_aud.h"

namespace {

namespace fs = std::filesystem;
using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::TempDir;
using nlohmann::json;

const char* kToml = R"([project]
name = "safety"

[sources.web]
path = "data/*.jsonl"

[connections.files]
type = "file"
format = "jsonl"
dir = "exports"
)";

// `extra` is spliced into the `mail` destination.
std::string Main(const std::string& extra = "", const std::string& more = "") {
  return std::string(R"(import "std/governance"
import "std/ecommerce"

trait email: string [I1]
identity user_id: declared from userId
identity email: declared from trait email normalize email

segment buyers = count(order_completed) >= 1

audience buyers_aud {
  members buyers
  identities email
}

destination mail {
  connection files
  actions analytics
  key email
  map email -> "email"
)") + extra +
         "}\n" + more + "publish buyers_aud to mail, profile_store\n";
}

// Profiles u000..u(n-1) with an email; those in [0, buyers) have an order.
std::string Events(int n, int buyers) {
  std::string s;
  char id[16];
  for (int i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "u%03d", i);
    s += std::string(R"({"type":"identify","userId":")") + id +
         R"(","timestamp":"2026-11-01T00:00:00Z","traits":{"email":")" + id + R"(@x.se"}})" + "\n";
    if (i < buyers)
      s += std::string(R"({"type":"track","event":"Order Completed","userId":")") + id +
           R"(","timestamp":"2026-11-02T00:00:00Z","properties":{"order_id":"o)" + id +
           R"(","revenue":10}})" + "\n";
  }
  return s;
}

const char* kAsOf = "2026-11-10";

// Every file under `root` (relative path -> content), for "nothing changed".
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  if (!fs::exists(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    out[fs::relative(it->path(), root).string()] = ss.str();
  }
  return out;
}

class PlanSafety : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("aud.toml", kToml);
    dir_.Write("main.aud", Main());
    dir_.Write("data/events.jsonl", Events(200, 200));
  }
  RunResult Aud(const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env = {}) {
    return RunAud(dir_.path(), args, env);
  }
  void Apply(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"apply", "--auto-approve", "--as-of", kAsOf};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Aud(args);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  // What destinations and the state hold: export files, the profile store,
  // and `aud state list` (serial and member counts).
  std::string Published() {
    std::string s;
    for (const auto& [k, v] : Snapshot(dir_.path() + "/exports")) s += k + "\n" + v + "\n";
    s += "profiles.db " + std::to_string(dir_.Read(".aud/profiles.db").size()) + "\n";
    RunResult st = Aud({"state", "list"});
    return s + st.out;
  }
  TempDir dir_{"aud-safety"};
};

// ---- 3(a): a source glob that matches no file.

TEST_F(PlanSafety, EmptySourceGlobIsAnErrorAtPlanAndApply) {
  dir_.Write("aud.toml", std::string(kToml) + "\n[sources.app]\npath = \"app-data/*.jsonl\"\n");
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("source `app`: `path = \"app-data/*.jsonl\"` matches no file"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("fix `path` in `[sources.app]` of aud.toml"), std::string::npos) << r.err;
  RunResult a = Aud({"apply", "--auto-approve", "--as-of", kAsOf});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("source `app`"), std::string::npos) << a.err;
  EXPECT_FALSE(dir_.Exists("exports"));
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));
}

TEST_F(PlanSafety, EmptiedDataFolderDoesNotExitEveryMember) {
  Apply();
  const std::string before = Published();
  ASSERT_NE(before.find("200 members"), std::string::npos) << before;
  fs::rename(dir_.path() + "/data", dir_.path() + "/data-moved");  // e.g. a failed sync
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("source `web`"), std::string::npos) << r.err;
  EXPECT_FALSE(dir_.Exists("p.plan"));
  EXPECT_EQ(Aud({"apply", "--auto-approve", "--as-of", kAsOf}).exit_code, 1);
  EXPECT_EQ(Published(), before);
}

// ---- 3(b): the mass-exit guard.

TEST_F(PlanSafety, MassExitIsRefusedAndNothingIsSent) {
  Apply();
  const std::string before = Published();
  dir_.Write("data/events.jsonl", Events(200, 50));  // 150 of 200 members would exit
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  for (const char* dest : {"mail", "profile_store"})
    EXPECT_NE(r.err.find("publication `buyers_aud` -> `" + std::string(dest) +
                         "` would remove 150 of its 200 recorded members (75%), over its limit "
                         "of 50% (the default; no `max_exit_fraction`)"),
              std::string::npos)
        << r.err;
  EXPECT_NE(r.err.find("pass --allow-mass-exit or raise the destination's `max_exit_fraction`"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(dir_.Exists("p.plan"));
  RunResult a = Aud({"apply", "--auto-approve", "--as-of", kAsOf});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("would remove 150 of its 200"), std::string::npos) << a.err;
  EXPECT_EQ(Published(), before);
  // Just under the minimum of 100 lost members: fine.
  dir_.Write("data/events.jsonl", Events(200, 101));  // 99 exit
  RunResult small = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(small.exit_code, 0) << small.err;
}

TEST_F(PlanSafety, AllowMassExitFlagOnPlanAndApply) {
  Apply();
  dir_.Write("data/events.jsonl", Events(200, 50));
  // A saved plan records that it was allowed; applying it needs no flag.
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan", "--allow-mass-exit"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json f = json::parse(dir_.Read("p.plan"));
  EXPECT_EQ(f.at("allow_mass_exit"), true);
  bool warned = false;
  for (const auto& w : f.at("warnings"))
    warned =
        warned || w.get<std::string>().find("(allowed by --allow-mass-exit)") != std::string::npos;
  EXPECT_TRUE(warned) << f.at("warnings").dump();
  RunResult a = Aud({"apply", "p.plan"});
  ASSERT_EQ(a.exit_code, 0) << a.out << a.err;
  EXPECT_NE(Aud({"state", "list"}).out.find("50 members"), std::string::npos);
  // `apply --auto-approve --allow-mass-exit` plans and publishes in one go.
  Apply();
  dir_.Write("data/events.jsonl", Events(200, 200));
  Apply();
  dir_.Write("data/events.jsonl", Events(200, 10));
  EXPECT_EQ(Aud({"apply", "--auto-approve", "--as-of", kAsOf}).exit_code, 1);
  Apply({"--allow-mass-exit"});
  EXPECT_NE(Aud({"state", "list"}).out.find("10 members"), std::string::npos);
}

TEST_F(PlanSafety, MaxExitFractionRaisesTheLimitPerDestination) {
  Apply();
  dir_.Write("data/events.jsonl", Events(200, 50));  // 75% exit
  dir_.Write("main.aud", Main("  max_exit_fraction 0.8\n"));
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--json"});
  // `mail` allows 80%; the profile store keeps the default and refuses.
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err.find("`buyers_aud` -> `mail`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("`buyers_aud` -> `profile_store` would remove 150"), std::string::npos)
      << r.err;
  json j = json::parse(Aud({"plan", "--as-of", kAsOf, "--json", "--target", "mail"}).out);
  EXPECT_EQ(j.at("publications")[0].at("exit"), 150);
  // A lower limit than the loss names the setting.
  dir_.Write("main.aud", Main("  max_exit_fraction 0.7\n"));
  RunResult low = Aud({"plan", "--as-of", kAsOf, "--target", "mail"});
  EXPECT_EQ(low.exit_code, 1);
  EXPECT_NE(low.err.find("over its limit of 70% (its `max_exit_fraction 0.7`)"), std::string::npos)
      << low.err;
  // A saved plan made under 0.8 is checked again at apply, against the code now.
  dir_.Write("main.aud", Main("  max_exit_fraction 0.8\n"));
  ASSERT_EQ(Aud({"plan", "--as-of", kAsOf, "--target", "mail", "--out", "m.plan"}).exit_code, 0);
  const std::string before = Published();
  dir_.Write("main.aud", Main());
  RunResult a = Aud({"apply", "m.plan"});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("would remove 150 of its 200"), std::string::npos) << a.err;
  EXPECT_EQ(Published(), before);
  EXPECT_EQ(Aud({"apply", "m.plan", "--allow-mass-exit"}).exit_code, 0);
}

TEST_F(PlanSafety, MaxExitFractionOutOfRangeIsACheckError) {
  dir_.Write("main.aud", Main("  max_exit_fraction 1.5\n"));
  RunResult r = Aud({"check"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("`max_exit_fraction` must be between 0 and 1"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[invalid-max-exit-fraction]"), std::string::npos) << r.err;
  dir_.Write("main.aud", Main("  max_exit_fraction 1\n"));
  EXPECT_EQ(Aud({"check"}).exit_code, 0);
}

// ---- 4: connections checked at plan time.

const char* kHook = R"(
[connections.hook]
type = "http"
url = "http://127.0.0.1:9/audiences"
token = { env = "SAFETY_TEST_HOOK_TOKEN" }
)";
const char* kHookDest = R"(destination hook {
  connection hook
  actions analytics
  key user_id
}
publish buyers_aud to hook
)";

TEST_F(PlanSafety, MissingSecretIsAPlanTimeErrorAndNothingIsSent) {
  dir_.Write("aud.toml", std::string(kToml) + kHook);
  dir_.Write("main.aud", Main("", kHookDest));
  const std::map<std::string, std::string> unset{{"SAFETY_TEST_HOOK_TOKEN", "\x01unset"}};
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"}, unset);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("connection `hook` (destination `hook`): environment variable "
                       "`SAFETY_TEST_HOOK_TOKEN` (for `token`) is not set"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(dir_.Exists("p.plan"));
  // Empty counts as missing.
  RunResult e = Aud({"plan", "--as-of", kAsOf}, {{"SAFETY_TEST_HOOK_TOKEN", ""}});
  EXPECT_EQ(e.exit_code, 1);
  EXPECT_NE(e.err.find("`SAFETY_TEST_HOOK_TOKEN` (for `token`) is empty"), std::string::npos);
  // Apply refuses before the file destination or the profile store got anything.
  RunResult a = Aud({"apply", "--auto-approve", "--as-of", kAsOf}, unset);
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_NE(a.err.find("SAFETY_TEST_HOOK_TOKEN"), std::string::npos) << a.err;
  EXPECT_FALSE(dir_.Exists("exports"));
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));
  // A plan saved with the variable set is refused when it is gone at apply.
  const std::string secret = "safety-secret-value-0815";
  RunResult ok =
      Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"}, {{"SAFETY_TEST_HOOK_TOKEN", secret}});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  RunResult saved = Aud({"apply", "p.plan"}, unset);
  EXPECT_EQ(saved.exit_code, 1);
  EXPECT_NE(saved.err.find("`SAFETY_TEST_HOOK_TOKEN` (for `token`) is not set"), std::string::npos)
      << saved.err;
  EXPECT_NE(saved.err.find("nothing was published"), std::string::npos) << saved.err;
  EXPECT_FALSE(dir_.Exists("exports"));
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));
  for (const std::string& text : {r.err, e.err, a.err, ok.out, ok.err, saved.err})
    EXPECT_EQ(text.find(secret), std::string::npos);
  // Leaving the publication out is a way forward.
  RunResult ex = Aud({"plan", "--as-of", kAsOf, "--exclude", "hook"}, unset);
  EXPECT_EQ(ex.exit_code, 0) << ex.err;
}

TEST_F(PlanSafety, ExportFolderThatCannotBeCreatedIsAPlanTimeError) {
  dir_.Write("blocker", "a file where the export folder's parent should be\n");
  std::string toml = kToml;
  toml.replace(toml.find("dir = \"exports\""), 15, "dir = \"blocker/exports\"");
  dir_.Write("aud.toml", toml);
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("connection `files` (destination `mail`): folder `blocker/exports` cannot "
                       "be created"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("change its `dir` in aud.toml"), std::string::npos) << r.err;
  RunResult a = Aud({"apply", "--auto-approve", "--as-of", kAsOf});
  EXPECT_EQ(a.exit_code, 1);
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));  // the profile store was not sent either
  // The export folder is a file.
  dir_.Write("aud.toml", kToml);
  dir_.Write("exports", "not a folder\n");
  RunResult f = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(f.exit_code, 1);
  EXPECT_NE(f.err.find("`exports` exists and is not a folder"), std::string::npos) << f.err;
  // Planning creates no folder.
  fs::remove(dir_.path() + "/exports");
  ASSERT_EQ(Aud({"plan", "--as-of", kAsOf}).exit_code, 0);
  EXPECT_FALSE(dir_.Exists("exports"));
}

TEST_F(PlanSafety, ReadOnlyExportFolderIsAPlanTimeError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root writes to read-only folders";
  fs::create_directories(dir_.path() + "/exports");
  ::chmod((dir_.path() + "/exports").c_str(), 0500);
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  ::chmod((dir_.path() + "/exports").c_str(), 0700);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("folder `exports` cannot be written"), std::string::npos) << r.err;
}

// ---- 6: one project, one cache.

class Cwd {
 public:
  explicit Cwd(const std::string& to) {
    char buf[PATH_MAX];
    old_ = ::getcwd(buf, sizeof buf) ? buf : "/";
    EXPECT_EQ(::chdir(to.c_str()), 0) << to;
  }
  ~Cwd() { (void)::chdir(old_.c_str()); }

 private:
  std::string old_;
};

TEST(PlanSafetyPaths, EverySpellingOfTheProjectSharesTheCacheAndTheFingerprint) {
  TempDir root{"aud-safety-paths"};
  root.Write("p/aud.toml", kToml);
  root.Write("p/main.aud", Main());
  root.Write("p/data/events.jsonl", Events(20, 20));
  const std::string abs = root.path() + "/p";
  Cwd here(root.path());
  auto cached = [](const std::string& dir) {
    RunResult r = RunAud(dir, {"plan", "--as-of", kAsOf, "--json"});
    EXPECT_EQ(r.exit_code, 0) << dir << ": " << r.err;
    json j = json::parse(r.out, nullptr, false);
    return !j.is_discarded() && j.at("ingest").at("cached") == true;
  };
  EXPECT_FALSE(cached("p"));  // the first run builds the cache
  for (const std::string& dir : std::vector<std::string>{"p", "./p/", "p/../p", abs, abs + "/"})
    EXPECT_TRUE(cached(dir)) << dir;
  {
    Cwd in("p");
    EXPECT_TRUE(cached("."));
  }
  // A plan made with one spelling applies with another without a data warning.
  RunResult plan = RunAud("./p/", {"plan", "--as-of", kAsOf, "--out", "s.plan"});
  ASSERT_EQ(plan.exit_code, 0) << plan.err;
  RunResult apply = RunAud(abs, {"apply", "s.plan"});
  EXPECT_EQ(apply.exit_code, 0) << apply.err;
  EXPECT_EQ(apply.err.find("data changed"), std::string::npos) << apply.err;
  EXPECT_EQ(apply.err.find("warning"), std::string::npos) << apply.err;
}

TEST(PlanSafetyPaths, HintAfterOutWorksFromWhereItWasRun) {
  TempDir root{"aud-safety-hint"};
  root.Write("my project/aud.toml", kToml);
  root.Write("my project/main.aud", Main());
  root.Write("my project/data/events.jsonl", Events(5, 5));
  Cwd here(root.path());
  RunResult r = RunAud("my project", {"plan", "--as-of", kAsOf, "--out", "r.plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Saved the plan to my project/r.plan."), std::string::npos) << r.out;
  const std::string want = "    aud -C 'my project' apply r.plan\n";
  ASSERT_NE(r.out.find(want), std::string::npos) << r.out;
  // Run the printed command (with the binary under test) from the same folder.
  const std::string cmd =
      "'" + aud::testing::AudBinary() + "'" + want.substr(7, want.size() - 8) + " > /dev/null 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_TRUE(root.Exists("my project/exports"));
  // Without -C the hint is the plain command.
  Cwd in("my project");
  RunResult plain = RunAud(".", {"plan", "--as-of", kAsOf, "--out", "again.plan"});
  EXPECT_NE(plain.out.find("    aud apply again.plan\n"), std::string::npos) << plain.out;
}

// ---- Issue 11 / 13: checksummed plan files.

TEST_F(PlanSafety, HandEditedPlanFilesAreRefused) {
  dir_.Write("data/events.jsonl", Events(3, 3));
  ASSERT_EQ(Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"}).exit_code, 0);
  const std::string good = dir_.Read("p.plan");
  ASSERT_NE(good.find("\"labels\":[\"I1\"]"), std::string::npos);
  ASSERT_NE(good.find("\"checksum\":\"sha256:"), std::string::npos);
  auto refused = [&](const std::string& name, const std::string& text, const std::string& why) {
    dir_.Write(name, text);
    RunResult a = Aud({"apply", name});
    EXPECT_EQ(a.exit_code, 1) << name;
    EXPECT_NE(a.err.find(why), std::string::npos) << name << ": " << a.err;
    RunResult s = Aud({"show", name});
    EXPECT_EQ(s.exit_code, 1) << name;
    EXPECT_NE(s.err.find(why), std::string::npos) << name << ": " << s.err;
  };
  const std::string modified = "was modified after `aud plan` wrote it";
  // Emptied labels (would dodge a policy check).
  std::string labels = good;
  labels.replace(labels.find("\"labels\":[\"I1\"]"), 15, "\"labels\":[]");
  refused("labels.plan", labels, modified);
  // An injected row.
  std::string row = good;
  const size_t at = row.find("\"enter\":[{") + 9;
  row.insert(at, R"({"fields":[["email","evil@x.se"]],"identities":[],"key":"evil@x.se",)"
                 R"("payload_hash":"00","profile":"evil","traits":[],"visitor":false},)");
  refused("row.plan", row, modified);
  // Any single byte.
  for (size_t i = 0; i < good.size(); i += good.size() / 17 + 1) {
    std::string b = good;
    b[i] = b[i] == 'a' ? 'b' : 'a';
    dir_.Write("byte.plan", b);
    RunResult a = Aud({"show", "byte.plan"});
    EXPECT_EQ(a.exit_code, 1) << "byte " << i;
  }
  // No checksum at all; the previous format (1, unchecked) is refused.
  std::string none = good.substr(0, good.find(",\"checksum\"")) + "}\n";
  refused("none.plan", none, "has no valid `checksum`");
  std::string v1 = none;
  v1.replace(v1.find("\"format_version\":2"), 18, "\"format_version\":1");
  refused("v1.plan", v1, "format_version 1 is not supported");
  // Nothing of it was sent; the good file still applies.
  EXPECT_FALSE(dir_.Exists("exports"));
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));
  RunResult ok = Aud({"apply", "p.plan"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
