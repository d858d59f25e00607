#pragma once
// Machine-readable diagnostics (docs/diagnostics-json.md): the `--format
// json` document, SARIF 2.1.0 and GitHub Actions workflow commands, plus the
// fix-its derived from "did you mean" notes. Every string goes through
// json_text (JSON) or the workflow-command escaping (GitHub).

#include <string>
#include <string_view>
#include <vector>

#include "compiler/base/diagnostics.h"

namespace aud::base {

// A replacement that fixes a diagnostic: `range` becomes `replacement`.
struct FixIt {
  SourceRange range;
  std::string replacement;
};

// The fix-its of a diagnostic: one per "did you mean `X`?" note whose
// misspelt text can be located exactly (the note's own range, or the
// diagnostic's range when its text is one of the message's backticked
// names, or that name found once as a whole word inside the range).
std::vector<FixIt> FixIts(const Diagnostic& d, const SourceManager& sm);

// The end of a range as a 1-based line and column (the column just past the
// last byte; columns count bytes like LineCol).
LineCol EndPosition(const SourceManager& sm, SourceRange r);

// The 1-based column of `offset` counted in Unicode code points (SARIF's
// `unicodeCodePoints` column kind).
uint32_t CodePointColumn(const SourceManager& sm, FileId file, uint32_t offset);

// The diagnostic output formats of the command line.
enum class DiagFormat : uint8_t { Text, Json, Sarif, Github };

// Parses "text", "json", "sarif" or "github"; false for anything else.
bool ParseDiagFormat(std::string_view name, DiagFormat* out);

// The `--format json` document: {"version":1,"diagnostics":[...],"errors":N,
// "warnings":N}, one line, newline-terminated.
std::string RenderJson(const Diagnostics& diags);

// A SARIF 2.1.0 log with one run of the tool `aud` at `version`. Paths are
// prefixed with `path_prefix` (the `-C DIR` folder; "" for none).
std::string RenderSarif(const Diagnostics& diags, std::string_view version,
                        std::string_view path_prefix);

// One GitHub Actions workflow command per diagnostic (`::error file=...,
// line=...,col=...,endLine=...,endColumn=...,title=...::message`), notes
// folded into the message; paths prefixed like RenderSarif.
std::string RenderGithub(const Diagnostics& diags, std::string_view path_prefix);

}  // namespace aud::base
