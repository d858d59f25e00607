#pragma once
// Bounded reads of input files: only regular files are read (never a
// directory, device, FIFO or socket, nor anything under /proc or /sys),
// never more than a size limit, and never blocking on open.

#include <cstdint>
#include <filesystem>
#include <string>

namespace aud::base {

// The largest `.aud` module or `aud.toml` the front end reads: 16 MiB.
inline constexpr uint64_t kMaxSourceBytes = uint64_t{16} << 20;

// The largest imported list (`import "x.csv" key NS`) read: 1 GiB.
inline constexpr uint64_t kMaxListBytes = uint64_t{1} << 30;

// Why a file could not be read.
enum class ReadStatus : uint8_t { Ok, NotFound, Directory, NotRegular, TooLarge, Error };

// The outcome of ReadRegularFile: the text, or why not (`why` is a phrase
// such as "is a directory", never the file's content).
struct ReadResult {
  ReadStatus status = ReadStatus::Error;
  std::string text;
  std::string why;
  bool ok() const { return status == ReadStatus::Ok; }
};

// Reads the regular file at `path` (symlinks followed) of at most `max_bytes`.
ReadResult ReadRegularFile(const std::filesystem::path& path, uint64_t max_bytes);

// True when `path` exists and, with every symlink resolved, lies inside the
// directory `real_root` (itself already resolved) or is it.
bool ResolvesInside(const std::filesystem::path& real_root, const std::filesystem::path& path);

}  // namespace aud::base
