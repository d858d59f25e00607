// `test` declarations run on their fixtures (runtime/testing): inline
// fixtures and JSON-lines files become one in-memory store; expectations are
// compared per profile on both executors; the project's data, cache and
// state are never read or written.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/driver/driver.h"
#include "runtime/testing/testing.h"

namespace aud::testing {
namespace {

namespace fs = std::filesystem;

const char* kProgram = R"(event order_completed "Order Completed" {
  revenue: float
  context.campaign.source: string
}
event home page { path: string }
trait email: string
trait vip: bool
identity user_id: declared from userId
identity email: declared from trait email normalize email

segment buyers = count(order_completed where revenue > 10) >= 2
segment from_ads = did(order_completed where `context.campaign.source` == "ads")
segment visitors = did(home where path == "/")
audience big {
  members buyers
  identities email
  attributes {
    spent = sum(order_completed.revenue)
    flag = vip
  }
}
)";

// A project folder (aud.toml, main.aud, data the tests must never read).
struct Project {
  std::string dir;
  explicit Project(const std::string& tests, const std::string& name = "p") {
    dir = (fs::temp_directory_path() /
           ("aud_testing_test_" + name + "_" + std::to_string(::getpid())))
              .string();
    fs::remove_all(dir);
    Write("aud.toml",
          "[project]\nname = \"t\"\nstdlib = false\n\n[sources.web]\npath = "
          "\"data/*.jsonl\"\n\n[connections.out]\ntype = \"file\"\ndir = \"out\"\nformat = "
          "\"csv\"\n");
    Write("main.aud", std::string(kProgram) + tests);
    // Real data in which everybody is a buyer: a test reading it would see them.
    std::string data;
    for (int i = 0; i < 3; ++i)
      data += R"({"type":"track","event":"Order Completed","userId":"u1","timestamp":"2026-01-0)" +
              std::to_string(i + 1) + R"(T00:00:00Z","properties":{"revenue":100}})" + "\n";
    Write("data/events.jsonl", data);
  }
  ~Project() { fs::remove_all(dir); }
  void Write(const std::string& path, const std::string& text) const {
    fs::create_directories(fs::path(dir + "/" + path).parent_path());
    std::ofstream(dir + "/" + path) << text;
  }
  Report Run(const std::string& engine = "jit", std::vector<std::string> names = {}) const {
    driver::Options o;
    o.dir = dir;
    driver::Compiled c = driver::Compile(o);
    EXPECT_TRUE(c.ok()) << c.project->diags.Render(false) << c.error;
    if (!c.ok()) return {};
    Options to;
    to.project_dir = dir;
    to.engine = engine;
    to.names = std::move(names);
    return testing::Run(*c.project, c.program, to);
  }
};

const char* kPassing = R"(
test inline_fixtures {
  as_of @2026-03-01
  given {
    event order_completed "u1" @2026-02-01 { revenue = 20, context.campaign.source = "ads" }
    event order_completed anonymous "a1" @2026-02-02 { revenue = 30.5 }
    alias "a1" to "u1" @2026-02-03
    identify "u1" @2026-01-01 { email = " U1@X.se ", vip = true }
    event order_completed "u2" @2026-02-01 { revenue = 50 }
    event home anonymous "v9" @2026-02-01 { path = "/" }
    event order_completed "late" @2026-04-01 { revenue = 99 }
    event order_completed "late" @2026-04-02 { revenue = 99 }
  }
  expect buyers == ["u1"]
  expect buyers contains "a1"
  expect buyers excludes "u2", "v9"
  expect from_ads == ["u1"]
  expect visitors == ["v9"]
  expect big.spent of "u1" == 50.5
  expect big.flag of "u1" == true
  expect big identities email of "u1" == ["u1@x.se"]
}
)";

TEST(TestingRun, InlineFixturesPassOnBothEngines) {
  Project p(kPassing, "pass");
  for (const char* engine : {"jit", "interp"}) {
    Report r = p.Run(engine);
    ASSERT_EQ(r.tests.size(), 1u);
    const TestResult& t = r.tests[0];
    EXPECT_EQ(t.error, "") << engine;
    EXPECT_TRUE(t.passed) << engine;
    EXPECT_EQ(t.outcomes.size(), 8u);
    for (const Outcome& o : t.outcomes) EXPECT_TRUE(o.passed) << engine << ": " << o.text;
    EXPECT_EQ(t.profiles, 3u);  // u1 (with a1), u2, v9; "late" is after as_of
    EXPECT_EQ(r.Failed(), 0u);
  }
  // Neither the cache, the state nor a quarantine appeared.
  EXPECT_FALSE(fs::exists(p.dir + "/.aud"));
}

