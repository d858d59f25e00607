#include "compiler/parse/literals.h"

#include <charconv>
#include <cstdio>

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

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` digits at `pos`.
bool Digits(std::string_view s, size_t& pos, size_t n, int* value) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = s[pos + k];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  pos += n;
  *value = v;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

bool Fail(std::string* why, std::string msg) {
  if (why) *why = std::move(msg);
  return false;
}

std::string Two(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", v);
  return buf;
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
  static const char* kShape =
      "expected a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDThh:mm:ssZ` (or with an offset "
      "such as `+01:00`)";
  size_t pos = 0;
  int year = 0, month = 0, day = 0;
  if (!Digits(s, pos, 4, &year) || !Expect(s, pos, '-') || !Digits(s, pos, 2, &month) ||
      !Expect(s, pos, '-') || !Digits(s, pos, 2, &day)) {
    return Fail(why, kShape);
  }
  int hour = 0, minute = 0, second = 0, ms = 0, off_sign = 0, off_h = 0, off_m = 0;
  if (pos < s.size()) {
    if (!Expect(s, pos, 'T') || !Digits(s, pos, 2, &hour) || !Expect(s, pos, ':') ||
        !Digits(s, pos, 2, &minute) || !Expect(s, pos, ':') || !Digits(s, pos, 2, &second)) {
      return Fail(why, kShape);
    }
    if (Expect(s, pos, '.')) {
      size_t digits = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        // Fractions are truncated to milliseconds.
        if (digits < 3) ms = ms * 10 + (s[pos] - '0');
        ++digits;
        ++pos;
      }
      if (digits == 0) return Fail(why, "expected digits after `.` in the seconds");
      for (size_t k = digits; k < 3; ++k) ms *= 10;
    }
    if (pos == s.size()) {
      return Fail(why, "missing time zone: add `Z` (UTC) or an offset such as `+01:00`");
    }
    if (Expect(s, pos, 'Z')) {
      off_sign = 0;
    } else if (s[pos] == '+' || s[pos] == '-') {
      off_sign = s[pos] == '+' ? 1 : -1;
      ++pos;
      if (!Digits(s, pos, 2, &off_h) || !Expect(s, pos, ':') || !Digits(s, pos, 2, &off_m)) {
        return Fail(why, "expected an offset such as `+01:00`");
      }
    } else {
      return Fail(why, "expected `Z` or an offset such as `+01:00` after the seconds");
    }
    if (pos != s.size()) return Fail(why, kShape);
  }
  if (month < 1 || month > 12) return Fail(why, "month must be 1–12");
  unsigned dim = DaysInMonth(year, static_cast<unsigned>(month));
  if (day < 1 || day > static_cast<int>(dim)) {
    if (month == 2) {
      return Fail(why, "day must be 1–" + std::to_string(dim) + " in February " +
                           std::to_string(year) + (dim == 28 ? " (not a leap year)" : ""));
    }
    return Fail(why, "day must be 1–" + std::to_string(dim) + " in month " + Two(month));
  }
  if (hour > 23) return Fail(why, "hour must be 0–23");
  if (minute > 59) return Fail(why, "minute must be 0–59");
  if (second > 59) return Fail(why, "second must be 0–59");
  if (off_h > 23) return Fail(why, "offset hour must be 0–23");
  if (off_m > 59) return Fail(why, "offset minute must be 0–59");
  int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t t = days * 86400000LL + hour * 3600000LL + minute * 60000LL + second * 1000LL + ms;
  // Local time minus the offset is UTC.
  t -= off_sign * (off_h * 3600000LL + off_m * 60000LL);
  if (millis) *millis = t;
  return true;
}

bool ParseTime(std::string_view text, int64_t* millis) {
  int64_t v = 0;
  if (!ParseTimeDetailed(text, &v, nullptr)) return false;
  if (millis) *millis = v;
  return true;
}

bool ParseEventTimestamp(std::string_view text, int64_t* millis) {
  // Data timestamps are RFC 3339 date-times: a time part is required, and
  // RFC 3339 (§5.6) allows a lower-case `t` and `z`.
  if (text.size() < 11 || (text[10] != 'T' && text[10] != 't')) return false;
  std::string upper(text);
  upper[10] = 'T';
  if (upper.back() == 'z') upper.back() = 'Z';
  return ParseTime(upper, millis);
}

}  // namespace aud::parse
