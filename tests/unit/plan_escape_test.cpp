// Plan rendering escapes what comes from data: member keys, warnings and
// names in the text are shown with visible escapes, and the JSON escapes
// control, C1 and bidi characters, still parsing to the same values.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/plan/plan.h"

namespace aud::plan {
namespace {

const std::string kHostile =
    "a1\x1b[2J\x1b[H\r\nNo changes. The destinations match the audiences.\n\b\x7f\xc2\x9b"
    "31m\u202Eevil";

bool HasRawControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
    if (s.compare(i, 3, "\u202E") == 0) return true;
  }
  return false;
}

Plan Hostile() {
  Plan p;
  p.id = "11111111-2222-4333-8444-555555555555";
  p.lineage = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  PublicationPlan pub;
  pub.audience = "vip";
  pub.destination = "hook";
  pub.action = Action::Update;
  connectors::Row r;
  r.key = kHostile;
  pub.enter.push_back(r);
  pub.update.push_back(r);
  pub.exit.push_back("x" + kHostile);
  pub.desired = 1;
  p.publications.push_back(pub);
  p.warnings.push_back("w" + kHostile);
  return p;
}

TEST(PlanEscape, TextShowsVisibleEscapesAndNoFakeLine) {
  for (bool color : {false, true}) {
    std::string text = RenderHuman(Hostile(), true, color);
    if (color) {  // the renderer's own colours are the only escapes
      for (const char* code : {"\x1b[33m", "\x1b[0m"})
        for (size_t at; (at = text.find(code)) != std::string::npos;)
          text.erase(at, std::string(code).size());
    }
    EXPECT_FALSE(HasRawControl(text)) << text;
    EXPECT_NE(text.find("+ enter: a1\\u{1B}[2J\\u{1B}[H\\r\\nNo changes."), std::string::npos)
        << text;
    EXPECT_NE(text.find("\\u{08}\\u{7F}\\u{9B}31m\\u{202E}evil"), std::string::npos) << text;
    EXPECT_EQ(text.find("\nNo changes."), std::string::npos) << text;
  }
}

TEST(PlanEscape, JsonEscapesAndRoundTrips) {
  const std::string json = RenderJson(Hostile(), true);
  std::string body;
  for (char c : json)
    if (c != '\n') body += c;
  EXPECT_FALSE(HasRawControl(body)) << json;
  EXPECT_NE(json.find("\\u001b[2J"), std::string::npos);
  EXPECT_NE(json.find("\\u007f\\u009b31m\\u202eevil"), std::string::npos) << json;
  auto j = nlohmann::json::parse(json);
  EXPECT_EQ(j["publications"][0]["enter_keys"][0], kHostile);
  EXPECT_EQ(j["warnings"][0], "w" + kHostile);
}

}  // namespace
}  // namespace aud::plan
