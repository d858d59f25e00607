#pragma once
// The collected log (docs/serve.md "The collected log"): JSON-lines files
// `.aud/collected/NNNNNNNN.jsonl` (mode 0600, folder 0700), one normalised
// message per line, appended with group commit (one write + fdatasync for
// every message of a commit) and rotated by size. Opening recovers: a torn
// last line (a crash in the middle of a write) is truncated, and the
// messageIds already logged are loaded for deduplication.

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace aud::serve {

// What Open found.
struct Recovery {
  uint64_t files = 0;
  uint64_t messages = 0;    // lines in the log
  uint64_t bytes = 0;       // bytes in the log after recovery
  uint64_t torn_bytes = 0;  // bytes of a torn last line that were truncated
};

class CollectedLog {
 public:
  CollectedLog() = default;
  ~CollectedLog();
  CollectedLog(const CollectedLog&) = delete;
  CollectedLog& operator=(const CollectedLog&) = delete;

  // Opens (creating) the log in `dir`; files rotate once they reach
  // `rotate_bytes`. False with `error` naming the path.
  bool Open(const std::string& dir, uint64_t rotate_bytes, Recovery* recovery, std::string* error);

  // True when a message with this id is logged or pending.
  bool Seen(std::string_view id) const;

  // Queues one line (no newline) for the next Commit and remembers its id.
  void Append(std::string_view id, std::string_view line);

  // Bytes queued for the next Commit.
  size_t pending_bytes() const { return pending_.size(); }

  // Writes the queued lines and fdatasyncs them (rotating first when the
  // current file is full). False with `error`: then the log is failed and
  // every later Commit fails too (the page cache's state after a failed
  // fsync is unknown, so nothing more is acknowledged).
  bool Commit(std::string* error);

  // Bytes in the log (every file).
  uint64_t bytes() const { return bytes_; }
  // Messages in the log.
  uint64_t messages() const { return messages_; }
  bool failed() const { return failed_; }
  const std::string& dir() const { return dir_; }

  // The file names of a log folder in order (`NNNNNNNN.jsonl`).
  static std::vector<std::string> Files(const std::string& dir);

 private:
  bool OpenFile(uint64_t number, std::string* error);
  void Remember(uint64_t hash);

  std::string dir_;
  uint64_t rotate_bytes_ = 64 << 20;
  int fd_ = -1;
  uint64_t file_number_ = 0;
  uint64_t file_bytes_ = 0;
  uint64_t bytes_ = 0;
  uint64_t messages_ = 0;
  uint64_t pending_messages_ = 0;
  std::string pending_;
  bool failed_ = false;
  // Hash64 of the messageIds, bounded: the oldest are forgotten past kMaxIds
  // (ingest deduplicates every messageId again when it reads the log).
  static constexpr size_t kMaxIds = 4'000'000;
  std::unordered_set<uint64_t> ids_;
  std::deque<uint64_t> order_;
};

}  // namespace aud::serve
