// Parser: literal decoding (ParseTime, string escapes, ints, durations, floats).
#include <gtest/gtest.h>

#include "compiler/parse/literals.h"
#include "compiler/parse/parse.h"

namespace aud::parse {
namespace {

int64_t Time(std::string_view text) {
  int64_t ms = -12345;
  EXPECT_TRUE(ParseTime(text, &ms)) << text;
  return ms;
}

std::string TimeError(std::string_view text) {
  int64_t ms = 0;
  std::string why;
  EXPECT_FALSE(ParseTimeDetailed(text, &ms, &why)) << text;
  EXPECT_FALSE(ParseTime(text, &ms)) << text;
  return why;
}

constexpr int64_t kDay = 86400000;

TEST(ParseTime, Dates) {
  EXPECT_EQ(Time("1970-01-01"), 0);
  EXPECT_EQ(Time("1970-01-02"), kDay);
  EXPECT_EQ(Time("1969-12-31"), -kDay);
  EXPECT_EQ(Time("2026-01-01"), 1767225600000);
  EXPECT_EQ(Time("2000-03-01") - Time("2000-02-28"), 2 * kDay);  // 2000 is a leap year
  EXPECT_EQ(Time("1900-03-01") - Time("1900-02-28"), kDay);      // 1900 is not
  EXPECT_EQ(Time("0000-01-01"), -62167219200000);
  EXPECT_EQ(Time("9999-12-31"), 253402214400000);
}

TEST(ParseTime, LeapDay) {
  EXPECT_EQ(Time("2024-02-29"), Time("2024-02-28") + kDay);
  EXPECT_EQ(Time("2000-02-29"), Time("2000-02-28") + kDay);
  EXPECT_EQ(TimeError("2026-02-29"), "day must be 1–28 in February 2026 (not a leap year)");
  EXPECT_EQ(TimeError("1900-02-29"), "day must be 1–28 in February 1900 (not a leap year)");
  EXPECT_EQ(TimeError("2024-02-30"), "day must be 1–29 in February 2024");
}

TEST(ParseTime, InvalidParts) {
  EXPECT_EQ(TimeError("2026-13-01"), "month must be 1–12");
  EXPECT_EQ(TimeError("2026-00-01"), "month must be 1–12");
  EXPECT_EQ(TimeError("2026-04-31"), "day must be 1–30 in month 04");
  EXPECT_EQ(TimeError("2026-01-00"), "day must be 1–31 in month 01");
  EXPECT_EQ(TimeError("2026-01-32"), "day must be 1–31 in month 01");
  EXPECT_EQ(TimeError("2026-01-01T24:00:00Z"), "hour must be 0–23");
  EXPECT_EQ(TimeError("2026-01-01T00:60:00Z"), "minute must be 0–59");
  EXPECT_EQ(TimeError("2026-01-01T00:00:60Z"), "second must be 0–59");
  EXPECT_EQ(TimeError("2026-01-01T00:00:00+24:00"), "offset hour must be 0–23");
  EXPECT_EQ(TimeError("2026-01-01T00:00:00+01:60"), "offset minute must be 0–59");
}

TEST(ParseTime, Malformed) {
  const std::string shape =
      "expected a date `YYYY-MM-DD` or a date-time `YYYY-MM-DDThh:mm:ssZ` (or with an offset such "
      "as `+01:00`)";
  for (const char* bad :
       {"", "2026", "2026-1-01", "2026-01-1", "26-01-01", "2026/01/01", "2026-01-01T",
        "2026-01-01T1:00:00Z", "2026-01-01 00:00:00Z", "2026-01-01T00:00Z", "2026-01-01Z",
        "2026-01-01T00:00:00Zx", "x2026-01-01", "2026-01-01t00:00:00Z"}) {
    EXPECT_EQ(TimeError(bad), shape) << bad;
  }
  EXPECT_EQ(TimeError("2026-01-01T00:00:00"),
            "missing time zone: add `Z` (UTC) or an offset such as `+01:00`");
  EXPECT_EQ(TimeError("2026-01-01T00:00:00."), "expected digits after `.` in the seconds");
  EXPECT_EQ(TimeError("2026-01-01T00:00:00+0100"), "expected an offset such as `+01:00`");
  EXPECT_EQ(TimeError("2026-01-01T00:00:00UTC"),
            "expected `Z` or an offset such as `+01:00` after the seconds");
}

TEST(ParseTime, DateTimesOffsetsAndFractions) {
  const int64_t base = Time("2026-03-01");
  EXPECT_EQ(Time("2026-03-01T00:00:00Z"), base);
  EXPECT_EQ(Time("2026-03-01T12:34:56Z"), base + (12 * 3600 + 34 * 60 + 56) * 1000LL);
  EXPECT_EQ(Time("2026-03-01T12:00:00+01:00"), base + 11 * 3600000LL);
  EXPECT_EQ(Time("2026-03-01T12:00:00-05:30"), base + 17 * 3600000LL + 30 * 60000LL);
  EXPECT_EQ(Time("2026-03-01T00:30:00+01:00"), base - 30 * 60000LL);  // previous day in UTC
  EXPECT_EQ(Time("2026-03-01T00:00:00+00:00"), base);
  EXPECT_EQ(Time("2026-03-01T00:00:00-00:00"), base);
  EXPECT_EQ(Time("2026-03-01T00:00:00.5Z"), base + 500);
  EXPECT_EQ(Time("2026-03-01T00:00:00.05Z"), base + 50);
  EXPECT_EQ(Time("2026-03-01T00:00:00.123Z"), base + 123);
  EXPECT_EQ(Time("2026-03-01T00:00:00.123999999Z"), base + 123);  // truncated, not rounded
  EXPECT_EQ(Time("2026-03-01T00:00:00.999+01:00"), base - 3600000 + 999);
  EXPECT_TRUE(ParseTime("2026-03-01", nullptr));
}

std::string Decode(std::string_view token, std::vector<LiteralError>* errors = nullptr) {
  return DecodeString(token, errors);
}

TEST(ParseLiterals, StringEscapes) {
  EXPECT_EQ(Decode("\"\""), "");
  EXPECT_EQ(Decode("\"plain text\""), "plain text");
  EXPECT_EQ(Decode(R"("a\"b")"), "a\"b");
  EXPECT_EQ(Decode(R"("a\\b")"), "a\\b");
  EXPECT_EQ(Decode(R"("a\nb\tc")"), "a\nb\tc");
  EXPECT_EQ(Decode(R"("\u{41}")"), "A");
  EXPECT_EQ(Decode(R"("\u{e9}")"), "\xC3\xA9");
  EXPECT_EQ(Decode(R"("\u{20AC}")"), "\xE2\x82\xAC");
  EXPECT_EQ(Decode(R"("\u{1F600}")"), "\xF0\x9F\x98\x80");
  EXPECT_EQ(Decode(R"("\u{10FFFF}")"), "\xF4\x8F\xBF\xBF");
  EXPECT_EQ(Decode(R"("\u{0}x")"), std::string("\0x", 2));
  EXPECT_EQ(Decode("\"raw é\ttab\""), "raw é\ttab");
}

TEST(ParseLiterals, StringEscapeErrors) {
  std::vector<LiteralError> e;
  EXPECT_EQ(Decode(R"("a\qb\u{D800}c\u{110000}d\u{1234567}e\u{}f\uZ\u{12")", &e), "abcdefZ");
  ASSERT_EQ(e.size(), 7u);
  EXPECT_EQ(e[0].begin, 2u);
  EXPECT_EQ(e[0].end, 4u);
  EXPECT_EQ(e[1].message, "invalid escape `\\u{D800}`: not a Unicode scalar value");
  EXPECT_EQ(e[1].end - e[1].begin, 8u);
  EXPECT_EQ(e[2].message, "invalid escape `\\u{110000}`: not a Unicode scalar value");
  EXPECT_EQ(e[3].message, "invalid escape `\\u{1234567}`: expected 1 to 6 hex digits");
  EXPECT_EQ(e[4].message, "invalid escape `\\u{}`: expected 1 to 6 hex digits");
  EXPECT_EQ(e[5].message,
            "invalid escape `\\u`: expected `{` and 1 to 6 hex digits, as in `\\u{1F600}`");
  EXPECT_EQ(e[6].message, "invalid escape `\\u{12`: missing `}`");
  e.clear();
  Decode("\"\\\x01\"", &e);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].message.substr(0, 23), "invalid escape `\\\\x01`;");
}

TEST(ParseLiterals, Ints) {
  int64_t v = 0;
  EXPECT_TRUE(DecodeInt("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(DecodeInt("007", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(DecodeInt("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_FALSE(DecodeInt("9223372036854775808", &v));
  EXPECT_FALSE(DecodeInt("99999999999999999999999", &v));
}

TEST(ParseLiterals, Durations) {
  int64_t amount = 0, ms = 0;
  char unit = 0;
  struct Case {
    const char* text;
    int64_t millis;
  };
  for (Case c : {Case{"90s", 90000}, Case{"5m", 300000}, Case{"12h", 43200000},
                 Case{"30d", 30 * kDay}, Case{"2w", 14 * kDay}, Case{"0d", 0}}) {
    ASSERT_TRUE(DecodeDuration(c.text, &amount, &unit, &ms)) << c.text;
    EXPECT_EQ(ms, c.millis) << c.text;
    EXPECT_EQ(unit, c.text[std::string_view(c.text).size() - 1]);
  }
  EXPECT_TRUE(DecodeDuration("30d", &amount, &unit, &ms));
  EXPECT_EQ(amount, 30);
  EXPECT_EQ(unit, 'd');
  EXPECT_TRUE(DecodeDuration("9223372036854775s", &amount, &unit, &ms));
  EXPECT_FALSE(DecodeDuration("9223372036854776s", &amount, &unit, &ms));
  EXPECT_FALSE(DecodeDuration("99999999999999999999d", &amount, &unit, &ms));
}

TEST(ParseLiterals, Floats) {
  double v = 0;
  EXPECT_TRUE(DecodeFloat("12.5", &v));
  EXPECT_EQ(v, 12.5);
  EXPECT_TRUE(DecodeFloat("0.1", &v));
  EXPECT_EQ(v, 0.1);
  EXPECT_TRUE(DecodeFloat("0." + std::string(400, '0') + "1", &v));
  EXPECT_EQ(v, 0.0);
  EXPECT_FALSE(DecodeFloat(std::string(400, '9') + ".0", &v));
}

TEST(ParseLiterals, Display) {
  EXPECT_EQ(ShowCodePoint('$'), "$");
  EXPECT_EQ(ShowCodePoint(0), "\\x00");
  EXPECT_EQ(ShowCodePoint(0x1B), "\\x1B");
  EXPECT_EQ(ShowCodePoint(0xE9), "\xC3\xA9");
  EXPECT_EQ(ShowCodePoint(0xFEFF), "\\u{FEFF}");
  EXPECT_EQ(ShowText("abc"), "abc");
  EXPECT_EQ(ShowText(std::string(50, 'x')), std::string(40, 'x') + "…");
}

}  // namespace
}  // namespace aud::parse