TEST(TestingRun, FailuresAreReportedPerProfile) {
  Project p(R"(
test broken {
  as_of @2026-03-01
  given {
    event order_completed "u1" @2026-02-01 { revenue = 20 }
    event order_completed "u1" @2026-02-02 { revenue = 20 }
    event order_completed "u2" @2026-02-01 { revenue = 20 }
    event order_completed "u3" @2026-02-01 { revenue = 20 }
    event order_completed "u3" @2026-02-02 { revenue = 20 }
  }
  expect buyers == ["u1", "u2"]
  expect buyers contains "u2"
  expect buyers excludes "u3"
  expect big.spent of "u1" == 41.0
  expect big.flag of "u1" == true
  expect big.spent of "u2" missing
  expect big identities email of "u1" == ["x@y"]
}
)",
            "fail");
  Report r = p.Run("interp");
  ASSERT_EQ(r.tests.size(), 1u);
  const TestResult& t = r.tests[0];
  EXPECT_FALSE(t.passed);
  EXPECT_EQ(t.error, "");
  ASSERT_EQ(t.outcomes.size(), 7u);
  auto diff = [&](size_t i) {
    std::string s;
    for (const DiffLine& d : t.outcomes[i].diff)
      s += d.profile + ": expected " + d.expected + ", got " + d.got + "\n";
    return s;
  };
  EXPECT_EQ(diff(0),
            "u2: expected member, got not a member\nu3: expected not a member, got member\n");
  EXPECT_EQ(diff(1), "u2: expected member, got not a member\n");
  EXPECT_EQ(diff(2), "u3: expected not a member, got member\n");
  EXPECT_EQ(diff(3), "u1: expected 41.0, got 40.0\n");
  EXPECT_EQ(diff(4), "u1: expected true, got missing\n");
  EXPECT_EQ(diff(5), "u2: expected member, got not a member\n");
  EXPECT_EQ(diff(6), "u1: expected [\"x@y\"], got []\n");
  EXPECT_EQ(t.outcomes[3].text, "expect big.spent of \"u1\" == 41.0");
  EXPECT_EQ(t.outcomes[3].line, 35u);
  EXPECT_EQ(r.Failed(), 1u);
}

TEST(TestingRun, FixtureFilesInsideTheProject) {
  Project p(R"(
test from_file {
  as_of @2026-03-01
  given "fixtures/orders.jsonl"
  given { event order_completed "u2" @2026-02-01 { revenue = 20 } }
  expect buyers == ["u1"]
  expect buyers excludes "u2"
  expect buyers contains "nobody"
}
)",
            "file");
  p.Write(
      "fixtures/orders.jsonl",
      R"({"type":"track","event":"Order Completed","userId":"u1","timestamp":"2026-02-01T00:00:00Z","properties":{"revenue":11}})"
      "\n\n"
      R"({"type":"track","event":"Order Completed","userId":"u1","timestamp":"2026-02-02T00:00:00Z","properties":{"revenue":12}})"
      "\n");
  Report r = p.Run();
  ASSERT_EQ(r.tests.size(), 1u);
  const TestResult& t = r.tests[0];
  EXPECT_EQ(t.error, "");
  ASSERT_EQ(t.outcomes.size(), 3u);
  EXPECT_TRUE(t.outcomes[0].passed);
  EXPECT_TRUE(t.outcomes[1].passed);
  // An id no fixture mentions (the checker cannot know a file's ids).
  ASSERT_FALSE(t.outcomes[2].passed);
  EXPECT_EQ(t.outcomes[2].diff.at(0).got, "no fixture at or before as_of mentions it");
  EXPECT_FALSE(fs::exists(p.dir + "/.aud"));

  // A bad line is named by its line number.
  p.Write(
      "fixtures/orders.jsonl",
      R"({"type":"track","event":"Order Completed","userId":"u1","timestamp":"2026-02-01T00:00:00Z"})"
      "\n{not json\n");
  r = p.Run();
  EXPECT_EQ(r.tests.at(0).error,
            "fixture file \"fixtures/orders.jsonl\" line 2 is not an accepted Segment message "
            "(invalid-json)");
  EXPECT_FALSE(r.tests[0].passed);

  // Events no declaration knows.
  p.Write(
      "fixtures/orders.jsonl",
      R"({"type":"track","event":"Order Complete","userId":"u1","timestamp":"2026-02-01T00:00:00Z"})"
      "\n");
  r = p.Run();
  EXPECT_EQ(r.tests.at(0).error,
            "the fixture files hold events no `event` declares: track:Order Complete (1); "
            "declare them or remove them from the fixtures");

  // A missing file, and a symlink leading out of the project.
  fs::remove(p.dir + "/fixtures/orders.jsonl");
  r = p.Run();
  EXPECT_NE(r.tests.at(0).error.find("fixture file \"fixtures/orders.jsonl\" does not exist"),
            std::string::npos)
      << r.tests[0].error;
  fs::create_symlink("/etc/hostname", p.dir + "/fixtures/orders.jsonl");
  r = p.Run();
  EXPECT_NE(r.tests.at(0).error.find("resolves outside the project folder"), std::string::npos)
      << r.tests[0].error;
}

