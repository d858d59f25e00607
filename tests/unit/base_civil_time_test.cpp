// Civil dates and RFC 3339 text (compiler/base/civil_time.h): the one
// implementation behind `@` literals, `--as-of`, event timestamps, the IR
// printer, plans, state, connectors and the generator.

#include <gtest/gtest.h>

#include <string>

#include "compiler/base/civil_time.h"

namespace aud::base {
namespace {

int64_t Ms(std::string_view text) {
  int64_t ms = 0;
  std::string why;
  EXPECT_TRUE(ParseRfc3339(text, &ms, &why)) << text << ": " << why;
  return ms;
}

std::string Why(std::string_view text) {
  int64_t ms = 12345;
  std::string why;
  EXPECT_FALSE(ParseRfc3339(text, &ms, &why)) << text;
  EXPECT_EQ(ms, 12345) << "a refused text leaves the output alone: " << text;
  return why;
}

TEST(CivilTime, DaysFromCivilAndBack) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(1969, 12, 31), -1);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2026, 11, 1), 20758);
  static_assert(DaysFromCivil(1970, 1, 2) == 1, "usable in constant expressions");
  // Every day of 1600-2400 (leap centuries and not) goes there and back.
  for (int64_t d = DaysFromCivil(1600, 1, 1); d <= DaysFromCivil(2400, 12, 31); ++d) {
    CivilDate c = CivilFromDays(d);
    ASSERT_EQ(DaysFromCivil(c.year, c.month, c.day), d);
    ASSERT_GE(c.day, 1u);
    ASSERT_LE(c.day, DaysInMonth(c.year, c.month));
  }
  CivilDate before = CivilFromDays(-719528);  // 0000-01-01
  EXPECT_EQ(before.year, 0);
  EXPECT_EQ(before.month, 1u);
  EXPECT_EQ(before.day, 1u);
}

TEST(CivilTime, LeapYears) {
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2026));
  EXPECT_EQ(DaysInMonth(2024, 2), 29u);
  EXPECT_EQ(DaysInMonth(2100, 2), 28u);
  EXPECT_EQ(DaysInMonth(2026, 4), 30u);
  EXPECT_EQ(Ms("2024-02-29") + kMillisPerDay, Ms("2024-03-01"));
  EXPECT_EQ(Why("2026-02-29"), "day must be 1–28 in February 2026 (not a leap year)");
  EXPECT_EQ(Why("1900-02-29T00:00:00Z"), "day must be 1–28 in February 1900 (not a leap year)");
  EXPECT_EQ(Why("2024-02-30"), "day must be 1–29 in February 2024");
  EXPECT_EQ(Why("2026-04-31"), "day must be 1–30 in month 04");
}

