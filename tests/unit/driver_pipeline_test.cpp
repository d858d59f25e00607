// The driver (runtime/driver/driver.h): load → check → lower → bind and the
// data load, as every command, benchmark and test runs them.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/driver/driver.h"

namespace aud::driver {
namespace {

namespace fs = std::filesystem;

const char* kProgram =
    "event order_completed \"Order Completed\" { revenue: float }\n"
    "identity user_id: declared from userId\n"
    "segment buyers = count(order_completed where revenue > 10) >= 2\n";

check::SourceTree Tree(const std::string& main) {
  check::SourceTree tree;
  tree.files["main.aud"] = main;
  return tree;
}

Options NoConfig() {
  Options o;
  o.require_config = false;
  return o;
}

// A project folder with aud.toml, main.aud and events; removed at the end.
struct Project {
  std::string dir;
  Project() {
    dir = (fs::temp_directory_path() / ("aud_driver_test_" + std::to_string(::getpid()))).string();
    fs::remove_all(dir);
    Write("aud.toml",
          "[project]\nname = \"t\"\n\n[sources.web]\npath = \"data/*.jsonl\"\nformat = "
          "\"segment\"\n");
    Write("main.aud", kProgram);
    std::string events;
    for (int i = 0; i < 6; ++i)
      events += R"({"type":"track","event":"Order Completed","userId":"u)" + std::to_string(i % 3) +
                R"(","timestamp":"2026-01-0)" + std::to_string(i + 1) +
                R"(T00:00:00Z","properties":{"revenue":)" + std::to_string(5 + 5 * i) + "}}\n";
    Write("data/events.jsonl", events);
  }
  ~Project() { fs::remove_all(dir); }
  void Write(const std::string& path, const std::string& text) {
    fs::create_directories(fs::path(dir + "/" + path).parent_path());
    std::ofstream(dir + "/" + path) << text;
  }
};

TEST(DriverCompile, ChecksAndLowers) {
  Compiled c = CompileTree(Tree(kProgram), NoConfig());
  ASSERT_TRUE(c.ok()) << c.project->diags.Render(false) << c.error;
  EXPECT_NE(c.program.FindFormula("buyers"), ir::kNone);
  Compiled only = CompileTree(Tree(kProgram), NoConfig(), Until::Check);
  EXPECT_TRUE(only.project->ok());
  EXPECT_FALSE(only.lowered) << "Until::Check stops before lowering";
  ir::Program p;
  std::string error;
  ASSERT_TRUE(Lower(*only.project, &p, &error)) << error;
  EXPECT_EQ(ir::PrintProgram(p), ir::PrintProgram(c.program));
}

TEST(DriverCompile, ACheckErrorStopsBeforeLowering) {
  Compiled c = CompileTree(Tree("segment s = count(nope) >= 1\n"), NoConfig());
  EXPECT_FALSE(c.ok());
  EXPECT_FALSE(c.project->ok());
  EXPECT_FALSE(c.lowered);
  EXPECT_GT(c.project->diags.error_count(), 0u);
  EXPECT_NE(c.project->diags.Render(false).find("`nope`"), std::string::npos);
  // Without aud.toml a project folder is an error unless allowed.
  Options o;
  Compiled missing = CompileTree(Tree(kProgram), o);
  EXPECT_FALSE(missing.project->ok());
}

TEST(DriverOptions, AsOfAndEngines) {
  int64_t a = 0, b = 0;
  std::string why;
  ASSERT_TRUE(ParseAsOf("@2026-03-01", &a, &why)) << why;
  ASSERT_TRUE(ParseAsOf("2026-03-01T00:00:00Z", &b, &why)) << why;
  EXPECT_EQ(a, b);
  EXPECT_FALSE(ParseAsOf("2026-02-30", &a, &why));
  EXPECT_EQ(why, "day must be 1–28 in February 2026 (not a leap year)");
  EXPECT_TRUE(KnownEngine("jit"));
  EXPECT_TRUE(KnownEngine("interp"));
  EXPECT_TRUE(KnownEngine("postgres"));          // docs/sql-engine.md
  EXPECT_TRUE(KnownEngine("postgres-sharded"));  // docs/scale.md
  EXPECT_FALSE(KnownEngine("duckdb"));
}

TEST(DriverData, LoadsBindsAndEvaluatesAProjectFolder) {
  Project project;
  Options o;
  o.dir = project.dir;
  o.engine = "interp";
  Compiled c = Compile(o);
  ASSERT_TRUE(c.ok()) << c.project->diags.Render(false) << c.error;
  ingest::Options io = IngestOptions(o, *c.project);
  EXPECT_EQ(io.project_dir, CanonicalDir(project.dir));
  // The source, then the log `aud serve` collects (docs/serve.md).
  EXPECT_EQ(io.globs, (std::vector<std::string>{"data/*.jsonl", ".aud/collected/*.jsonl"}));
  EXPECT_EQ(io.names, (std::vector<std::string>{"web", "collected"}));
  EXPECT_EQ(io.quarantine_dir, project.dir + "/.aud/quarantine");
  int64_t as_of = 0;
  std::string why;
  ASSERT_TRUE(ParseAsOf("2026-02-01", &as_of, &why));
  Data data;
  std::string error;
  ASSERT_TRUE(LoadData(o, *c.project, as_of, nullptr, &data, &error)) << error;
  EXPECT_EQ(data.ingest.stats.events, 6u);
  EXPECT_FALSE(data.cache.hit);
  EXPECT_TRUE(fs::exists(EventCachePath(o)));
  EXPECT_EQ(data.profiles.count, 3u);
  std::string notice;
  auto ev = Bind(o, c.program, data.ingest.store, eval::Options{}, &notice);
  ASSERT_TRUE(ev);
  ASSERT_EQ(ev->error(), "");
  eval::Result r = ev->Run(data.profiles);
  ASSERT_TRUE(r.ok()) << r.error;
  // Revenues 5..30: u0 has 5 and 20, u1 10 and 25, u2 15 and 30: only u2
  // has two over 10.
  EXPECT_EQ(r.members[static_cast<size_t>(c.program.FindFormula("buyers"))].Count(), 1u);
  // A second load reads the cache.
  Data again;
  ASSERT_TRUE(LoadData(o, *c.project, as_of, nullptr, &again, &error)) << error;
  EXPECT_TRUE(again.cache.hit);
}

}  // namespace
}  // namespace aud::driver
