// Golden check tests: every `.aud` file under tests/check/ is one test (see
// tests/check/README.md). The file's project is checked in memory and the
// rendered diagnostics must equal its `# CHECK:STDERR:` lines. Run the binary
// with `--autoupdate` to rewrite those lines from the actual output.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/base/diagnostics.h"
#include "compiler/check/check.h"
#include "tests/check/runner/golden_file.h"

#ifndef AUD_CHECK_TEST_DIR
#error "AUD_CHECK_TEST_DIR must name the tests/check source folder"
#endif

namespace aud::golden {
namespace {

namespace fs = std::filesystem;

bool g_autoupdate = false;

// One golden test: its path relative to tests/check/ and a gtest-safe name.
struct TestCase {
  std::string rel;
  std::string name;
};

// How gtest shows a parameter in failure messages.
void PrintTo(const TestCase& t, std::ostream* os) { *os << "tests/check/" << t.rel; }

std::string ReadBytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WriteBytes(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

// Every `.aud` file below the test folder, sorted, with unique test names.
std::vector<TestCase> FindTests() {
  std::vector<TestCase> tests;
  fs::path root(AUD_CHECK_TEST_DIR);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file() || it->path().extension() != ".aud") continue;
    TestCase t;
    t.rel = it->path().lexically_relative(root).generic_string();
    for (char c : t.rel.substr(0, t.rel.size() - 4)) {
      t.name += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
    }
    tests.push_back(std::move(t));
  }
  std::sort(tests.begin(), tests.end(),
            [](const TestCase& a, const TestCase& b) { return a.rel < b.rel; });
  // `a-b.aud` and `a_b.aud` would share a name: number the later ones.
  std::set<std::string> names;
  for (TestCase& t : tests) {
    std::string base = t.name;
    for (int n = 2; !names.insert(t.name).second; ++n) t.name = base + "_" + std::to_string(n);
  }
  return tests;
}

const std::vector<TestCase>& AllTests() {
  static const std::vector<TestCase> tests = FindTests();
  return tests;
}

// Runs the checker on a test file's project and returns the rendered lines.
std::vector<std::string> RunCheck(const GoldenFile& g, bool* has_errors) {
  check::SourceTree tree;
  // A part `# --- PATH !unreadable` stands for a file that exists but is not
  // read (a directory, a FIFO, a symlink out of the project): its text is why.
  constexpr std::string_view kUnreadable = " !unreadable";
  for (auto& [path, text] : ProjectFiles(g)) {
    if (path.size() > kUnreadable.size() &&
        path.compare(path.size() - kUnreadable.size(), kUnreadable.size(), kUnreadable) == 0) {
      std::string why = text;
      while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
      tree.unreadable[path.substr(0, path.size() - kUnreadable.size())] = why;
    } else {
      tree.files[path] = text;
    }
  }
  std::unique_ptr<check::Project> project = check::Check(tree);
  *has_errors = project->diags.HasErrors();
  return SplitLines(project->diags.Render(false));
}

std::string Block(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& l : lines) out += "  | " + l + "\n";
  return out.empty() ? "  (nothing)\n" : out;
}

class CheckGoldenTest : public ::testing::TestWithParam<TestCase> {};

TEST_P(CheckGoldenTest, Matches) {
  const TestCase& t = GetParam();
  fs::path path = fs::path(AUD_CHECK_TEST_DIR) / t.rel;
  std::string content = ReadBytes(path);
  GoldenFile g = ParseGoldenFile(content);
  ASSERT_TRUE(g.error.empty()) << t.rel << ": malformed golden file: " << g.error;

  bool has_errors = false;
  std::vector<std::string> actual = RunCheck(g, &has_errors);

  if (g_autoupdate) {
    std::string updated = RenderGoldenFile(g, actual);
    if (updated != content) {
      ASSERT_TRUE(WriteBytes(path, updated)) << "cannot write " << path;
      std::cout << "[autoupdate] updated tests/check/" << t.rel << "\n";
    }
    g.expected = actual;
  }

  bool expect_fail = fs::path(t.rel).filename().string().starts_with("fail_");
  if (expect_fail) {
    EXPECT_TRUE(has_errors) << t.rel
                            << ": a `fail_` test must produce at least one error; rename it "
                               "without `fail_` if it is meant to pass";
  } else {
    EXPECT_FALSE(has_errors) << t.rel
                             << ": produced errors; a test that expects errors must be named "
                                "`fail_*.aud`";
  }

  if (actual != g.expected) {
    size_t i = 0;
    while (i < actual.size() && i < g.expected.size() && actual[i] == g.expected[i]) ++i;
    std::string exp_i = i < g.expected.size() ? g.expected[i] : "(end)";
    std::string act_i = i < actual.size() ? actual[i] : "(end)";
    ADD_FAILURE() << "tests/check/" << t.rel << ": diagnostics differ from the CHECK lines\n"
                  << "first difference at output line " << (i + 1) << ":\n"
                  << "  expected: " << exp_i << "\n"
                  << "  actual:   " << act_i << "\n"
                  << "expected:\n"
                  << Block(g.expected) << "actual:\n"
                  << Block(actual)
                  << "(if the new output is right, run `check_golden_test --autoupdate`)";
  }
}

INSTANTIATE_TEST_SUITE_P(Golden, CheckGoldenTest, ::testing::ValuesIn(AllTests()),
                         [](const ::testing::TestParamInfo<TestCase>& info) {
                           return info.param.name;
                         });
// Without any golden file gtest would only warn; the coverage test fails instead.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(CheckGoldenTest);

// Every registered diagnostic kind is exercised by some golden test.
TEST(CheckGoldenCoverage, EveryDiagKindHasAGoldenTest) {
  std::set<std::string> seen;
  for (const TestCase& t : AllTests()) {
    GoldenFile g = ParseGoldenFile(ReadBytes(fs::path(AUD_CHECK_TEST_DIR) / t.rel));
    for (const std::string& l : g.expected) {
      // A diagnostic's first line ends in ` [kind-name]`.
      if (l.empty() || l.back() != ']') continue;
      size_t open = l.rfind(" [");
      if (open == std::string::npos) continue;
      seen.insert(l.substr(open + 2, l.size() - open - 3));
    }
  }
  std::vector<std::string> missing;
  for (base::DiagKind k : base::AllDiagKinds()) {
    std::string name(base::DiagKindName(k));
    if (!seen.count(name)) missing.push_back(name);
  }
  std::string list;
  for (const std::string& m : missing) list += "\n  " + m;
  EXPECT_TRUE(missing.empty()) << missing.size() << " of " << base::AllDiagKinds().size()
                               << " diagnostic kinds appear in no `# CHECK:STDERR:` line under "
                                  "tests/check/ (add a golden test for each):"
                               << list;
}

}  // namespace
}  // namespace aud::golden

int main(int argc, char** argv) {
  // --autoupdate is ours; everything else goes to GoogleTest.
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--autoupdate") == 0) {
      aud::golden::g_autoupdate = true;
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
