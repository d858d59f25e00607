#include "compiler/base/diag_format.h"

#include <algorithm>
#include <filesystem>

#include "compiler/base/json_text.h"

namespace aud::base {

namespace {

constexpr std::string_view kDidYouMean = "did you mean `";

bool IsWordByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The suggestion of a "did you mean `X`?" note, or "".
std::string Suggestion(std::string_view message) {
  if (message.substr(0, kDidYouMean.size()) != kDidYouMean) return {};
  std::string_view rest = message.substr(kDidYouMean.size());
  if (rest.size() < 3 || rest.substr(rest.size() - 2) != "`?") return {};
  rest.remove_suffix(2);
  if (rest.find('`') != std::string_view::npos) return {};
  return std::string(rest);
}

// The names a message quotes in backticks, in order.
std::vector<std::string_view> Backticked(std::string_view message) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while ((i = message.find('`', i)) != std::string_view::npos) {
    size_t j = message.find('`', i + 1);
    if (j == std::string_view::npos) break;
    if (j > i + 1) out.push_back(message.substr(i + 1, j - i - 1));
    i = j + 1;
  }
  return out;
}

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}

void AppendPosition(const LineCol& p, std::string* out) {
  *out += "{\"line\":" + std::to_string(p.line) + ",\"column\":" + std::to_string(p.col) + "}";
}

// "file":...,"range":... of a location (both null when it has none).
void AppendLocation(const SourceManager& sm, SourceRange r, std::string* out) {
  if (!r.valid() || r.file > sm.size()) {
    *out += "\"file\":null,\"range\":null";
    return;
  }
  *out += "\"file\":";
  AppendJsonString(sm.file(r.file).path, out);
  *out += ",\"range\":{\"start\":";
  AppendPosition(sm.Position(r.file, r.begin), out);
  *out += ",\"end\":";
  AppendPosition(EndPosition(sm, r), out);
  *out += "}";
}

std::string PrefixedPath(std::string_view prefix, const std::string& path) {
  if (prefix.empty() || prefix == ".") return path;
  return (std::filesystem::path(std::string(prefix)) / path).lexically_normal().generic_string();
}

