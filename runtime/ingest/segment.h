#pragma once
// Per-file ingest segments (docs/runtime.md, "The incremental store"): the
// accepted lines of one source file as compact binary records, with the
// file's line counts and quarantine entries. Parsing a file yields its
// segment (no state shared with other files); the merge replays every
// segment in file order into one StoreBuilder. The cache keeps one segment
// file per source file, keyed by the file's fingerprint.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ingest/ingest.h"
#include "runtime/ingest/line_parser.h"
#include "runtime/store/hash.h"

namespace aud::ingest {

// Bumped whenever the segment layout or the meaning of a record changes.
constexpr uint32_t kSegmentFormatVersion = 1;

// One bad line found while parsing a file (a quarantine entry).
struct BadEntry {
  uint64_t line = 0;  // 1-based line number in the file
  BadLine reason = BadLine::InvalidJson;
  bool truncated = false;  // `text` was cut to the quarantine's limit
  std::string error;       // e.g. the gzip problem
  std::string text;
};

// What parsing one file found besides its records.
struct FileSummary {
  uint64_t total_lines = 0;  // every line, blank ones included (input order)
  uint64_t lines = 0;        // non-blank lines
  uint64_t blank_lines = 0;
  uint64_t bytes = 0;        // JSON bytes (after decompression)
  std::string gzip_problem;  // non-empty: the gzip stream is truncated or corrupt
  uint64_t gzip_after_line = 0;
  std::vector<BadEntry> bad;  // in line order
};

// Appends the record of an accepted line (`line`: its number relative to
// its block) to `out`.
void EncodeRecord(const ParsedLine& l, uint32_t line, std::string* out);

// A decoded record; strings view the segment's bytes.
struct Record {
  Call call = Call::Track;
  uint32_t line = 0;  // relative to the block's first line
  int64_t ts = 0;
  uint32_t nested = 0;
  uint64_t message_id_hash = 0;
  std::string_view event, user_id, anonymous_id, previous_id, message_id, group_id;
  std::vector<store::InputValue> values;
  uint32_t num_context = 0;
};

// Decodes the record at `*p` (before `end`) and advances `*p`; false when
// the bytes are not a record.
bool DecodeRecord(const char** p, const char* end, Record* r);

// Writes a segment: blocks of records, then the summary. To a file (a temp
// file beside `path`, fsynced and renamed by Finish, mode 0600) or to memory.
class SegmentWriter {
 public:
  SegmentWriter() = default;
  SegmentWriter(const SegmentWriter&) = delete;
  SegmentWriter& operator=(const SegmentWriter&) = delete;
  ~SegmentWriter();

  // Starts the segment file `path`; false with `error`.
  bool OpenFile(const std::string& path, std::string* error);
  // Starts a segment in memory (memory()).
  void OpenMemory();
  // Appends a block: `records` (`count` of them) whose line numbers count
  // from `first_line`.
  bool Block(uint64_t first_line, uint64_t count, std::string_view records);
  // Writes the summary and the header keyed by `key`; a file is synced and
  // renamed into place (its descriptor stays open: fd()). False with `error`.
  bool Finish(const FileSummary& summary, uint64_t key, std::string* error);
  // Abandons the segment (a temp file is removed).
  void Abandon();
  const std::string& memory() const { return memory_; }
  // The descriptor of the finished file (-1 in memory).
  int fd() const { return fd_; }

 private:
  bool Put(const char* p, size_t n);
  std::string path_, temp_;
  int fd_ = -1;
  bool to_memory_ = false, failed_ = false;
  std::string memory_, pending_;
  uint64_t payload_ = 0, written_ = 0;
  store::Hasher hasher_;
  std::string error_;
};

// A checked segment: its blocks and its summary.
struct SegmentView {
  const char* blocks = nullptr;  // the blocks region
  size_t blocks_size = 0;
  uint64_t num_blocks = 0;
  FileSummary summary;
};

class MappedFile;

// Checks the segment `data[0, size)` (header, version, key, checksum) and
// decodes its summary. False with `reason`: "truncated", "foreign-file",
// "version", "stale" or "corrupt". When `map` (which holds `data`) is given,
// the pages the checksum read are dropped from memory behind it, so checking
// a big segment does not make all of it resident at once (the merge maps
// them back from the page cache, a window at a time).
bool OpenSegment(const char* data, size_t size, uint64_t key, SegmentView* out, std::string* reason,
                 MappedFile* map = nullptr);

// One block of a segment, as read by NextBlock.
struct Block {
  uint64_t first_line = 0;
  uint64_t count = 0;
  const char* begin = nullptr;
  const char* end = nullptr;
};

// Reads the block at `*p` of a segment's blocks region (ending at `end`).
bool NextBlock(const char** p, const char* end, Block* b);

// A read-only mapping of a whole file.
class MappedFile {
 public:
  MappedFile() = default;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();
  // Maps `path` (or the open descriptor `fd` when >= 0); false with `reason`
  // ("missing" or "unreadable").
  bool Open(const std::string& path, int fd, std::string* reason);
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Drops the pages before `p` from memory (they were read).
  void Release(const char* p);
  // Drops the whole pages of [p, p + n) from memory without moving the
  // Release mark (they are read again later).
  void Drop(const char* p, size_t n);

 private:
  char* data_ = nullptr;
  size_t size_ = 0, released_ = 0;
};

}  // namespace aud::ingest
