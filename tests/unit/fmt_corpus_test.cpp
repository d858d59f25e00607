// The formatter over every real `.aud` file of the repository (examples/,
// stdlib/std/, tests/check/): fmt is a fixed point, keeps the meaning
// (equal AST dumps) and keeps every comment. Files named `fail_*` and, in
// examples/ and tests/check/, files that do not parse are skipped; the
// standard library must parse.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/ast/dump.h"
#include "compiler/base/diagnostics.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"

namespace aud::fmt {
namespace {

namespace fs = std::filesystem;

struct Parsed {
  base::SourceManager sm;
  std::unique_ptr<ast::File> file;
  std::string errors;
};

std::unique_ptr<Parsed> ParseText(const std::string& text, const std::string& path) {
  auto p = std::make_unique<Parsed>();
  base::FileId id = p->sm.Add(path, text);
  base::Diagnostics diags(p->sm);
  p->file = parse::ParseFile(id, diags);
  if (!p->file || diags.HasErrors()) {
    p->errors = diags.Render();
    p->file.reset();
  }
  return p;
}

std::vector<std::string> CommentTexts(const ast::File& f) {
  std::vector<std::string> out;
  for (const ast::Comment& c : f.comments) {
    std::string t = c.text;
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.pop_back();
    out.push_back(std::move(t));
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> AudFiles(const fs::path& root) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return out;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->path().extension() != ".aud") continue;
    if (it->path().filename().string().rfind("fail_", 0) == 0) continue;
    // Build and state folders of example projects are not sources.
    if (it->path().string().find("/.aud/") != std::string::npos) continue;
    out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Counts {
  size_t found = 0;    // .aud files (not fail_*)
  size_t checked = 0;  // of which parsed and were checked
};

// Checks every file under `dir`; `must_parse` turns a parse error into a failure.
Counts CheckFolder(const std::string& dir, bool must_parse) {
  Counts counts;
  for (const fs::path& path : AudFiles(fs::path(AUD_SOURCE_DIR) / dir)) {
    ++counts.found;
    SCOPED_TRACE(path.string());
    std::ifstream in(path, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    std::string text = buf.str();

    auto original = ParseText(text, path.string());
    if (!original->file) {
      if (must_parse) ADD_FAILURE() << "does not parse:\n" << original->errors;
      continue;
    }
    ++counts.checked;
    std::string once = FormatFile(*original->file, original->sm);
    auto formatted = ParseText(once, path.string() + " (formatted)");
    if (!formatted->file) {
      ADD_FAILURE() << "formatted text does not parse:\n" << formatted->errors << "\n" << once;
      continue;
    }
    EXPECT_EQ(ast::Dump(*formatted->file), ast::Dump(*original->file))
        << "formatting changed the meaning; formatted:\n"
        << once;
    EXPECT_EQ(CommentTexts(*formatted->file), CommentTexts(*original->file))
        << "formatting lost or changed comments; formatted:\n"
        << once;
    EXPECT_EQ(FormatFile(*formatted->file, formatted->sm), once) << "formatting is not idempotent";
  }
  std::cout << "[ corpus   ] " << dir << ": " << counts.checked << " of " << counts.found
            << " files checked\n";
  return counts;
}

TEST(FmtCorpus, StandardLibrary) {
  Counts c = CheckFolder("stdlib/std", /*must_parse=*/true);
  // std/governance, std/ecommerce, std/segment, ...: all of them parse.
  EXPECT_GE(c.checked, 1u) << "no standard module found under stdlib/std";
  EXPECT_EQ(c.checked, c.found);
}

TEST(FmtCorpus, Examples) {
  Counts c = CheckFolder("examples", /*must_parse=*/false);
  // Once examples exist, at least one of them must really be exercised.
  if (c.found > 0) {
    EXPECT_GE(c.checked, 1u) << "no file under examples/ parses";
  }
}

TEST(FmtCorpus, CheckTests) {
  Counts c = CheckFolder("tests/check", /*must_parse=*/false);
  (void)c;  // tests/check holds deliberate errors: whatever parses is checked
}

TEST(FmtCorpus, SomethingWasChecked) {
  // Guard against the walk silently finding nothing (a wrong AUD_SOURCE_DIR):
  // the repository root must at least have the folders the corpus reads.
  EXPECT_TRUE(fs::is_directory(fs::path(AUD_SOURCE_DIR) / "stdlib"));
  EXPECT_TRUE(fs::is_directory(fs::path(AUD_SOURCE_DIR) / "tests" / "check"));
}

}  // namespace
}  // namespace aud::fmt