// GitHub workflow-command escaping of a message and of a property value.
std::string GithubData(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}
std::string GithubProperty(std::string_view s) {
  std::string out;
  for (char c : GithubData(s)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

// A note as text: "path:line:col: message" or just the message.
std::string NoteText(const SourceManager& sm, const Note& n, std::string_view prefix) {
  if (!n.range.valid() || n.range.file > sm.size()) return n.message;
  LineCol p = sm.Position(n.range.file, n.range.begin);
  return PrefixedPath(prefix, sm.file(n.range.file).path) + ":" + std::to_string(p.line) + ":" +
         std::to_string(p.col) + ": " + n.message;
}

}  // namespace

LineCol EndPosition(const SourceManager& sm, SourceRange r) {
  const SourceFile& f = sm.file(r.file);
  uint32_t end = std::min<uint32_t>(std::max(r.end, r.begin), f.text.size());
  return sm.Position(r.file, end);
}

uint32_t CodePointColumn(const SourceManager& sm, FileId file, uint32_t offset) {
  const SourceFile& f = sm.file(file);
  offset = std::min<uint32_t>(offset, f.text.size());
  LineCol lc = sm.Position(file, offset);
  uint32_t start = f.line_starts[lc.line - 1];
  uint32_t col = 1;
  for (uint32_t i = start; i < offset; ++i)
    if ((static_cast<unsigned char>(f.text[i]) & 0xC0) != 0x80) ++col;
  return col;
}

std::vector<FixIt> FixIts(const Diagnostic& d, const SourceManager& sm) {
  std::vector<FixIt> out;
  for (const Note& n : d.notes) {
    std::string s = Suggestion(n.message);
    if (s.empty()) continue;
    if (n.range.valid()) {
      if (n.range.file <= sm.size()) out.push_back({n.range, s});
      continue;
    }
    if (!d.range.valid() || d.range.file > sm.size()) continue;
    std::string_view text = sm.Text(d.range);
    std::vector<std::string_view> names = Backticked(d.message);
    bool done = false;
    for (std::string_view w : names) {
      if (w == text && w != s) {
        out.push_back({d.range, s});
        done = true;
        break;
      }
    }
    for (size_t k = 0; !done && k < names.size(); ++k) {
      std::string_view w = names[k];
      if (w == s) continue;
      size_t found = std::string_view::npos, count = 0;
      for (size_t at = text.find(w); at != std::string_view::npos; at = text.find(w, at + 1)) {
        bool left = at == 0 || !IsWordByte(text[at - 1]);
        bool right = at + w.size() == text.size() || !IsWordByte(text[at + w.size()]);
        if (left && right) {
          found = at;
          ++count;
        }
      }
      if (count == 1) {
        SourceRange r = d.range;
        r.begin = d.range.begin + static_cast<uint32_t>(found);
        r.end = r.begin + static_cast<uint32_t>(w.size());
        out.push_back({r, s});
        done = true;
      }
    }
  }
  return out;
}

bool ParseDiagFormat(std::string_view name, DiagFormat* out) {
  if (name == "text")
    *out = DiagFormat::Text;
  else if (name == "json")
    *out = DiagFormat::Json;
  else if (name == "sarif")
    *out = DiagFormat::Sarif;
  else if (name == "github")
    *out = DiagFormat::Github;
  else
    return false;
  return true;
}

std::string RenderJson(const Diagnostics& diags) {
  const SourceManager& sm = diags.sources();
  std::string out = "{\"version\":1,\"diagnostics\":[";
  size_t errors = 0, warnings = 0;
  bool first = true;
  for (const Diagnostic& d : diags.all()) {
    errors += d.severity == Severity::Error;
    warnings += d.severity == Severity::Warning;
    if (!first) out += ",";
    first = false;
    out += "{";
    AppendLocation(sm, d.range, &out);
    out += ",\"severity\":\"" + std::string(SeverityName(d.severity)) + "\",\"kind\":\"" +
           std::string(DiagKindName(d.kind)) + "\",\"message\":";
    AppendJsonString(d.message, &out);
    out += ",\"notes\":[";
    for (size_t i = 0; i < d.notes.size(); ++i) {
      if (i) out += ",";
      out += "{";
      AppendLocation(sm, d.notes[i].range, &out);
      out += ",\"message\":";
      AppendJsonString(d.notes[i].message, &out);
      out += "}";
    }
    out += "],\"fixits\":[";
    std::vector<FixIt> fixits = FixIts(d, sm);
    for (size_t i = 0; i < fixits.size(); ++i) {
      if (i) out += ",";
      out += "{";
      AppendLocation(sm, fixits[i].range, &out);
      out += ",\"replacement\":";
      AppendJsonString(fixits[i].replacement, &out);
      out += "}";
    }
    out += "]}";
  }
  out += "],\"errors\":" + std::to_string(errors) + ",\"warnings\":" + std::to_string(warnings) +
         "}\n";
  return out;
}

std::string RenderSarif(const Diagnostics& diags, std::string_view version,
                        std::string_view path_prefix) {
  const SourceManager& sm = diags.sources();
  auto region = [&](SourceRange r, std::string* out) {
    LineCol b = sm.Position(r.file, r.begin);
    LineCol e = EndPosition(sm, r);
    uint32_t end_offset = std::min<uint32_t>(std::max(r.end, r.begin), sm.file(r.file).text.size());
    *out += "{\"physicalLocation\":{\"artifactLocation\":{\"uri\":";
    AppendJsonString(PrefixedPath(path_prefix, sm.file(r.file).path), out);
    *out += "},\"region\":{\"startLine\":" + std::to_string(b.line) +
            ",\"startColumn\":" + std::to_string(CodePointColumn(sm, r.file, r.begin)) +
            ",\"endLine\":" + std::to_string(e.line) +
            ",\"endColumn\":" + std::to_string(CodePointColumn(sm, r.file, end_offset)) + "}}";
  };
  std::string out =
      "{\"$schema\":\"https://json.schemastore.org/sarif-2.1.0.json\",\"version\":\"2.1.0\","
      "\"runs\":[{\"tool\":{\"driver\":{\"name\":\"aud\",\"version\":";
  AppendJsonString(version, &out);
  out += ",\"rules\":[";
  const std::vector<DiagKind>& kinds = AllDiagKinds();
  for (size_t i = 0; i < kinds.size(); ++i) {
    if (i) out += ",";
    out += "{\"id\":\"" + std::string(DiagKindName(kinds[i])) +
           "\",\"defaultConfiguration\":{\"level\":\"" +
           std::string(SeverityName(DiagKindSeverity(kinds[i]))) + "\"}}";
  }
  out += "]}},\"columnKind\":\"unicodeCodePoints\",\"results\":[";
  bool first = true;
  for (const Diagnostic& d : diags.all()) {
    if (!first) out += ",";
    first = false;
    out += "{\"ruleId\":\"" + std::string(DiagKindName(d.kind)) +
           "\",\"ruleIndex\":" + std::to_string(static_cast<size_t>(d.kind)) + ",\"level\":\"" +
           std::string(SeverityName(d.severity)) + "\",\"message\":{\"text\":";
    AppendJsonString(d.message, &out);
    out += "},\"locations\":[";
    bool located = d.range.valid() && d.range.file <= sm.size();
    if (located) {
      region(d.range, &out);
      out += "}";
    }
    out += "],\"relatedLocations\":[";
    bool first_note = true;
    for (const Note& n : d.notes) {
      if (!n.range.valid() || n.range.file > sm.size()) continue;
      if (!first_note) out += ",";
      first_note = false;
      region(n.range, &out);
      out += ",\"message\":{\"text\":";
      AppendJsonString(n.message, &out);
      out += "}}";
    }
    out += "]";
    std::vector<FixIt> fixits = FixIts(d, sm);
    if (!fixits.empty()) {
      out += ",\"fixes\":[";
      for (size_t i = 0; i < fixits.size(); ++i) {
        if (i) out += ",";
        const FixIt& f = fixits[i];
        out += "{\"description\":{\"text\":";
        AppendJsonString("replace with `" + f.replacement + "`", &out);
        out += "},\"artifactChanges\":[{\"artifactLocation\":{\"uri\":";
        AppendJsonString(PrefixedPath(path_prefix, sm.file(f.range.file).path), &out);
        uint32_t end_offset = std::min<uint32_t>(std::max(f.range.end, f.range.begin),
                                                 sm.file(f.range.file).text.size());
        LineCol b = sm.Position(f.range.file, f.range.begin);
        LineCol e = EndPosition(sm, f.range);
        out +=
            "},\"replacements\":[{\"deletedRegion\":{\"startLine\":" + std::to_string(b.line) +
            ",\"startColumn\":" + std::to_string(CodePointColumn(sm, f.range.file, f.range.begin)) +
            ",\"endLine\":" + std::to_string(e.line) +
            ",\"endColumn\":" + std::to_string(CodePointColumn(sm, f.range.file, end_offset)) +
            "},\"insertedContent\":{\"text\":";
        AppendJsonString(f.replacement, &out);
        out += "}}]}]}";
      }
      out += "]";
    }
    // Notes without a location are part of the message in the other formats;
    // SARIF keeps them as properties so no text is lost.
    std::vector<const Note*> loose;
    for (const Note& n : d.notes)
      if (!n.range.valid() || n.range.file > sm.size()) loose.push_back(&n);
    if (!loose.empty()) {
      out += ",\"properties\":{\"notes\":[";
      for (size_t i = 0; i < loose.size(); ++i) {
        if (i) out += ",";
        AppendJsonString(loose[i]->message, &out);
      }
      out += "]}";
    }
    out += "}";
  }
  out += "]}]}\n";
  return out;
}

std::string RenderGithub(const Diagnostics& diags, std::string_view path_prefix) {
  const SourceManager& sm = diags.sources();
  std::string out;
  for (const Diagnostic& d : diags.all()) {
    out += "::" +
           std::string(SeverityName(d.severity) == "note" ? "notice" : SeverityName(d.severity));
    std::vector<std::string> props;
    if (d.range.valid() && d.range.file <= sm.size()) {
      LineCol b = sm.Position(d.range.file, d.range.begin);
      LineCol e = EndPosition(sm, d.range);
      props.push_back("file=" +
                      GithubProperty(PrefixedPath(path_prefix, sm.file(d.range.file).path)));
      props.push_back("line=" + std::to_string(b.line));
      props.push_back("col=" + std::to_string(b.col));
      props.push_back("endLine=" + std::to_string(e.line));
      props.push_back("endColumn=" + std::to_string(e.col));
    }
    props.push_back("title=" + GithubProperty("aud [" + std::string(DiagKindName(d.kind)) + "]"));
    for (size_t i = 0; i < props.size(); ++i) out += (i ? "," : " ") + props[i];
    std::string message = d.message;
    for (const Note& n : d.notes) message += "\nnote: " + NoteText(sm, n, path_prefix);
    out += "::" + GithubData(message) + "\n";
  }
  return out;
}

}  // namespace aud::base
