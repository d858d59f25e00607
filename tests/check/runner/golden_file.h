#pragma once
// The golden test file format of tests/check/ (see tests/check/README.md):
// one `.aud` file holds the files of a small project, split by `# --- PATH`
// lines, and ends with the expected diagnostics as `# CHECK:STDERR:` lines.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace aud::golden {

// The prefix of an expectation line.
inline constexpr std::string_view kCheckPrefix = "# CHECK:STDERR:";
// The prefix of a line that starts a new project file.
inline constexpr std::string_view kPartPrefix = "# --- ";
// The project file used when a test gives no `aud.toml` part.
inline constexpr std::string_view kDefaultConfig = "[project]\nname = \"test\"\n";

// One project file of a test, in test-file order.
struct Part {
  std::string path;  // "main.aud" for the text before the first marker
  std::string text;  // without CHECK lines and without trailing blank lines
};

// A parsed golden test file.
struct GoldenFile {
  std::vector<Part> parts;
  std::vector<std::string> expected;  // the CHECK lines, prefix removed
  std::string error;                  // non-empty when the file is malformed
};

// Splits a test file into project files and expectations. CHECK lines are
// removed from whichever part holds them; every part loses its trailing
// blank lines so that rewriting the CHECK block never moves a diagnostic.
GoldenFile ParseGoldenFile(std::string_view content);

// The project files the checker sees: every part, plus the default aud.toml
// when no part is named `aud.toml`.
std::map<std::string, std::string> ProjectFiles(const GoldenFile& g);

// The test file with its CHECK block replaced by `actual` (rendered lines).
std::string RenderGoldenFile(const GoldenFile& g, const std::vector<std::string>& actual);

// Splits rendered diagnostics into lines (a final newline ends the last line).
std::vector<std::string> SplitLines(std::string_view text);

}  // namespace aud::golden
