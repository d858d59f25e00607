#pragma once
// Diagnostics: a registry of kinds, a sink that collects them, and the
// clang-style renderer (file:line:col, source line, ^~~~ underline, notes).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/base/source.h"

namespace aud::base {

// How bad a diagnostic is.
enum class Severity : uint8_t { Note, Warning, Error };

// Every diagnostic kind (diag_kinds.def is the registry).
enum class DiagKind : uint16_t {
#define AUD_DIAG(Enum, Name, Sev) Enum,
#include "compiler/base/diag_kinds.def"
#undef AUD_DIAG
};

// The stable name of a kind, shown as [name].
std::string_view DiagKindName(DiagKind k);
// The severity a kind is reported with.
Severity DiagKindSeverity(DiagKind k);
// Every registered kind, in registry order.
const std::vector<DiagKind>& AllDiagKinds();

// A secondary message attached to a diagnostic ("first declared here").
struct Note {
  SourceRange range;  // may be invalid: a note without a location
  std::string message;
};

// One reported problem. Messages are lower-case, no trailing period,
// names in backticks.
struct Diagnostic {
  DiagKind kind;
  Severity severity;
  SourceRange range;  // may be invalid for project-level problems
  std::string message;
  std::vector<Note> notes;
  // Show file:line:col but not the source line (it may hold a credential).
  bool hide_source = false;
};

// Collects diagnostics of one compilation.
class Diagnostics {
 public:
  explicit Diagnostics(const SourceManager& sm) : sm_(&sm) {}
  // Reports a diagnostic and returns it so notes can be added.
  Diagnostic& Report(DiagKind kind, SourceRange range, std::string message);
  bool HasErrors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  const std::vector<Diagnostic>& all() const { return diags_; }
  // The `i`-th reported diagnostic, to amend it (e.g. hide its source line).
  Diagnostic& at(size_t i) { return diags_.at(i); }
  // Sorts by file, then offset (stable: equal locations keep report order).
  void Sort();
  // Renders all diagnostics, clang-style. `color` adds ANSI colours.
  std::string Render(bool color = false) const;
  // Renders one diagnostic.
  std::string Render(const Diagnostic& d, bool color = false) const;
  const SourceManager& sources() const { return *sm_; }

 private:
  const SourceManager* sm_;
  std::vector<Diagnostic> diags_;
  size_t errors_ = 0;
};

// Closest candidate by edit distance, or "" when none is close enough.
std::string Suggest(std::string_view name, const std::vector<std::string>& candidates);
// Edit distance in bytes (optimal string alignment: a swap of neighbours is one edit).
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace aud::base
