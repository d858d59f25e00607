#pragma once
// JSON string text: the one JSON string writer of aud. Every JSON output
// (plans, `eval --format jsonl`, the file connector, the profile store, the
// quarantine, `--json` renderings) quotes strings here, or passes the text of
// nlohmann's dump through JsonTerminalSafe, so one definition of which code
// points are escaped holds everywhere (escape.h, IsUnsafeCodePoint).

#include <string>
#include <string_view>

namespace aud::base {

// Appends `s` to `out` as a quoted JSON string: `\"`, `\\`, `\b`, `\f`, `\n`,
// `\r`, `\t`, other unsafe code points as `\u00xx`/`\uxxxx` (lower-case hex),
// invalid UTF-8 as U+FFFD, everything else as UTF-8.
void AppendJsonString(std::string_view s, std::string* out);

// `s` as a quoted JSON string (AppendJsonString).
std::string JsonString(std::string_view s);

// JSON text written by another writer (nlohmann's dump, which escapes only
// what JSON requires) with the remaining unsafe code points (DEL, C1, bidi
// controls, U+2028/U+2029) escaped as `\uxxxx`; the text means the same.
std::string JsonTerminalSafe(std::string_view json);

}  // namespace aud::base
