#pragma once
// Parsing: one source file -> ast::File. Syntax and lexical errors become
// diagnostics (never ANTLR console output); no exception escapes.

#include <memory>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/base/diagnostics.h"

namespace aud::parse {

// Parses the file `id` of `diags.sources()`. Returns null when the file has
// any syntax error (all of them reported); otherwise the tree with comments.
std::unique_ptr<ast::File> ParseFile(base::FileId id, base::Diagnostics& diags);

// Decodes an RFC 3339 date or date-time (without `@`) into milliseconds since
// the epoch, UTC (base::ParseRfc3339). False when malformed or out of range.
bool ParseTime(std::string_view text, int64_t* millis);

// Decodes a timestamp of event data (docs/reference/language.md §5): an RFC 3339 date-time
// (a date alone is not one), `T`/`Z` in either case (base::ParseEventTimestamp).
bool ParseEventTimestamp(std::string_view text, int64_t* millis);

// True when `text` is a reserved keyword of the language.
bool IsKeyword(std::string_view text);
// Every reserved keyword of the language, in grammar order (for completion).
std::vector<std::string> Keywords();

}  // namespace aud::parse
