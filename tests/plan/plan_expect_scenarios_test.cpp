// `expect` clauses at plan time (docs/plan.md, "Expectations"): an audience
// or publication that breaks one makes `aud plan` and `aud apply` an error
// naming the clause and the numbers, and nothing is sent: the export folder,
// the profile store, the local webhook server and the state are as before.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_aud.h"
#include "tests/support/test_server.h"

namespace {

namespace fs = std::filesystem;
using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::TempDir;

// `expects` go into the audience, `dest_expects` into both destinations.
std::string Main(const std::string& expects, const std::string& dest_expects = "") {
  return R"(import "std/governance"
import "std/ecommerce"

trait email: string [I1]
identity user_id: declared from userId
identity email: declared from trait email normalize email

segment buyers = count(order_completed) >= 1

audience buyers_aud {
  members buyers
  identities email
  attributes {
    spent = sum(order_completed.revenue)
    coupon = last(order_completed.coupon)
  }
)" + expects +
         R"(}

destination mail {
  connection files
  actions analytics
  key email
  map email -> "email", spent -> "spent"
)" + dest_expects +
         R"(}

destination hook_out {
  connection hook
  actions analytics
  key email
  map email -> "email"
)" + dest_expects +
         R"(}

publish buyers_aud to mail, hook_out, profile_store
)";
}

// Profiles u000..u(n-1) with an email; those in [0, buyers) have an order;
// the first `shared` profiles share one email.
std::string Events(int n, int buyers, int shared = 0) {
  std::string s;
  char id[16];
  for (int i = 0; i < n; ++i) {
    std::snprintf(id, sizeof id, "u%03d", i);
    std::string email = i < shared ? std::string("shared") : std::string(id);
    s += std::string(R"({"type":"identify","userId":")") + id +
         R"(","timestamp":"2026-11-01T00:00:00Z","traits":{"email":")" + email + R"(@x.se"}})" +
         "\n";
    if (i < buyers)
      s += std::string(R"({"type":"track","event":"Order Completed","userId":")") + id +
           R"(","timestamp":"2026-11-02T00:00:00Z","properties":{"order_id":"o)" + id +
           R"(","revenue":10}})" + "\n";
  }
  return s;
}

const char* kAsOf = "2026-11-10";

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

class PlanExpect : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("aud.toml", std::string(R"([project]
name = "expect"

[sources.web]
path = "data/*.jsonl"

[connections.files]
type = "file"
format = "jsonl"
dir = "exports"

[connections.hook]
type = "http"
url = ")") + server_.Url("/hook") +
                               "\"\ntimeout_s = 5\n");
  }
  RunResult Aud(const std::vector<std::string>& args) { return RunAud(dir_.path(), args, {}); }
  RunResult Apply() { return Aud({"apply", "--auto-approve", "--as-of", kAsOf}); }
  // What destinations and the state hold.
  std::string Published() {
    std::string s;
    for (const auto& [k, v] : Snapshot(dir_.path() + "/exports")) s += k + "\n" + v + "\n";
    s += "profiles.db " + std::to_string(dir_.Read(".aud/profiles.db").size()) + "\n";
    s += "webhook requests " + std::to_string(server_.Requests().size()) + "\n";
    // The recorded publications (planning alone may create an empty state).
    std::istringstream st(Aud({"state", "list"}).out);
    for (std::string line; std::getline(st, line);)
      if (line.find("buyers_aud") != std::string::npos) s += line + "\n";
    return s;
  }
  // Plan and apply both refuse with `message`; nothing reaches a destination.
  void ExpectRefused(const std::string& message) {
    const std::string before = Published();
    RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan"});
    EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(message), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("nothing is published"), std::string::npos) << r.err;
    EXPECT_FALSE(dir_.Exists("p.plan"));
    RunResult a = Apply();
    EXPECT_EQ(a.exit_code, 1) << a.out << a.err;
    EXPECT_NE(a.err.find(message), std::string::npos) << a.err;
    EXPECT_EQ(Published(), before);
  }
  aud::testing::TestServer server_{aud::testing::TestServer::Options{}};
  TempDir dir_{"aud-expect"};
};

TEST_F(PlanExpect, SizeOutsideBoundsSendsNothing) {
  dir_.Write("main.aud", Main("  expect size between 100 and 5000\n"));
  dir_.Write("data/events.jsonl", Events(200, 50));
  ExpectRefused(
      "audience `buyers_aud`: `expect size between 100 and 5000` failed: it has 50 members");
  EXPECT_FALSE(dir_.Exists("exports"));
  EXPECT_FALSE(dir_.Exists(".aud/profiles.db"));
  EXPECT_TRUE(server_.Requests().empty());
  // Within the bounds the same project publishes.
  dir_.Write("data/events.jsonl", Events(200, 150));
  RunResult ok = Apply();
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(dir_.Exists("exports/buyers_aud.jsonl"));
  EXPECT_FALSE(server_.Requests().empty());
}

TEST_F(PlanExpect, SizeBoundsAtLeastAndAtMost) {
  dir_.Write("main.aud", Main("  expect size >= 10\n  expect size <= 40\n"));
  dir_.Write("data/events.jsonl", Events(100, 50));
  ExpectRefused("audience `buyers_aud`: `expect size <= 40` failed: it has 50 members");
  dir_.Write("data/events.jsonl", Events(100, 5));
  ExpectRefused("audience `buyers_aud`: `expect size >= 10` failed: it has 5 members");
  dir_.Write("data/events.jsonl", Events(100, 40));
  EXPECT_EQ(Apply().exit_code, 0);
}

TEST_F(PlanExpect, SizeChangeSinceTheLastPublish) {
  dir_.Write("main.aud", Main("  expect size_change <= 0.2\n"));
  dir_.Write("data/events.jsonl", Events(200, 200));
  RunResult first = Apply();  // no previous publish: nothing to compare
  ASSERT_EQ(first.exit_code, 0) << first.err;
  dir_.Write("data/events.jsonl", Events(200, 150));
  ExpectRefused(
      "publication buyers_aud -> mail: `expect size_change <= 0.2` failed: 150 members now "
      "against 200 members at the last publish, a change of 25.0% (at most 20.0% allowed)");
  dir_.Write("data/events.jsonl", Events(200, 170));
  RunResult ok = Apply();
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

TEST_F(PlanExpect, UniqueKeyAtADestination) {
  dir_.Write("main.aud", Main("", "  expect unique key\n"));
  dir_.Write("data/events.jsonl", Events(20, 20, 3));
  ExpectRefused(
      "publication buyers_aud -> hook_out: `expect unique key` failed: 2 members share their "
      "`email` key value with another member");
  EXPECT_TRUE(server_.Requests().empty());
  dir_.Write("data/events.jsonl", Events(20, 20, 1));
  EXPECT_EQ(Apply().exit_code, 0);
}

TEST_F(PlanExpect, AttributeNotMissing) {
  dir_.Write("main.aud", Main("  expect coupon not missing\n  expect spent not missing\n"));
  dir_.Write("data/events.jsonl", Events(30, 12));
  ExpectRefused(
      "audience `buyers_aud`: `expect coupon not missing` failed: 12 of 12 members have no "
      "`coupon`");
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.err.find("expect spent not missing"), std::string::npos) << r.err;
}

}  // namespace
