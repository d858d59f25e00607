// Segment Tracking API bodies -> collected-log lines (message.h).

#include "runtime/serve/message.h"

#include <simdjson.h>

#include <random>
#include <string>

#include "compiler/base/civil_time.h"
#include "runtime/ingest/line_parser.h"

namespace aud::serve {

namespace {

constexpr std::string_view kCalls[] = {"track", "identify", "page", "screen", "alias", "group"};

void AppendJsonString(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20) {
      out->append("\\u00");
      out->push_back(kHex[c >> 4]);
      out->push_back(kHex[c & 15]);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

std::string NewMessageId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char kHex[] = "0123456789abcdef";
  std::string id = "aud-";
  for (int i = 0; i < 2; ++i) {
    uint64_t v = rng();
    for (int j = 0; j < 16; ++j) id.push_back(kHex[(v >> (j * 4)) & 15]);
  }
  return id;
}

Normalised Fail(std::string code, std::string message) {
  Normalised n;
  n.code = std::move(code);
  n.message = std::move(message);
  return n;
}

// One message object -> its line; false with `code`/`why`.
bool NormaliseOne(const simdjson::dom::object& obj, std::string_view call,
                  const simdjson::dom::element* batch_context,
                  const simdjson::dom::element* batch_sent_at, const std::string& received_at,
                  ingest::LineParser& parser, Message* out, std::string* code, std::string* why) {
  std::string type(call);
  std::string id;
  bool has_context = false, has_sent_at = false;
  for (auto field : obj) {
    if (field.key == "type") {
      std::string_view t;
      if (field.value.get_string().get(t) != simdjson::SUCCESS) {
        *code = "invalid_type";
        *why = "`type` must be a string";
        return false;
      }
      // A single-message endpoint names the call; in a batch each message does.
      if (call == "batch") type = t;
    } else if (field.key == "messageId") {
      std::string_view m;
      if (field.value.get_string().get(m) == simdjson::SUCCESS && !m.empty()) id = m;
    } else if (field.key == "context") {
      has_context = true;
    } else if (field.key == "sentAt") {
      has_sent_at = true;
    }
  }
  if (call == "batch") {
    bool known = false;
    for (auto c : kCalls) known = known || type == c;
    if (!known) {
      *code = "invalid_type";
      *why = "`type` must be one of track, identify, page, screen, alias, group";
      return false;
    }
  }
  if (id.empty()) id = NewMessageId();
  std::string line = "{\"messageId\":";
  AppendJsonString(&line, id);
  line += ",\"type\":";
  AppendJsonString(&line, type);
  line += ",\"receivedAt\":";
  AppendJsonString(&line, received_at);
  for (auto field : obj) {
    // Set above, or never stored (a write key is a secret).
    if (field.key == "messageId" || field.key == "type" || field.key == "receivedAt" ||
        field.key == "writeKey")
      continue;
    line.push_back(',');
    AppendJsonString(&line, field.key);
    line.push_back(':');
    line += simdjson::minify(field.value);
  }
  // A batch's `context` and `sentAt` apply to the messages without their own.
  if (!has_context && batch_context) {
    line += ",\"context\":";
    line += simdjson::minify(*batch_context);
  }
  if (!has_sent_at && batch_sent_at) {
    line += ",\"sentAt\":";
    line += simdjson::minify(*batch_sent_at);
  }
  line.push_back('}');
  if (line.size() > kMaxMessageBytes + 256) {
    *code = "message_too_large";
    *why = "a message may be at most 32 KB";
    return false;
  }
  // The ingest's own validation: what is accepted here is never quarantined.
  std::string padded = line;
  padded.resize(line.size() + ingest::kParsePadding, '\0');
  ingest::ParsedLine parsed;
  ingest::BadLine bad{};
  if (!parser.Parse(padded.data(), line.size(), padded.size(), &parsed, &bad)) {
    *code = ingest::BadLineName(bad);
    for (auto& ch : *code)
      if (ch == '-') ch = '_';
    switch (bad) {
      case ingest::BadLine::MissingId:
        *why = type == "alias"   ? "an alias needs `previousId` and `userId`"
               : type == "group" ? "a group call needs `groupId` and `userId` or `anonymousId`"
                                 : "a message needs `userId` or `anonymousId`";
        break;
      case ingest::BadLine::InvalidTimestamp:
        *why = "`timestamp`, `originalTimestamp` or `sentAt` is not an RFC 3339 date-time";
        break;
      case ingest::BadLine::InvalidField:
        *why =
            "a field has the wrong type (`event` and ids are strings, `properties`, `traits` "
            "and `context` objects)";
        break;
      default: *why = std::string("the message is refused: ") + ingest::BadLineName(bad);
    }
    return false;
  }
  out->id = std::move(id);
  out->line = std::move(line);
  return true;
}

}  // namespace

bool KnownCall(std::string_view call) {
  for (auto c : kCalls)
    if (c == call) return true;
  return false;
}

Normalised Normalise(std::string_view body, std::string_view call, int64_t received_at_ms) {
  thread_local simdjson::dom::parser json;
  thread_local ingest::LineParser parser;
  const bool batch = call == "batch";
  if (body.size() > (batch ? kMaxBatchBytes : kMaxMessageBytes))
    return Fail(batch ? "batch_too_large" : "message_too_large",
                batch ? "a batch may be at most 500 KB" : "a message may be at most 32 KB");
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (json.parse(padded).get(root) != simdjson::SUCCESS)
    return Fail("invalid_json", "the body is not valid JSON (UTF-8)");
  simdjson::dom::object obj;
  if (root.get_object().get(obj) != simdjson::SUCCESS)
    return Fail("invalid_json", "the body must be a JSON object");
  Normalised n;
  std::string_view key;
  if (obj["writeKey"].get_string().get(key) == simdjson::SUCCESS) n.write_key = key;
  const std::string received_at = base::FormatRfc3339(received_at_ms);
  std::string code, why;
  if (!batch) {
    Message m;
    if (!NormaliseOne(obj, call, nullptr, nullptr, received_at, parser, &m, &code, &why))
      return Fail(code, why);
    n.messages.push_back(std::move(m));
    return n;
  }
  simdjson::dom::array items;
  if (obj["batch"].get_array().get(items) != simdjson::SUCCESS)
    return Fail("invalid_batch", "a batch body needs `batch`, an array of messages");
  simdjson::dom::element context;
  const bool has_context = obj["context"].get(context) == simdjson::SUCCESS && context.is_object();
  simdjson::dom::element sent_at;
  const bool has_sent_at = obj["sentAt"].get(sent_at) == simdjson::SUCCESS && sent_at.is_string();
  size_t i = 0;
  for (auto item : items) {
    if (i >= kMaxBatchMessages)
      return Fail("batch_too_large", "a batch may hold at most 2500 messages");
    simdjson::dom::object m;
    if (item.get_object().get(m) != simdjson::SUCCESS)
      return Fail("invalid_message", "batch[" + std::to_string(i) + "] is not a JSON object");
    if (item.get_object().get(m) == simdjson::SUCCESS &&
        m["writeKey"].get_string().get(key) == simdjson::SUCCESS && n.write_key.empty())
      n.write_key = key;
    Message out;
    if (!NormaliseOne(m, call, has_context ? &context : nullptr, has_sent_at ? &sent_at : nullptr,
                      received_at, parser, &out, &code, &why))
      return Fail(code, "batch[" + std::to_string(i) + "]: " + why);
    n.messages.push_back(std::move(out));
    ++i;
  }
  return n;
}

std::string_view LineMessageId(std::string_view line) {
  constexpr std::string_view kPrefix = "{\"messageId\":\"";
  if (line.substr(0, kPrefix.size()) != kPrefix) return {};
  size_t i = kPrefix.size();
  for (size_t j = i; j < line.size(); ++j) {
    if (line[j] == '\\') return {};  // ids with escapes are not read back (never generated)
    if (line[j] == '"') return line.substr(i, j - i);
  }
  return {};
}

}  // namespace aud::serve
