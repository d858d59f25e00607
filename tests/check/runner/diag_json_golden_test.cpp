// Machine-readable diagnostics goldens (tests/check/json/, see
// tests/check/README.md): each `.aud` file there is checked in memory like
// a golden check test, and its diagnostics rendered by base::RenderJson must
// equal the `.json` file beside it (compared pretty-printed, so the
// expectation is readable and the output is known to be valid JSON). When a
// `.sarif` or `.github` file exists too, RenderSarif / RenderGithub must
// equal it. `--autoupdate` rewrites the expectations from the actual output.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/base/diag_format.h"
#include "compiler/check/check.h"
#include "tests/check/runner/golden_file.h"

#ifndef AUD_JSON_TEST_DIR
#error "AUD_JSON_TEST_DIR must name the tests/check/json source folder"
#endif

namespace aud::golden {
namespace {

namespace fs = std::filesystem;

bool g_autoupdate = false;

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

std::vector<std::string> FindTests() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(AUD_JSON_TEST_DIR, ec))
    if (e.is_regular_file() && e.path().extension() == ".aud")
      names.push_back(e.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<check::Project> CheckGolden(const GoldenFile& g) {
  check::SourceTree tree;
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
  return check::Check(tree);
}

// Compares `actual` with the file `path` (or rewrites it under --autoupdate).
void Expect(const fs::path& path, const std::string& actual) {
  if (g_autoupdate) {
    if (ReadBytes(path) != actual) {
      ASSERT_TRUE(WriteBytes(path, actual)) << "cannot write " << path;
      std::cout << "[autoupdate] updated " << path.filename().string() << "\n";
    }
    return;
  }
  ASSERT_TRUE(fs::exists(path)) << path << " is missing (run `diag_json_golden_test --autoupdate`)";
  EXPECT_EQ(ReadBytes(path), actual)
      << path << " differs from the output (if the new output is right, run "
      << "`diag_json_golden_test --autoupdate`)";
}

class DiagJsonGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DiagJsonGoldenTest, Matches) {
  const fs::path dir(AUD_JSON_TEST_DIR);
  const std::string& name = GetParam();
  GoldenFile g = ParseGoldenFile(ReadBytes(dir / (name + ".aud")));
  ASSERT_TRUE(g.error.empty()) << name << ": malformed golden file: " << g.error;
  std::unique_ptr<check::Project> project = CheckGolden(g);

  std::string json = base::RenderJson(project->diags);
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.back(), '\n');
  EXPECT_EQ(std::count(json.begin(), json.end(), '\n'), 1) << "the document is one line";
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, false);
  ASSERT_FALSE(doc.is_discarded()) << "not valid JSON:\n" << json;
  // The counts agree with the list.
  size_t errors = 0;
  for (const auto& d : doc["diagnostics"]) errors += d["severity"] == "error";
  EXPECT_EQ(doc["errors"].get<size_t>(), errors);
  EXPECT_EQ(errors, project->diags.error_count());
  Expect(dir / (name + ".json"), doc.dump(2) + "\n");

  if (fs::exists(dir / (name + ".sarif"))) {
    std::string sarif = base::RenderSarif(project->diags, "test", "");
    nlohmann::json s = nlohmann::json::parse(sarif, nullptr, false);
    ASSERT_FALSE(s.is_discarded()) << "not valid JSON:\n" << sarif;
    // The rule list is the whole registry: keep the expectation to the results.
    EXPECT_EQ(s["runs"][0]["tool"]["driver"]["rules"].size(), base::AllDiagKinds().size());
    s["runs"][0]["tool"]["driver"].erase("rules");
    Expect(dir / (name + ".sarif"), s.dump(2) + "\n");
  }
  if (fs::exists(dir / (name + ".github")))
    Expect(dir / (name + ".github"), base::RenderGithub(project->diags, ""));
}

INSTANTIATE_TEST_SUITE_P(Json, DiagJsonGoldenTest, ::testing::ValuesIn(FindTests()));

}  // namespace
}  // namespace aud::golden

int main(int argc, char** argv) {
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--autoupdate") == 0)
      aud::golden::g_autoupdate = true;
    else
      argv[out++] = argv[i];
  }
  argc = out;
  argv[argc] = nullptr;
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
