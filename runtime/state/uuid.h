#pragma once
// Random identifiers for state: the lineage and lock ids (RFC 4122 version 4
// UUIDs, from the kernel's random source so two machines never collide).

#include <string>

namespace aud::state {

// A fresh random UUID v4 ("xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx", lower-case
// hex) read from /dev/urandom. False with `error` when no randomness is available.
bool NewUuid(std::string* out, std::string* error);

// Whether `s` is shaped like a UUID (36 characters, hex digits and four dashes).
bool LooksLikeUuid(const std::string& s);

}  // namespace aud::state