TEST(CivilTime, ParsesDatesTimesFractionsAndOffsets) {
  EXPECT_EQ(Ms("1970-01-01"), 0);
  EXPECT_EQ(Ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(Ms("2026-03-01T12:00:00.250Z"), Ms("2026-03-01") + int64_t{12} * 3600000 + 250);
  // Fractions: one to many digits, truncated (not rounded) to milliseconds.
  EXPECT_EQ(Ms("1970-01-01T00:00:00.5Z"), 500);
  EXPECT_EQ(Ms("1970-01-01T00:00:00.12Z"), 120);
  EXPECT_EQ(Ms("1970-01-01T00:00:00.9999999Z"), 999);
  // An offset is local time: UTC = local - offset.
  EXPECT_EQ(Ms("2026-03-01T12:00:00+02:00"), Ms("2026-03-01T10:00:00Z"));
  EXPECT_EQ(Ms("2026-03-01T00:30:00-01:30"), Ms("2026-03-01T02:00:00Z"));
  EXPECT_EQ(Ms("1970-01-01T00:00:00+00:01"), -60000);
  EXPECT_EQ(Ms("0000-01-01"), -62167219200000);
  EXPECT_EQ(Ms("9999-12-31T23:59:59.999Z"), 253402300799999);
}

TEST(CivilTime, RefusesWhatIsOutOfRangeOrMalformed) {
  const std::string shape =
      "expected a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDThh:mm:ssZ` (or with an offset "
      "such as `+01:00`)";
  // No leap seconds: the 60th second is refused, as are other out-of-range fields.
  EXPECT_EQ(Why("2016-12-31T23:59:60Z"), "second must be 0–59");
  EXPECT_EQ(Why("2026-03-01T24:00:00Z"), "hour must be 0–23");
  EXPECT_EQ(Why("2026-03-01T10:60:00Z"), "minute must be 0–59");
  EXPECT_EQ(Why("2026-13-01"), "month must be 1–12");
  EXPECT_EQ(Why("2026-00-01"), "month must be 1–12");
  EXPECT_EQ(Why("2026-01-00"), "day must be 1–31 in month 01");
  EXPECT_EQ(Why("2026-03-01T10:00:00+24:00"), "offset hour must be 0–23");
  EXPECT_EQ(Why("2026-03-01T10:00:00+01:60"), "offset minute must be 0–59");
  EXPECT_EQ(Why("2026-03-01T10:00:00"),
            "missing time zone: add `Z` (UTC) or an offset such as `+01:00`");
  EXPECT_EQ(Why("2026-03-01T10:00:00.Z"), "expected digits after `.` in the seconds");
  EXPECT_EQ(Why("2026-03-01T10:00:00+0100"), "expected an offset such as `+01:00`");
  EXPECT_EQ(Why("2026-03-01T10:00:00 UTC"),
            "expected `Z` or an offset such as `+01:00` after the seconds");
  EXPECT_EQ(Why("2026-03-01T10:00:00Zx"), shape);
  EXPECT_EQ(Why("2026-3-01"), shape);
  EXPECT_EQ(Why("+2026-03-01"), shape);
  EXPECT_EQ(Why(""), shape);
  EXPECT_EQ(Why("2026-03-01t10:00:00Z"), shape);  // lower case only for event data
  EXPECT_EQ(Why("2026-03-01T10:00:00z"),
            "expected `Z` or an offset such as `+01:00` after the seconds");
  int64_t ms = 0;
  EXPECT_FALSE(ParseRfc3339("2026-03-01T10:00Z", &ms));  // a null `why` is allowed
  EXPECT_TRUE(ParseRfc3339("2026-03-01", nullptr));      // and so is a null output
}

TEST(CivilTime, EventTimestampsNeedATimeAndAcceptLowerCase) {
  int64_t ms = 0;
  EXPECT_FALSE(ParseEventTimestamp("2026-03-01", &ms));
  EXPECT_FALSE(ParseEventTimestamp("", &ms));
  EXPECT_FALSE(ParseEventTimestamp("2026-03-01 10:00:00Z", &ms));
  ASSERT_TRUE(ParseEventTimestamp("2026-03-01t10:00:00z", &ms));
  EXPECT_EQ(ms, Ms("2026-03-01T10:00:00Z"));
  ASSERT_TRUE(ParseEventTimestamp("2026-03-01T10:00:00.5+01:00", &ms));
  EXPECT_EQ(ms, Ms("2026-03-01T09:00:00.500Z"));
  EXPECT_FALSE(ParseEventTimestamp("2026-03-01T10:00:60Z", &ms));
}

TEST(CivilTime, FormatsAndRoundTrips) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(Ms("2026-03-04T05:06:07.890Z")), "2026-03-04T05:06:07.890Z");
  EXPECT_EQ(FormatRfc3339(Ms("2024-02-29T23:59:59Z")), "2024-02-29T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(Ms("0000-01-01")), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Ms("0000-01-01") - kMillisPerDay), "-001-12-31T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(Ms("9999-12-31T23:59:59.999Z") + 1), "10000-01-01T00:00:00Z");
  for (int64_t ms : {int64_t{0}, int64_t{1}, int64_t{-86400001}, Ms("2026-11-01T00:00:00.001Z")})
    EXPECT_EQ(Ms(FormatRfc3339(ms)), ms);
  // Seconds only: milliseconds cut toward zero.
  EXPECT_EQ(FormatRfc3339Seconds(Ms("2026-03-04T05:06:07.890Z")), "2026-03-04T05:06:07Z");
  EXPECT_EQ(FormatRfc3339Seconds(-500), "1970-01-01T00:00:00Z");
}

TEST(CivilTime, AppendsLocalTimeAtAnOffset) {
  std::string out;
  AppendRfc3339(Ms("2026-03-01T10:00:00Z"), 120, &out);
  EXPECT_EQ(out, "2026-03-01T12:00:00+02:00");
  out.clear();
  AppendRfc3339(Ms("2026-03-01T00:15:00.250Z"), -90, &out);
  EXPECT_EQ(out, "2026-02-28T22:45:00.250-01:30");
  EXPECT_EQ(Ms(out), Ms("2026-03-01T00:15:00.250Z"));
  CivilTime t = CivilFromMillis(Ms("2024-02-29T23:59:58.007Z"));
  EXPECT_EQ(t.date.year, 2024);
  EXPECT_EQ(t.date.month, 2u);
  EXPECT_EQ(t.date.day, 29u);
  EXPECT_EQ(t.hour, 23u);
  EXPECT_EQ(t.minute, 59u);
  EXPECT_EQ(t.second, 58u);
  EXPECT_EQ(t.milli, 7u);
}

}  // namespace
}  // namespace aud::base
