// JSON string text (compiler/base/json_text.h): what every JSON writer of
// aud quotes strings with. Its output is valid JSON that decodes to the
// input (invalid UTF-8 becomes U+FFFD) and holds no raw unsafe code point.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/base/json_text.h"

namespace aud::base {
namespace {

TEST(JsonText, QuotesAndEscapes) {
  EXPECT_EQ(JsonString(""), "\"\"");
  EXPECT_EQ(JsonString("plain text / 100%"), "\"plain text / 100%\"");
  EXPECT_EQ(JsonString("\"\\"), "\"\\\"\\\\\"");
  EXPECT_EQ(JsonString("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(JsonString(std::string("a\0b", 3)), "\"a\\u0000b\"");
  EXPECT_EQ(JsonString("\x1f\x7f"), "\"\\u001f\\u007f\"");
  // C1, the Arabic letter mark, bidi controls and separators: lower-case hex.
  EXPECT_EQ(JsonString("\xC2\x85\xD8\x9C\xE2\x80\x8F\xE2\x80\xA8\xE2\x81\xA9"),
            "\"\\u0085\\u061c\\u200f\\u2028\\u2069\"");
  // Other text passes through as UTF-8, 4-byte sequences included.
  EXPECT_EQ(JsonString("é€😀"), "\"é€😀\"");
}

TEST(JsonText, InvalidUtf8BecomesReplacementCharacter) {
  EXPECT_EQ(JsonString("a\xFF"
                       "b"),
            "\"a\xEF\xBF\xBD"
            "b\"");
  EXPECT_EQ(JsonString("\xC0\xAF"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // overlong
  EXPECT_EQ(JsonString("\xED\xA0\x80"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // surrogate
  EXPECT_EQ(JsonString("\xE2\x82"), "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // cut short
}

TEST(JsonText, AppendsAndDecodesToTheSameValue) {
  std::string out = "[";
  AppendJsonString("x\"y", &out);
  out += ",";
  AppendJsonString("\x01\xE2\x80\xAE", &out);
  out += "]";
  EXPECT_EQ(out, "[\"x\\\"y\",\"\\u0001\\u202e\"]");
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[0], "x\"y");
  EXPECT_EQ(j[1], "\x01\xE2\x80\xAE");
}

TEST(JsonText, TerminalSafeKeepsTheMeaningOfAnotherWritersJson) {
  nlohmann::json j = {{"k", "a\x7f\xC2\x9B\xE2\x80\xA8z"}, {"n", 1}};
  std::string dumped = j.dump(2);
  std::string safe = JsonTerminalSafe(dumped);
  EXPECT_EQ(safe.find('\x7f'), std::string::npos);
  EXPECT_NE(safe.find("\\u007f\\u009b\\u2028z"), std::string::npos) << safe;
  EXPECT_NE(safe.find("\n  \"n\": 1"), std::string::npos) << "structure is unchanged";
  EXPECT_EQ(nlohmann::json::parse(safe), j);
  EXPECT_EQ(JsonTerminalSafe("{\"a\":\"b\"}"), "{\"a\":\"b\"}");
}

}  // namespace
}  // namespace aud::base
