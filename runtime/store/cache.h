#pragma once
// The on-disk cache of an EventStore (docs/architecture.md §3): a versioned
// binary file keyed by a fingerprint of the source files, written atomically
// (temp file, fsync, rename) and never trusted when stale, truncated, of
// another format version or corrupt (checksum): the caller then rebuilds.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"

namespace aud::store {

// Bumped whenever the file layout or the meaning of a stored field changes.
// 2: sparse columns; 3: group calls; 4: lean layout (narrow arrays, mapped load)
constexpr uint32_t kCacheFormatVersion = 4;

// A fingerprint of source files: for each, its path, size, mtime and a hash
// of its first and last 64 KiB; `salt` mixes in anything else the store
// depends on (ingest version and options). A missing file fingerprints too.
uint64_t Fingerprint(const std::vector<std::string>& files, uint64_t salt = 0);

// Writes `store` (and an opaque `meta` blob, e.g. ingest statistics) to
// `path`, creating its folder. False with `error` set on failure; an existing
// file is replaced only by a complete new one.
bool SaveStore(const EventStore& store, const std::string& path, uint64_t fingerprint,
               std::string_view meta = {}, std::string* error = nullptr);

// Reads the store at `path` when it was written with `fingerprint` by this
// format version and is intact. Otherwise nullopt and `reason` says why:
// "missing", "unreadable", "truncated", "foreign-file", "version", "stale"
// or "corrupt".
std::optional<EventStore> LoadStore(const std::string& path, uint64_t fingerprint,
                                    std::string* reason = nullptr, std::string* meta = nullptr);

// Checks the store's internal consistency (offsets, indices, sizes); false
// with a description of the first problem. LoadStore runs it on every load.
bool ValidateStore(const EventStore& store, std::string* problem = nullptr);

}  // namespace aud::store
