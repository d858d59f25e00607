// Golden files of `aud explain NAME --ir --passes`, `aud explain NAME
// --llvm` and `aud explain NAME --sql --dialect postgres|duckdb --as-of T`
// for every tests/eval/cases/*.aud: one file per case and form under
// tests/eval/explain/ (`CASE.ir`, `CASE.llvm`, `CASE.sql`), holding the output for each
// distinct `# EVAL` name in order. Run the binary with `--autoupdate` to
// rewrite the files from the actual output (review the diff), as with the
// check goldens (tests/check/README.md).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "tests/eval/harness.h"

namespace aud::evaltest {
namespace {

namespace fs = std::filesystem;

bool g_autoupdate = false;

std::string CasesDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/cases"; }
std::string GoldenDir() { return std::string(AUD_SOURCE_DIR) + "/tests/eval/explain"; }

std::string Aud() {
  const char* env = std::getenv("AUD_EVAL_BINARY");
  return env && *env ? env : AUD_BINARY;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// stdout of `aud -C DIR explain NAME FLAGS`, or "" with `error` set.
std::string Explain(const std::string& dir, const std::string& name, const std::string& flags,
                    std::string* error) {
  std::string cmd = Quote(Aud()) + " -C " + Quote(dir) + " explain " + Quote(name) + " " + flags +
                    " 2>" + Quote(dir + "/.explain_stderr");
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) {
    *error = "popen failed";
    return "";
  }
  std::string out;
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, got);
  int status = pclose(p);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream in(dir + "/.explain_stderr");
    std::stringstream ss;
    ss << in.rdbuf();
    *error = "`aud explain " + name + " " + flags + "` failed: " + ss.str();
  }
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string TestName(const testing::TestParamInfo<std::string>& info) {
  std::string base = fs::path(info.param).stem().string();
  for (char& c : base)
    if (!isalnum(static_cast<unsigned char>(c))) c = '_';
  return base;
}

class ExplainGolden : public testing::TestWithParam<std::string> {};

TEST_P(ExplainGolden, Matches) {
  Case c = ReadCase(GetParam());
  ASSERT_EQ(c.error, "") << c.path;
  const std::string dir = MakeTempDir("aud-explain-");
  WriteFiles(dir, c.files);
  std::string ir, llvm, sql;
  std::set<std::string> seen;
  for (const EvalSpec& e : c.evals) {
    if (!seen.insert(e.name).second) continue;
    std::string error;
    ir += "# aud explain " + e.name + " --ir --passes\n" +
          Explain(dir, e.name, "--ir --passes", &error);
    ASSERT_EQ(error, "") << c.path;
    llvm += "# aud explain " + e.name + " --llvm\n" + Explain(dir, e.name, "--llvm", &error);
    ASSERT_EQ(error, "") << c.path;
    for (const char* dialect : {"postgres", "duckdb"}) {
      const std::string flags = std::string("--sql --dialect ") + dialect + " --as-of " + e.as_of;
      sql += "# aud explain " + e.name + " " + flags + "\n" + Explain(dir, e.name, flags, &error);
      ASSERT_EQ(error, "") << c.path;
    }
  }
  RemoveTree(dir);
  const std::string stem = GoldenDir() + "/" + fs::path(c.path).stem().string();
  for (const auto& [path, actual] : {std::pair{stem + ".ir", ir}, std::pair{stem + ".llvm", llvm},
                                     std::pair{stem + ".sql", sql}}) {
    std::string expected = ReadFile(path);
    if (g_autoupdate && expected != actual) {
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out << actual;
      ASSERT_TRUE(static_cast<bool>(out)) << "cannot write " << path;
      std::cout << "[autoupdate] updated "
                << fs::path(path).lexically_relative(AUD_SOURCE_DIR).string() << "\n";
      expected = actual;
    }
    EXPECT_TRUE(expected == actual)
        << path << " differs from the output of `aud explain` ("
        << (expected.empty() ? "missing golden file" : FirstDifference(expected, actual))
        << ")\n(if the new output is right, run `explain_golden_test --autoupdate`)";
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ExplainGolden, testing::ValuesIn(CaseFiles(CasesDir())), TestName);

// Every golden file belongs to a case (a removed case leaves none behind).
TEST(ExplainGoldenFiles, NoStrayFiles) {
  std::set<std::string> cases;
  for (const std::string& c : CaseFiles(CasesDir())) cases.insert(fs::path(c).stem().string());
  for (const auto& entry : fs::directory_iterator(GoldenDir())) {
    const std::string ext = entry.path().extension().string();
    EXPECT_TRUE((ext == ".ir" || ext == ".llvm" || ext == ".sql") &&
                cases.count(entry.path().stem().string()))
        << "tests/eval/explain/" << entry.path().filename().string() << " belongs to no case";
  }
}

}  // namespace
}  // namespace aud::evaltest

int main(int argc, char** argv) {
  // --autoupdate is ours; everything else goes to GoogleTest.
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--autoupdate") == 0)
      aud::evaltest::g_autoupdate = true;
    else
      argv[out++] = argv[i];
  }
  argc = out;
  argv[argc] = nullptr;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
