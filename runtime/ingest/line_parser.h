#pragma once
// One Segment-spec JSON line -> its fields (docs/reference/language.md §5), or the reason it
// is bad. Internal to ingest (and the ingest benchmark); simdjson stays out
// of this header.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/ingest/ingest.h"
#include "runtime/store/builder.h"

namespace aud::ingest {

// Readable bytes required after the end of a line's data (SIMDJSON_PADDING).
constexpr size_t kParsePadding = 64;

// The Segment call of a line.
enum class Call : uint8_t { Track, Identify, Page, Screen, Alias, Group };

// An accepted line. Strings view the parser's buffers: valid until the next Parse.
struct ParsedLine {
  Call call = Call::Track;
  int64_t ts = 0;
  std::string_view event, user_id, anonymous_id, previous_id, message_id;  // empty: absent
  std::string_view group_id;                                               // group: the `groupId`
  uint64_t message_id_hash = 0;  // store::Hash64(message_id)
  // track/page/screen: properties (page/screen: with the top-level `name`),
  // then the declared `context.*` leaves (the last `num_context` values);
  // identify/group: traits (JSON nulls kept as is_null). Last occurrence of a
  // name wins.
  std::vector<store::InputValue> values;
  uint32_t num_context = 0;  // track/page/screen: how many of `values` are context leaves
  uint32_t nested = 0;       // array/object values among them (left out)
};

// Parses lines with one reusable simdjson On-Demand parser.
class LineParser {
 public:
  LineParser();
  ~LineParser();
  LineParser(const LineParser&) = delete;
  LineParser& operator=(const LineParser&) = delete;

  // Parses the `n` bytes at `p` (no newline); `capacity` >= n + kParsePadding
  // bytes are readable from `p`. True when the line is accepted, else `*bad`.
  // The whole line is validated as JSON, including values aud does not read.
  bool Parse(const char* p, size_t n, size_t capacity, ParsedLine* out, BadLine* bad);

  // The `context.*` property paths to read from a message's `context` object
  // (`context.campaign.source`; only scalar leaves at exactly those paths).
  // Empty (the default): `context` is validated and ignored.
  void SetContextPaths(const std::vector<std::string>& paths);

  // Called with Hash64 of each messageId as soon as it is read (before the
  // rest of the line), so a caller can prefetch its deduplication slot.
  void SetMessageIdHook(void (*hook)(void* ctx, uint64_t hash), void* ctx);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// True when `p[0..n)` is valid UTF-8 (used for quarantine text).
bool ValidUtf8(const char* p, size_t n);

}  // namespace aud::ingest
