// Escaping data for terminals and JSON (compiler/base/escape.h): every
// control character is made visible, ordinary text is unchanged byte for
// byte, and JSON stays valid and means the same value.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/base/escape.h"

namespace aud::base {
namespace {

// Every byte that can start a terminal control sequence or move the cursor.
bool HasRawControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) >= 0x80 &&
        static_cast<unsigned char>(s[i + 1]) <= 0x9F)
      return true;
    if (s.compare(i, 3, "\u202E") == 0 || s.compare(i, 3, "\u2028") == 0) return true;
  }
  return false;
}

const std::string kHostile =
    "a1\x1b[2J\x1b[H\r\nNo changes.\n\b\x7f\xc2\x9b"
    "31m\u202Eevil\u2066\u2029\t\x01";

TEST(TerminalSafe, OrdinaryTextIsUnchanged) {
  for (std::string s : {"", "u1254", "Ada@Example.com", "päivää 日本 🎉", "C:\\path\\x1b", "a b"})
    EXPECT_EQ(TerminalSafe(s), s);
}

TEST(TerminalSafe, ControlsBecomeVisibleEscapes) {
  EXPECT_EQ(TerminalSafe(kHostile),
            "a1\\u{1B}[2J\\u{1B}[H\\r\\nNo changes.\\n\\u{08}\\u{7F}\\u{9B}31m\\u{202E}evil"
            "\\u{2066}\\u{2029}\\t\\u{01}");
  EXPECT_FALSE(HasRawControl(TerminalSafe(kHostile)));
  EXPECT_EQ(TerminalSafe(std::string("a\0b", 3)), "a\\u{00}b");
  EXPECT_EQ(TerminalSafe("\u061C\u200E\u200F\u202A"), "\\u{061C}\\u{200E}\\u{200F}\\u{202A}");
}

TEST(TerminalSafe, InvalidUtf8BytesAreHexEscaped) {
  // A lone 0x9B is CSI on a terminal in 8-bit mode.
  EXPECT_EQ(TerminalSafe("x\x9b"
                         "31m"),
            "x\\x9B31m");
  EXPECT_EQ(TerminalSafe("\xc0\xaf"), "\\xC0\\xAF");           // overlong
  EXPECT_EQ(TerminalSafe("\xed\xa0\x80"), "\\xED\\xA0\\x80");  // surrogate
  EXPECT_EQ(TerminalSafe("\xe2\x80"), "\\xE2\\x80");           // truncated
}

TEST(JsonString, EscapesByJsonRulesAndMore) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01 é"), "\"a\\\"b\\\\c\\n\\u0001 é\"");
  EXPECT_EQ(JsonString("\b\f\r\t\x1b\x7f\xc2\x9b\u202E\u2028"),
            "\"\\b\\f\\r\\t\\u001b\\u007f\\u009b\\u202e\\u2028\"");
  EXPECT_EQ(JsonString("x\xff"), "\"x\xEF\xBF\xBD\"");
  std::string out = "[";
  AppendJsonString("plain", &out);
  EXPECT_EQ(out, "[\"plain\"");
}

TEST(JsonString, RoundTripsThroughAParser) {
  std::string json = JsonString(kHostile);
  EXPECT_FALSE(HasRawControl(json));
  EXPECT_EQ(nlohmann::json::parse(json).get<std::string>(), kHostile);
}

TEST(JsonTerminalSafe, EscapesWhatNlohmannLeavesRaw) {
  nlohmann::json j = {{"key", kHostile}, {"n", 1}};
  std::string dumped = j.dump(2);
  ASSERT_TRUE(HasRawControl(dumped.substr(dumped.find('"'))));  // C1 and bidi pass raw
  std::string safe = JsonTerminalSafe(dumped);
  std::string no_newlines;
  for (char c : safe)
    if (c != '\n') no_newlines += c;
  EXPECT_FALSE(HasRawControl(no_newlines));
  EXPECT_EQ(nlohmann::json::parse(safe), j);
  EXPECT_EQ(JsonTerminalSafe("{\"a\": \"päivää\"}\n"), "{\"a\": \"päivää\"}\n");
}

}  // namespace
}  // namespace aud::base
