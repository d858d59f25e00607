// The one implementation of each scalar builtin (runtime/builtins), against
// docs/reference/language.md §4.1. Both executors call these functions, so
// tests/eval and tests/jit exercise them end to end; here they are pinned
// directly, including the edges the language text names.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

#include "runtime/builtins/builtins.h"

namespace aud::builtins {
namespace {

TEST(BuiltinsLowerUpper, MapAsciiLettersOnly) {
  EXPECT_EQ(Lower("AbC-Z\xC3\x84"), "abc-z\xC3\x84");  // Ä (UTF-8) unchanged
  EXPECT_EQ(Upper("abc-z\xC3\xA4"), "ABC-Z\xC3\xA4");
  EXPECT_EQ(Lower("@[`{"), std::nullopt);  // the bytes around A-Z and a-z
  EXPECT_EQ(Upper("@[`{"), std::nullopt);
}

TEST(BuiltinsLowerUpper, UnchangedIsNullopt) {
  EXPECT_EQ(Lower("already lower 123"), std::nullopt);
  EXPECT_EQ(Upper("ALREADY UPPER 123"), std::nullopt);
  EXPECT_EQ(Lower(""), std::nullopt);
  EXPECT_EQ(Lower("aB"), "ab");
}

TEST(BuiltinsTrim, StripsAsciiWhitespaceBothEnds) {
  EXPECT_EQ(Trim(" \t\n\v\f\rx y\r\f\v\n\t "), "x y");
  EXPECT_EQ(Trim("   "), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("\xC2\xA0x"), "\xC2\xA0x");  // no-break space is not ASCII whitespace
  std::string s = "  ab ";
  EXPECT_EQ(Trim(s).data(), s.data() + 2);  // a view into the argument
}

TEST(BuiltinsTests, ContainsStartsEndsOnBytes) {
  EXPECT_TRUE(Contains("/docs/pricing", "pricing"));
  EXPECT_FALSE(Contains("/PRICING", "pricing"));
  EXPECT_TRUE(Contains("abc", ""));
  EXPECT_TRUE(StartsWith("/docs/x", "/docs/"));
  EXPECT_FALSE(StartsWith("/docs", "/docs/"));
  EXPECT_TRUE(StartsWith("", ""));
  EXPECT_TRUE(EndsWith("ann@gmail.com", "@gmail.com"));
  EXPECT_FALSE(EndsWith("com", "@gmail.com"));
  EXPECT_TRUE(EndsWith("x", ""));
}

TEST(BuiltinsDaysSince, MillisecondsOverADay) {
  EXPECT_EQ(DaysSince(86400000, 0), 1.0);
  EXPECT_EQ(DaysSince(0, 43200000), -0.5);
  // The difference wraps modulo 2^64 (no undefined overflow).
  EXPECT_EQ(DaysSince(INT64_MIN, 1), static_cast<double>(INT64_MAX) / 86400000.0);
}

// Expected values below are worked out by hand from docs/reference/language.md §4.1.
TEST(BuiltinsRound, HalvesAwayFromZero) {
  EXPECT_EQ(Round(2.5, 0), 3.0);
  EXPECT_EQ(Round(-2.5, 0), -3.0);
  EXPECT_EQ(Round(0.5, 0), 1.0);
  EXPECT_EQ(Round(1.5, 0), 2.0);
  EXPECT_EQ(Round(2.4999, 0), 2.0);
  EXPECT_EQ(Round(0.125, 2), 0.13);
  EXPECT_EQ(Round(-0.125, 2), -0.13);
}

TEST(BuiltinsRound, RoundsThePrintedDecimal) {
  // 1.005 is stored as 1.00499999999999989...; aud prints (and rounds) 1.005.
  EXPECT_EQ(Round(1.005, 2), 1.01);
  EXPECT_EQ(Round(2.675, 2), 2.68);
  EXPECT_EQ(Round(0.045, 2), 0.05);
  EXPECT_EQ(Round(0.1 + 0.2, 2), 0.3);  // prints 0.30000000000000004
  EXPECT_EQ(Round(1234.5678, 2), 1234.57);
  EXPECT_EQ(Round(1234.5678, 0), 1235.0);
  EXPECT_EQ(Round(123.456, 1), 123.5);
  EXPECT_EQ(Round(9.995, 2), 10.0);  // the carry runs into a new digit
  EXPECT_EQ(Round(999.96, 1), 1000.0);
}

TEST(BuiltinsRound, NegativeDigitsRoundToTensHundreds) {
  EXPECT_EQ(Round(1234.5678, -2), 1200.0);
  EXPECT_EQ(Round(1250, -2), 1300.0);
  EXPECT_EQ(Round(-1250, -2), -1300.0);
  EXPECT_EQ(Round(50, -2), 100.0);
  EXPECT_EQ(Round(49, -2), 0.0);
  EXPECT_FALSE(std::signbit(Round(49, -2)));
  EXPECT_TRUE(std::signbit(Round(-49, -2)));  // a zero result keeps x's sign
  EXPECT_EQ(Round(1e300, -300), 1e300);
  EXPECT_EQ(Round(4e299, -300), 0.0);
  EXPECT_EQ(Round(5e299, -300), 1e300);
}

TEST(BuiltinsRound, UnchangedWhenNothingToRound) {
  const double x = 0.1 + 0.2;
  EXPECT_EQ(Round(x, 17), x);  // 0.30000000000000004 has 17 decimals
  EXPECT_EQ(Round(x, INT64_MAX), x);
  EXPECT_EQ(Round(1200, -2), 1200.0);
  EXPECT_EQ(Round(3, 0), 3.0);
  EXPECT_TRUE(std::signbit(Round(-0.0, 2)));
  EXPECT_EQ(Round(0.0, -5), 0.0);
  EXPECT_TRUE(std::isnan(Round(std::nan(""), 2)));
  EXPECT_EQ(Round(HUGE_VAL, 2), HUGE_VAL);
  EXPECT_EQ(Round(-HUGE_VAL, -2), -HUGE_VAL);
}

TEST(BuiltinsRound, Extremes) {
  EXPECT_EQ(Round(1.5, INT64_MIN), 0.0);
  EXPECT_TRUE(std::signbit(Round(-1.5, INT64_MIN)));
  // 1.7976931348623157e308 to 10^308: 2e308 is beyond the double range.
  EXPECT_EQ(Round(std::numeric_limits<double>::max(), -308), HUGE_VAL);
  EXPECT_EQ(Round(-std::numeric_limits<double>::max(), -308), -HUGE_VAL);
  // The smallest subnormal prints as 5e-324; rounded at 323 places it is 1e-323.
  EXPECT_EQ(Round(std::numeric_limits<double>::denorm_min(), 323), 1e-323);
  EXPECT_EQ(Round(std::numeric_limits<double>::denorm_min(), 324),
            std::numeric_limits<double>::denorm_min());
}

// Properties over random values: the result is within half a unit of the
// last kept place, prints with at most `digits` decimals, and rounding again
// changes nothing.
TEST(BuiltinsRound, RandomValuesProperties) {
  std::mt19937_64 rng(12);
  std::uniform_real_distribution<double> mag(-6, 6);
  std::uniform_int_distribution<int> places(0, 8);
  for (int i = 0; i < 200000; ++i) {
    const double x = std::copysign(std::pow(10.0, mag(rng)), (rng() & 1) ? 1.0 : -1.0);
    const int d = places(rng);
    const double r = Round(x, d);
    // (plus the error of x and r as doubles: a few units in the last place)
    const double ulp = std::nextafter(std::fabs(x), HUGE_VAL) - std::fabs(x);
    ASSERT_LE(std::fabs(r - x), 0.5 * std::pow(10.0, -d) + 4 * ulp) << x << " " << d;
    char text[64];
    auto end = std::to_chars(text, text + sizeof text, r, std::chars_format::fixed).ptr;
    std::string s(text, end);
    size_t dot = s.find('.');
    size_t decimals = dot == std::string::npos ? 0 : s.size() - dot - 1;
    ASSERT_LE(decimals, static_cast<size_t>(d)) << x << " " << d << " " << s;
    ASSERT_EQ(Round(r, d), r) << x << " " << d;
  }
}

}  // namespace
}  // namespace aud::builtins
