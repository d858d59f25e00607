#pragma once
// Crash injection for the crash-safety tests: `AUD_TEST_CRASH_AT=NAME:N`
// makes the process kill itself with SIGKILL the N-th time (1-based) it
// passes the crash point NAME. Without the variable a crash point costs one
// branch. Names are documented in runtime/apply/README.md.

namespace aud::apply {

void CrashPoint(const char* name);

}  // namespace aud::apply
