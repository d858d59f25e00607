#include "tests/check/runner/golden_file.h"

#include <set>

namespace aud::golden {

namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r") == std::string_view::npos;
}

std::string_view Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return {};
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// Joins the lines of a part, dropping trailing blank lines so the checked
// text does not depend on how the CHECK block below it is laid out.
std::string JoinPart(std::vector<std::string_view>& lines) {
  while (!lines.empty() && IsBlank(lines.back())) lines.pop_back();
  std::string text;
  for (std::string_view l : lines) {
    text += l;
    text += '\n';
  }
  return text;
}

}  // namespace

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    lines.emplace_back(text.substr(pos, nl - pos));
    pos = nl + 1;
  }
  return lines;
}

GoldenFile ParseGoldenFile(std::string_view content) {
  GoldenFile g;
  std::vector<std::string> raw = SplitLines(content);
  std::string path = "main.aud";
  std::vector<std::string_view> lines;
  std::set<std::string> seen;
  // The text before the first marker is main.aud, unless the file starts
  // with a marker (a test of aud.toml alone, for example).
  bool in_part = raw.empty() || !raw.front().starts_with(kPartPrefix);
  bool in_checks = false;
  size_t line_no = 0;
  auto finish = [&] {
    if (!in_part) return;
    if (!seen.insert(path).second && g.error.empty()) g.error = "duplicate part `" + path + "`";
    g.parts.push_back(Part{path, JoinPart(lines)});
    lines.clear();
  };
  for (const std::string& line : raw) {
    ++line_no;
    std::string_view l = line;
    if (l.starts_with(kCheckPrefix)) {
      std::string_view rest = l.substr(kCheckPrefix.size());
      if (rest.starts_with(' ')) rest.remove_prefix(1);
      g.expected.emplace_back(rest);
      in_checks = true;
      continue;
    }
    if (in_checks && !IsBlank(l) && g.error.empty()) {
      g.error = "line " + std::to_string(line_no) +
                ": only `# CHECK:STDERR:` lines may follow the first one (they end the file)";
    }
    if (l.starts_with(kPartPrefix)) {
      finish();
      path = std::string(Trim(l.substr(kPartPrefix.size())));
      if (path.empty() && g.error.empty()) {
        g.error = "line " + std::to_string(line_no) + ": `# --- ` needs a file path";
      }
      in_part = true;
      continue;
    }
    lines.push_back(l);
  }
  finish();
  return g;
}

std::map<std::string, std::string> ProjectFiles(const GoldenFile& g) {
  std::map<std::string, std::string> files;
  for (const Part& p : g.parts) files[p.path] = p.text;
  // A test of a project without aud.toml says so with `# AUD-TEST: no-config`.
  bool no_config = false;
  for (const Part& p : g.parts)
    no_config = no_config || p.text.find("# AUD-TEST: no-config") != std::string::npos;
  if (!files.count("aud.toml") && !no_config) files["aud.toml"] = std::string(kDefaultConfig);
  return files;
}

std::string RenderGoldenFile(const GoldenFile& g, const std::vector<std::string>& actual) {
  std::string out;
  for (size_t i = 0; i < g.parts.size(); ++i) {
    const Part& p = g.parts[i];
    if (i > 0) out += '\n';  // one blank line between parts
    if (i > 0 || p.path != "main.aud") out += std::string(kPartPrefix) + p.path + "\n";
    out += p.text;
  }
  if (!actual.empty()) {
    if (!out.empty()) out += '\n';
    for (const std::string& l : actual) {
      out += kCheckPrefix;
      if (!l.empty()) out += " " + l;
      out += '\n';
    }
  }
  return out;
}

}  // namespace aud::golden
