#pragma once
// Segment Tracking API bodies -> normalised collected-log lines
// (docs/serve.md "Messages"): one JSON object per message, `messageId`,
// `type` and `receivedAt` first, `writeKey` removed, validated with ingest's
// own line parser so a message accepted here is never quarantined later.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aud::serve {

// Segment's per-message limit (32 KB) and per-batch limit (500 KB).
constexpr size_t kMaxMessageBytes = size_t{32} * 1024;
constexpr size_t kMaxBatchBytes = size_t{500} * 1024;
// Segment's limit on the messages of one batch.
constexpr size_t kMaxBatchMessages = 2500;

// One normalised message.
struct Message {
  std::string id;    // the messageId (generated when absent)
  std::string line;  // the log line, without the newline
};

// The outcome of normalising one request body.
struct Normalised {
  std::vector<Message> messages;
  std::string write_key;  // a `writeKey` found in the body ("" when none)
  std::string code;       // "" when accepted; else a stable reason ("invalid_json", ...)
  std::string message;    // why, for the reply (never quotes a value of the body)
};

// The Segment calls a single-message endpoint may name.
bool KnownCall(std::string_view call);

// Normalises the body of `POST /v1/<call>` (`call` is one of the six calls,
// or "batch"), received at `received_at_ms` (UTC ms). All or nothing: one bad
// message rejects the request.
Normalised Normalise(std::string_view body, std::string_view call, int64_t received_at_ms);

// The messageId of a line this module wrote (its first field); "" when the
// line does not start with one.
std::string_view LineMessageId(std::string_view line);

}  // namespace aud::serve
