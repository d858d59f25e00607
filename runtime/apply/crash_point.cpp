#include "runtime/apply/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace aud::apply {

namespace {

struct Target {
  bool armed = false;
  std::string name;
  long at = 0;
  long seen = 0;
};

Target& Armed() {
  static Target t = [] {
    Target t;
    const char* v = std::getenv("AUD_TEST_CRASH_AT");
    if (!v) return t;
    std::string s = v;
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return t;
    t.name = s.substr(0, colon);
    t.at = std::strtol(s.c_str() + colon + 1, nullptr, 10);
    t.armed = t.at > 0;
    return t;
  }();
  return t;
}

}  // namespace

void CrashPoint(const char* name) {
  Target& t = Armed();
  if (!t.armed || t.name != name) return;
  if (++t.seen == t.at) {
    kill(getpid(), SIGKILL);
    _exit(137);  // not reached
  }
}

}  // namespace aud::apply
