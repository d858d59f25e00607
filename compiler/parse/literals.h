#pragma once
// Decoding of literal tokens (strings, integers, durations, floats, times)
// with precise error reports. Free of ANTLR so it is unit-testable alone.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aud::parse {

// A problem inside a literal: byte offsets are relative to the token text.
struct LiteralError {
  uint32_t begin = 0;
  uint32_t end = 0;
  std::string message;
};

// Decodes a STRING token (with its quotes). Bad escapes are appended to
// `errors` (if non-null); decoding continues after each one.
std::string DecodeString(std::string_view token, std::vector<LiteralError>* errors);

// Parses an INT token. False when it does not fit in int64.
bool DecodeInt(std::string_view token, int64_t* value);

// Parses a DURATION token (`30d`). False on overflow of the amount or of
// the millisecond value.
bool DecodeDuration(std::string_view token, int64_t* amount, char* unit, int64_t* millis);

// Parses a FLOAT token, locale-independently. False when it overflows a
// double (underflow yields 0).
bool DecodeFloat(std::string_view token, double* value);

// Like ParseTime, but says what is wrong (e.g. "month must be 1–12"); see
// base::ParseRfc3339.
bool ParseTimeDetailed(std::string_view text, int64_t* millis, std::string* why);

// Shows one code point for a message: printable characters as themselves,
// control and invisible ones as `\xNN` / `\u{NNNN}`.
std::string ShowCodePoint(uint32_t cp);

// Escapes a text for display inside backticks (control characters as \xNN).
std::string ShowText(std::string_view text, size_t max_bytes = 40);

}  // namespace aud::parse
