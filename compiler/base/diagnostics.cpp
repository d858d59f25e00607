#include "compiler/base/diagnostics.h"

#include <algorithm>

namespace aud::base {

namespace {
struct KindInfo {
  std::string_view name;
  Severity severity;
};
constexpr KindInfo kKinds[] = {
#define AUD_DIAG(Enum, Name, Sev) {Name, Severity::Sev},
#include "compiler/base/diag_kinds.def"
#undef AUD_DIAG
};

std::string_view SeverityWord(Severity s) {
  switch (s) {
    case Severity::Note: return "note";
    case Severity::Warning: return "warning";
    case Severity::Error: return "error";
  }
  return "error";
}
}  // namespace

std::string_view DiagKindName(DiagKind k) { return kKinds[static_cast<size_t>(k)].name; }
Severity DiagKindSeverity(DiagKind k) { return kKinds[static_cast<size_t>(k)].severity; }

const std::vector<DiagKind>& AllDiagKinds() {
  static const std::vector<DiagKind> all = [] {
    std::vector<DiagKind> v;
    for (size_t i = 0; i < std::size(kKinds); ++i) v.push_back(static_cast<DiagKind>(i));
    return v;
  }();
  return all;
}

Diagnostic& Diagnostics::Report(DiagKind kind, SourceRange range, std::string message) {
  Severity sev = DiagKindSeverity(kind);
  if (sev == Severity::Error) ++errors_;
  diags_.push_back(Diagnostic{kind, sev, range, std::move(message), {}, false});
  return diags_.back();
}

void Diagnostics::Sort() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    // Project-level diagnostics (no location) come first.
    if (a.range.file != b.range.file) return a.range.file < b.range.file;
    return a.range.begin < b.range.begin;
  });
}

namespace {
// One located message line plus the source line and underline.
void RenderLocated(const SourceManager& sm, SourceRange r, std::string_view sev,
                   std::string_view msg, std::string_view suffix, bool color, std::string& out,
                   bool hide_source = false) {
  const char* bold = color ? "\x1b[1m" : "";
  const char* reset = color ? "\x1b[0m" : "";
  const char* sevc = "";
  if (color) sevc = sev == "error" ? "\x1b[1;31m" : sev == "warning" ? "\x1b[1;35m" : "\x1b[1;36m";
  if (!r.valid()) {
    // Project-level diagnostics say `aud:`; a note without a place stands alone.
    std::string who = sev == "note" ? "" : std::string(bold) + "aud: " + reset;
    out += who + sevc + std::string(sev) + ": " + reset + (sev == "note" ? "" : bold) +
           std::string(msg) + reset + std::string(suffix) + "\n";
    return;
  }
  const SourceFile& f = sm.file(r.file);
  LineCol lc = sm.Position(r.file, r.begin);
  out += std::string(bold) + f.path + ":" + std::to_string(lc.line) + ":" + std::to_string(lc.col) +
         ": " + reset + sevc + std::string(sev) + ": " + reset + bold + std::string(msg) + reset +
         std::string(suffix) + "\n";
  if (hide_source) return;
  std::string_view line = sm.Line(r.file, lc.line);
  std::string shown;
  std::string under;
  // Tabs are expanded to one space so the caret stays aligned.
  for (char c : line) shown += (c == '\t' ? ' ' : c);
  out += shown + "\n";
  uint32_t col0 = lc.col - 1;
  uint32_t len = r.end > r.begin ? r.end - r.begin : 1;
  uint32_t line_len = static_cast<uint32_t>(line.size());
  if (col0 + len > line_len) len = line_len > col0 ? line_len - col0 : 1;
  under.assign(col0, ' ');
  under += '^';
  if (len > 1) under.append(len - 1, '~');
  out += (color ? "\x1b[1;32m" : "") + under + reset + "\n";
}
}  // namespace

std::string Diagnostics::Render(const Diagnostic& d, bool color) const {
  std::string out;
  std::string suffix = " [" + std::string(DiagKindName(d.kind)) + "]";
  RenderLocated(*sm_, d.range, SeverityWord(d.severity), d.message, suffix, color, out,
                d.hide_source);
  for (const Note& n : d.notes) RenderLocated(*sm_, n.range, "note", n.message, "", color, out);
  return out;
}

std::string Diagnostics::Render(bool color) const {
  std::string out;
  for (const Diagnostic& d : diags_) out += Render(d, color);
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  // Optimal string alignment: insert, delete, substitute, or swap two
  // neighbours ("emial" -> "email" is one edit), each costing 1.
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2.swap(prev);
    prev.swap(cur);
  }
  return prev[b.size()];
}

std::string Suggest(std::string_view name, const std::vector<std::string>& candidates) {
  // Accept up to a third of the name's length in edits (at least 1, at most 3).
  size_t limit = std::clamp<size_t>(name.size() / 3, 1, 3);
  std::string best;
  size_t best_d = limit + 1;
  for (const std::string& c : candidates) {
    if (c == name) continue;
    size_t d = EditDistance(name, c);
    if (d < best_d || (d == best_d && c < best)) {
      best_d = d;
      best = c;
    }
  }
  return best_d <= limit ? best : std::string();
}

}  // namespace aud::base
