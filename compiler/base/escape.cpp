// Escaping text from data for terminals and JSON (escape.h).

#include "compiler/base/escape.h"

#include <cstdint>

namespace aud::base {

namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";

}  // namespace

size_t DecodeUtf8(std::string_view s, size_t i, char32_t* cp) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  const size_t left = s.size() - i;
  const unsigned char c = p[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  char32_t v, min;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (left < len) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (p[k] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

namespace {

void AppendHex(char32_t v, int digits, const char* hex, std::string* out) {
  for (int d = digits - 1; d >= 0; --d) out->push_back(hex[(v >> (4 * d)) & 15]);
}

}  // namespace

bool IsUnsafeCodePoint(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;
  if (cp < 0x61C) return false;
  return cp == 0x61C || cp == 0x200E || cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069);
}

std::string TerminalSafe(std::string_view s) {
  size_t i = 0;
  // Fast path: nothing to escape (the usual case) returns a plain copy.
  for (char32_t cp; i < s.size();) {
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0 || IsUnsafeCodePoint(cp)) break;
    i += n;
  }
  std::string out(s.substr(0, i));
  if (i == s.size()) return out;
  out.reserve(s.size() + 16);
  while (i < s.size()) {
    char32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) {
      out.append("\\x");
      AppendHex(static_cast<unsigned char>(s[i]), 2, kHexUpper, &out);
      ++i;
      continue;
    }
    if (!IsUnsafeCodePoint(cp)) {
      out.append(s.substr(i, n));
    } else if (cp == '\n') {
      out.append("\\n");
    } else if (cp == '\r') {
      out.append("\\r");
    } else if (cp == '\t') {
      out.append("\\t");
    } else {
      out.append("\\u{");
      AppendHex(cp, cp > 0xFF ? 4 : 2, kHexUpper, &out);
      out.push_back('}');
    }
    i += n;
  }
  return out;
}

}  // namespace aud::base
