#include "compiler/parse/literals.h"

#include <charconv>
#include <cstdio>

#include "compiler/base/civil_time.h"
#include "compiler/parse/parse.h"

namespace aud::parse {

namespace {

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Length of the UTF-8 sequence led by `c` (1 for ASCII and stray bytes).
size_t Utf8Length(unsigned char c) {
  if (c >= 0xF0) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

// Decodes the code point at `s[i]` (the text is known to be valid UTF-8).
uint32_t CodePointAt(std::string_view s, size_t i, size_t* len) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t n = Utf8Length(c);
  if (i + n > s.size()) n = 1;
  *len = n;
  if (n == 1) return c;
  uint32_t cp = c & (0x7F >> n);
  for (size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return cp;
}

}  // namespace

std::string ShowCodePoint(uint32_t cp) {
  char buf[16];
  if (cp < 0x20 || cp == 0x7F) {
    std::snprintf(buf, sizeof buf, "\\x%02X", cp);
    return buf;
  }
  bool invisible = (cp >= 0x80 && cp <= 0xA0) || cp == 0xAD || (cp >= 0x2000 && cp <= 0x200F) ||
                   (cp >= 0x2028 && cp <= 0x202F) || (cp >= 0x205F && cp <= 0x206F) ||
                   cp == 0x3000 || (cp >= 0xE000 && cp <= 0xF8FF) ||
                   (cp >= 0xFFF0 && cp <= 0xFFFF) || cp == 0xFEFF || cp >= 0xF0000;
  if (invisible) {
    std::snprintf(buf, sizeof buf, "\\u{%X}", cp);
    return buf;
  }
  std::string out;
  AppendUtf8(cp, out);
  return out;
}

std::string ShowText(std::string_view text, size_t max_bytes) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (out.size() >= max_bytes) {
      out += "…";
      break;
    }
    size_t len = 1;
    uint32_t cp = CodePointAt(text, i, &len);
    if (cp == '\t') {
      out += ' ';
    } else {
      out += ShowCodePoint(cp);
    }
    i += len;
  }
  return out;
}

std::string DecodeString(std::string_view token, std::vector<LiteralError>* errors) {
  std::string out;
  // The token includes both quotes; the lexer guarantees the shape.
  if (token.size() < 2) return out;
  const size_t end = token.size() - 1;
  out.reserve(end);
  auto report = [&](size_t b, size_t e, std::string msg) {
    if (errors) {
      errors->push_back({static_cast<uint32_t>(b), static_cast<uint32_t>(e), std::move(msg)});
    }
  };
  size_t i = 1;
  while (i < end) {
    char c = token[i];
    if (c != '\\') {
      out += c;
      ++i;
      continue;
    }
    if (i + 1 >= end) {  // cannot happen for a well-formed STRING token
      report(i, i + 1, "invalid escape `\\` at the end of the string");
      break;
    }
    char e = token[i + 1];
    switch (e) {
      case '"':
        out += '"';
        i += 2;
        continue;
      case '\\':
        out += '\\';
        i += 2;
        continue;
      case 'n':
        out += '\n';
        i += 2;
        continue;
      case 't':
        out += '\t';
        i += 2;
        continue;
      default: break;
    }
    if (e != 'u') {
      size_t len = Utf8Length(static_cast<unsigned char>(e));
      if (i + 1 + len > end) len = end - i - 1;
      std::string shown(token.substr(i, 1 + len));
      size_t cp_len = 1;
      uint32_t cp = CodePointAt(token, i + 1, &cp_len);
      if (cp < 0x20 || cp == 0x7F) {
        shown.assign(1, '\\');
        shown.append(ShowCodePoint(cp));
      }
      report(i, i + 1 + len,
             "invalid escape `" + shown +
                 "`; valid escapes are `\\\"`, `\\\\`, `\\n`, `\\t` and `\\u{HEX}`");
      i += 1 + len;
      continue;
    }
    // \u{HEX}
    if (i + 2 >= end || token[i + 2] != '{') {
      report(i, i + 2,
             "invalid escape `\\u`: expected `{` and 1 to 6 hex digits, as in `\\u{1F600}`");
      i += 2;
      continue;
    }
    size_t j = i + 3;
    uint32_t cp = 0;
    size_t digits = 0;
    while (j < end && IsHex(token[j])) {
      if (digits < 8) cp = cp * 16 + static_cast<uint32_t>(HexValue(token[j]));
      ++digits;
      ++j;
    }
    if (j >= end || token[j] != '}') {
      report(i, j, "invalid escape `" + std::string(token.substr(i, j - i)) + "`: missing `}`");
      i = j;
      continue;
    }
    std::string shown(token.substr(i, j + 1 - i));
    if (digits == 0 || digits > 6) {
      report(i, j + 1, "invalid escape `" + shown + "`: expected 1 to 6 hex digits");
    } else if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      report(i, j + 1, "invalid escape `" + shown + "`: not a Unicode scalar value");
    } else {
      AppendUtf8(cp, out);
    }
    i = j + 1;
  }
  return out;
}

bool DecodeInt(std::string_view token, int64_t* value) {
  int64_t v = 0;
  for (char c : token) {
    if (c < '0' || c > '9') return false;
    if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, c - '0', &v)) return false;
  }
  *value = v;
  return !token.empty();
}

bool DecodeDuration(std::string_view token, int64_t* amount, char* unit, int64_t* millis) {
  if (token.size() < 2) return false;
  char u = token.back();
  int64_t per = 0;
  switch (u) {
    case 's': per = 1000; break;
    case 'm': per = 60LL * 1000; break;
    case 'h': per = 3600LL * 1000; break;
    case 'd': per = 86400LL * 1000; break;
    case 'w': per = 7LL * 86400 * 1000; break;
    default: return false;
  }
  int64_t a = 0;
  if (!DecodeInt(token.substr(0, token.size() - 1), &a)) return false;
  int64_t ms = 0;
  if (__builtin_mul_overflow(a, per, &ms)) return false;
  *amount = a;
  *unit = u;
  *millis = ms;
  return true;
}

bool DecodeFloat(std::string_view token, double* value) {
  double v = 0;
  auto r = std::from_chars(token.data(), token.data() + token.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Out of range is either overflow (a non-zero integer part) or underflow.
    size_t dot = token.find('.');
    std::string_view int_part = token.substr(0, dot);
    if (int_part.find_first_not_of('0') != std::string_view::npos) return false;
    *value = 0.0;
    return true;
  }
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) return false;
  *value = v;
  return true;
}

bool ParseTimeDetailed(std::string_view s, int64_t* millis, std::string* why) {
  return base::ParseRfc3339(s, millis, why);
}

bool ParseTime(std::string_view text, int64_t* millis) { return base::ParseRfc3339(text, millis); }

bool ParseEventTimestamp(std::string_view text, int64_t* millis) {
  return base::ParseEventTimestamp(text, millis);
}

}  // namespace aud::parse
