// The one implementation of each scalar builtin (runtime/builtins), against
// docs/reference/language.md §4.1. Both executors call these functions, so
// tests/eval and tests/jit exercise them end to end; here they are pinned
// directly, including the edges the language text names.

#include <gtest/gtest.h>

#include <cstdint>
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

}  // namespace
}  // namespace aud::builtins
