// libFuzzer target for the plan-file reader (plan::Deserialize; see
// tests/fuzz/README.md). The first input byte picks the mode:
//   even: the rest is a plan file as found on disk (checksum included), so
//         the checksum and format checks are fuzzed;
//   odd:  the rest is re-sealed first (a trailing `"checksum"` member is
//         dropped and a valid checksum added, plan::WithChecksum), so the
//         field reader behind the checksum is fuzzed too.
// Deserialize must never crash, throw or accept without a complete plan; a
// plan it accepts must serialize to a file it accepts again, stably:
//   Serialize(Deserialize(Serialize(p))) == Serialize(p).
// A violated property calls abort() with a message.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/plan/plan.h"

namespace {

[[noreturn]] void Fail(const char* what, const std::string& a, const std::string& b) {
  std::fprintf(stderr,
               "\n=== plan-file property violated: %s ===\n--- first ---\n%s\n--- second ---\n%s\n",
               what, a.c_str(), b.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 1) {
    size_t at = text.rfind(",\"checksum\":\"sha256:");
    if (at != std::string::npos) {
      text = text.substr(0, at) + "}";
    } else {
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    }
    text = aud::plan::WithChecksum(std::move(text));
  }
  aud::plan::Plan plan;
  std::string error;
  if (!aud::plan::Deserialize(text, &plan, &error)) {
    if (error.empty()) Fail("refused without an error message", text, "");
    return 0;
  }
  const std::string once = aud::plan::Serialize(plan);
  aud::plan::Plan again;
  if (!aud::plan::Deserialize(once, &again, &error))
    Fail("its own serialization is refused", once, error);
  const std::string twice = aud::plan::Serialize(again);
  if (twice != once) Fail("serialization is not stable", once, twice);
  return 0;
}
