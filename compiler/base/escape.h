#pragma once
// Escaping text that comes from data (event values, destination responses,
// plan and state files) before it reaches a terminal or a JSON text. One
// definition of "unsafe" for every output of aud: control characters (C0,
// DEL, C1), bidirectional-text controls and the Unicode line and paragraph
// separators. Text without them is returned unchanged, byte for byte.

#include <string>
#include <string_view>

#include "compiler/base/json_text.h"  // the JSON writers, once here

namespace aud::base {

// True for the code points no output of aud prints raw: U+0000-U+001F,
// U+007F-U+009F, U+061C, U+200E, U+200F, U+2028-U+202E and U+2066-U+2069.
bool IsUnsafeCodePoint(char32_t cp);

// `s` made safe to print on a terminal: `\n`, `\r` and `\t` for those three,
// `\u{1B}` (the aud string-literal form, upper-case hex) for every other
// unsafe code point, `\xFF` for a byte that is not part of valid UTF-8; all
// else (backslashes included) unchanged.
std::string TerminalSafe(std::string_view s);

// Decodes the UTF-8 sequence at s[i]: its length (1-4) and code point, or 0
// when the bytes there are not valid UTF-8 (overlong forms, surrogates and
// values over U+10FFFF included).
size_t DecodeUtf8(std::string_view s, size_t i, char32_t* cp);

}  // namespace aud::base