TEST(TestingRun, PublicationsThroughThePlannerPhases) {
  Project p("", "pub");
  p.Write("main.aud", std::string(kProgram) + R"(
action analytics
consent opted_in = vip == true
destination crm {
  connection out
  actions analytics
  consent opted_in
  key email hashed
  map spent -> "Spent", user_id -> "id"
}
publish big to crm, profile_store

test sends {
  as_of @2026-03-01
  given {
    identify "u1" @2026-01-01 { email = "A@x.se", vip = true }
    identify "u2" @2026-01-01 { vip = true }
    identify "u3" @2026-01-01 { email = "a@x.se ", vip = true }
    identify "u4" @2026-01-01 { email = "d@x.se" }
    event order_completed "u1" @2026-02-01 { revenue = 20 }
    event order_completed "u1" @2026-02-02 { revenue = 30 }
    event order_completed "u2" @2026-02-01 { revenue = 20 }
    event order_completed "u2" @2026-02-02 { revenue = 30 }
    event order_completed "u3" @2026-02-01 { revenue = 20 }
    event order_completed "u3" @2026-02-02 { revenue = 30 }
    event order_completed "u4" @2026-02-01 { revenue = 20 }
    event order_completed "u4" @2026-02-02 { revenue = 30 }
    event order_completed "u5" @2026-02-01 { revenue = 20 }
  }
  expect big to crm sends "u1" key "89d89d73734b161daa0e897b41f195b49b2cbdb1bde770ff514f07ad6b7dcb58" { "Spent" = 50, "id" = "u1" }
  expect big to crm skips "u2" no_key
  expect big to crm skips "u3" duplicate_key
  expect big to crm skips "u4" no_consent
  expect big to crm skips "u5" not_member
  expect big to profile_store sends "u4" key "u4" { "spent" = 50.0 }
}
)");
  Report r = p.Run("interp");
  ASSERT_EQ(r.tests.size(), 1u);
  const TestResult& t = r.tests[0];
  EXPECT_EQ(t.error, "");
  ASSERT_EQ(t.outcomes.size(), 6u);
  // The key is the SHA-256 hex of the normalized email (`key email hashed`).
  for (size_t i = 0; i < 6; ++i)
    EXPECT_TRUE(t.outcomes[i].passed)
        << t.outcomes[i].text << ": "
        << (t.outcomes[i].diff.empty() ? "" : t.outcomes[i].diff[0].got);
}

TEST(TestingRun, SelectsTestsByName) {
  Project p(std::string(kPassing) + R"(
test other {
  as_of @2026-03-01
  given { event order_completed "u1" @2026-02-01 { revenue = 20 } }
  expect buyers == []
}
)",
            "names");
  EXPECT_EQ(p.Run().tests.size(), 2u);
  Report r = p.Run("jit", {"other"});
  ASSERT_EQ(r.tests.size(), 1u);
  EXPECT_EQ(r.tests[0].name, "other");
  EXPECT_TRUE(r.tests[0].passed);
}

TEST(TestingFixtures, LinesAreSegmentMessages) {
  driver::Options o;
  o.require_config = false;
  check::SourceTree tree;
  tree.files["main.aud"] = std::string(kProgram) + R"(
test t {
  as_of @2026-03-01
  given {
    event order_completed "u1" anonymous "a\"1" @2026-02-01T10:00:00Z { revenue = 20, context.campaign.source = "ads" }
    event home anonymous "v" @2026-02-01 { path = "/" }
    identify "u1" @2026-01-01 { vip = false, email = "e" }
    alias "a" to "u1" @2026-01-02
  }
  expect buyers == []
}
)";
  driver::Compiled c = driver::CompileTree(tree, o);
  ASSERT_TRUE(c.ok()) << c.project->diags.Render(false);
  const ast::TestDecl* t = c.project->module.tests.at("t");
  EXPECT_EQ(
      FixtureLines(*t, c.project->module),
      R"({"type":"track","event":"Order Completed","userId":"u1","anonymousId":"a\"1","timestamp":"2026-02-01T10:00:00Z","properties":{"revenue":20.0},"context":{"campaign":{"source":"ads"}}})"
      "\n"
      R"({"type":"page","anonymousId":"v","timestamp":"2026-02-01T00:00:00Z","properties":{"path":"/"}})"
      "\n"
      R"({"type":"identify","userId":"u1","timestamp":"2026-01-01T00:00:00Z","traits":{"vip":false,"email":"e"}})"
      "\n"
      R"({"type":"alias","previousId":"a","userId":"u1","timestamp":"2026-01-02T00:00:00Z"})"
      "\n");
}

}  // namespace
}  // namespace aud::testing
