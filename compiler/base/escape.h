#pragma once
// Escaping text that comes from data (event values, destination responses,
// plan and state files) before it reaches a terminal or a JSON text. One
// definition of "unsafe" for every output of aud: control characters (C0,
// DEL, C1), bidirectional-text controls and the Unicode line and paragraph
// separators. Text without them is returned unchanged, byte for byte.

#include <string>
#include <string_view>

namespace aud::base {

// True for the code points no output of aud prints raw: U+0000-U+001F,
// U+007F-U+009F, U+061C, U+200E, U+200F, U+2028-U+202E and U+2066-U+2069.
bool IsUnsafeCodePoint(char32_t cp);

// `s` made safe to print on a terminal: `\n`, `\r` and `\t` for those three,
// `\u{1B}` (the aud string-literal form, upper-case hex) for every other
// unsafe code point, `\xFF` for a byte that is not part of valid UTF-8; all
// else (backslashes included) unchanged.
std::string TerminalSafe(std::string_view s);

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
