#pragma once
// Which `[state] backend` values this build can open (aud.toml). Only SQLite
// is built; PostgreSQL is refused at plan time with the message below.

#include <string>

namespace aud::state {

// True for "sqlite" (and "", the default). Otherwise false with a one-line,
// lower-case message naming the backend and what to do instead.
bool BackendSupported(const std::string& backend, std::string* message);

}  // namespace aud::state
