#pragma once
// Durable writes shared by every file aud writes itself (the ingest cache and
// its segments, the collected log of `aud serve`): whole writes retried on
// EINTR and short writes, and the fsync of a folder that makes a rename or a
// new file in it durable; temp files named for their writer, so that what a
// killed run left behind is removed by the next one.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aud::base {

// Writes all `n` bytes at `p` to `fd` (retrying short writes and EINTR); false on an error.
bool WriteAll(int fd, const char* p, size_t n);

// Fsyncs the folder `dir` ("" is the current folder); false when it cannot be opened or synced.
bool SyncDir(const std::string& dir);

// The tag a temp file's name carries for the process writing it:
// `<8 hex of the host name's hash>-<pid>`.
std::string TempOwnerTag();

// Whether the temp file tagged `tag` (TempOwnerTag of its writer) can go:
// its writer was a process of this host that is gone (killed mid-write), or
// the file is older than an hour (`mtime`, `now`: seconds; a writer on
// another host sharing the folder, or a tag that does not parse).
bool TempIsStale(std::string_view tag, int64_t mtime, int64_t now);

}  // namespace aud::base
