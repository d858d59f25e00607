// Civil dates and RFC 3339 text (civil_time.h).

#include "compiler/base/civil_time.h"

#include <cstdio>
#include <cstdlib>

namespace aud::base {

namespace {

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

// `a` divided by `b` (> 0), rounded toward negative infinity.
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b < 0) ? q - 1 : q;
}

// `v` in exactly `width` decimal digits (v < 10^width).
void Pad(unsigned v, int width, std::string* out) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, static_cast<size_t>(width));
}

}  // namespace

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  CivilDate c;
  c.day = doy - (153 * mp + 2) / 5 + 1;
  c.month = mp < 10 ? mp + 3 : mp - 9;
  c.year = static_cast<int64_t>(yoe) + era * 400 + (c.month <= 2);
  return c;
}

CivilTime CivilFromMillis(int64_t millis) {
  const int64_t days = FloorDiv(millis, kMillisPerDay);
  const int64_t rem = millis - days * kMillisPerDay;
  CivilTime t;
  t.date = CivilFromDays(days);
  t.hour = static_cast<unsigned>(rem / 3600000);
  t.minute = static_cast<unsigned>(rem / 60000 % 60);
  t.second = static_cast<unsigned>(rem / 1000 % 60);
  t.milli = static_cast<unsigned>(rem % 1000);
  return t;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

bool ParseRfc3339(std::string_view s, int64_t* millis, std::string* why) {
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

bool ParseEventTimestamp(std::string_view text, int64_t* millis) {
  // Data timestamps are RFC 3339 date-times: a time part is required, and
  // RFC 3339 (§5.6) allows a lower-case `t` and `z`.
  if (text.size() < 11 || (text[10] != 'T' && text[10] != 't')) return false;
  std::string upper(text);
  upper[10] = 'T';
  if (upper.back() == 'z') upper.back() = 'Z';
  return ParseRfc3339(upper, millis);
}

void AppendRfc3339(int64_t millis, int offset_minutes, std::string* out) {
  const CivilTime t = CivilFromMillis(millis + offset_minutes * int64_t{60000});
  const CivilDate& c = t.date;
  if (c.year >= 0 && c.year <= 9999) {
    Pad(static_cast<unsigned>(c.year), 4, out);
  } else {
    char buf[32];
    int n = std::snprintf(buf, sizeof buf, "%04lld", static_cast<long long>(c.year));
    out->append(buf, static_cast<size_t>(n));
  }
  out->push_back('-');
  Pad(c.month, 2, out);
  out->push_back('-');
  Pad(c.day, 2, out);
  out->push_back('T');
  Pad(t.hour, 2, out);
  out->push_back(':');
  Pad(t.minute, 2, out);
  out->push_back(':');
  Pad(t.second, 2, out);
  if (t.milli != 0) {
    out->push_back('.');
    Pad(t.milli, 3, out);
  }
  if (offset_minutes == 0) {
    out->push_back('Z');
  } else {
    out->push_back(offset_minutes > 0 ? '+' : '-');
    const int a = std::abs(offset_minutes);
    Pad(static_cast<unsigned>(a / 60), 2, out);
    out->push_back(':');
    Pad(static_cast<unsigned>(a % 60), 2, out);
  }
}

std::string FormatRfc3339(int64_t millis) {
  std::string out;
  out.reserve(24);
  AppendRfc3339(millis, 0, &out);
  return out;
}

std::string FormatRfc3339Seconds(int64_t millis) { return FormatRfc3339(millis / 1000 * 1000); }

}  // namespace aud::base
