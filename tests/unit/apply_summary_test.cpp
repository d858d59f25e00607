// The apply summary quotes what destinations answered (rejection reasons,
// errors) and member keys from event data: control characters are shown
// escaped, so a hostile destination or event cannot drive the terminal.

#include <gtest/gtest.h>

#include "runtime/apply/apply.h"

namespace aud::apply {
namespace {

bool HasRawControl(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c < 0x20 && c != '\n') || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
  }
  return false;
}

TEST(ApplySummary, EscapesKeysReasonsAndErrors) {
  const std::string hostile = "\x1b[2J\r\nApply complete: 0 confirmed, 0 rejected.\n\xc2\x9b";
  Report report;
  PublicationReport ok;
  ok.audience = "vip";
  ok.destination = "hook";
  ok.action = plan::Action::Update;
  ok.sent = 2;
  ok.confirmed = 1;
  ok.rejected.push_back({"k" + hostile, "bad" + hostile});
  report.publications.push_back(ok);
  PublicationReport failed = ok;
  failed.rejected.clear();
  failed.destination = "other";
  failed.error = "HTTP 500: " + hostile;
  report.publications.push_back(failed);

  const std::string text = RenderSummary(report);
  EXPECT_FALSE(HasRawControl(text)) << text;
  EXPECT_NE(text.find("rejected k\\u{1B}[2J\\r\\nApply complete"), std::string::npos) << text;
  EXPECT_NE(text.find("failed: HTTP 500: \\u{1B}[2J"), std::string::npos) << text;
  // The only line that starts with the outcome is aud's own, the last one.
  EXPECT_EQ(text.find("\nApply complete"), std::string::npos) << text;
  EXPECT_EQ(text.rfind("Apply failed: "), text.find("Apply failed: ")) << text;
}

}  // namespace
}  // namespace aud::apply
