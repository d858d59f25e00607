#pragma once
// Civil dates and RFC 3339 text: the one place aud turns a time of day into
// milliseconds since the epoch (UTC) and back. Shared by the front end
// (`@2026-03-01` literals, `--as-of`), ingest and evaluation (event
// timestamps), the IR printer, plans, state and connectors. Proleptic
// Gregorian calendar; no leap seconds (a 60th second is refused).

#include <cstdint>
#include <string>
#include <string_view>

namespace aud::base {

// One day in milliseconds.
inline constexpr int64_t kMillisPerDay = 86400000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// A calendar date.
struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1-12
  unsigned day = 1;    // 1-31
};

// The civil date `days` days after 1970-01-01 (negative: before).
CivilDate CivilFromDays(int64_t days);

// A UTC time of day on a calendar date, to the millisecond.
struct CivilTime {
  CivilDate date;
  unsigned hour = 0, minute = 0, second = 0, milli = 0;
};

// The UTC civil time of `millis` since the epoch (negative: before).
CivilTime CivilFromMillis(int64_t millis);

// True for a Gregorian leap year.
bool IsLeapYear(int64_t year);

// Days in `month` (1-12) of `year`.
unsigned DaysInMonth(int64_t year, unsigned month);

// Decodes an RFC 3339 date (`YYYY-MM-DD`, midnight UTC) or date-time
// (`YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)`, upper-case `T`/`Z`) into ms since
// the epoch, UTC; fractions beyond milliseconds are truncated. False when
// malformed or out of range, with `why` (if non-null) saying what is wrong,
// e.g. "month must be 1–12".
bool ParseRfc3339(std::string_view text, int64_t* millis, std::string* why = nullptr);

// Decodes a timestamp of event data (docs/reference/language.md §5): an RFC
// 3339 date-time (a date alone is not one), `T`/`Z` in either case.
bool ParseEventTimestamp(std::string_view text, int64_t* millis);

// UTC RFC 3339 text of a time in ms: `2026-01-02T03:04:05Z`, with `.120`
// milliseconds only when non-zero.
std::string FormatRfc3339(int64_t millis);

// UTC RFC 3339 text of a time in whole seconds, `2026-01-02T03:04:05Z`: the
// milliseconds are cut toward zero first (as `time_t` division does).
std::string FormatRfc3339Seconds(int64_t millis);

// Appends the RFC 3339 text of `millis` shown at a UTC offset of
// `offset_minutes` (0: `Z`, else `+hh:mm`/`-hh:mm` with the local time),
// milliseconds only when non-zero. For years 0-9999.
void AppendRfc3339(int64_t millis, int offset_minutes, std::string* out);

}  // namespace aud::base
