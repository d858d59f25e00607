#pragma once
// Durable writes shared by every file aud writes itself (the ingest cache and
// its segments, the collected log of `aud serve`): whole writes retried on
// EINTR and short writes, and the fsync of a folder that makes a rename or a
// new file in it durable.

#include <cstddef>
#include <string>

namespace aud::base {

// Writes all `n` bytes at `p` to `fd` (retrying short writes and EINTR); false on an error.
bool WriteAll(int fd, const char* p, size_t n);

// Fsyncs the folder `dir` ("" is the current folder); false when it cannot be opened or synced.
bool SyncDir(const std::string& dir);

}  // namespace aud::base
