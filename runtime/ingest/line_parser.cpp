// Segment JSON lines with simdjson On-Demand. On-Demand only validates what it
// reads, so every value is read (unused ones by Walk): a line is accepted only
// when it is valid JSON as a whole. Order of the checks, so that each bad line
// has exactly one reason: JSON (invalid-utf8 / invalid-json), not-an-object,
// unknown-type, missing/invalid-timestamp, invalid-field, missing-id.
//
// Segment's timestamps (https://segment.com/docs/connections/spec/common/,
// "Timestamps"): a message without `timestamp` gets Segment's own
// clock-skew correction `receivedAt - (sentAt - originalTimestamp)` when all
// three are valid, else `originalTimestamp`, else `receivedAt`, else `sentAt`.

#include "runtime/ingest/line_parser.h"

#include <simdjson.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "compiler/base/civil_time.h"
#include "runtime/store/hash.h"

namespace aud::ingest {

static_assert(simdjson::SIMDJSON_PADDING <= kParsePadding);

namespace od = simdjson::ondemand;

namespace {

// Nesting deeper than this is rejected as invalid JSON (simdjson's own limit
// is 1024; this bounds Walk's recursion).
constexpr int kMaxDepth = 256;

// How a value read for a known field turned out.
enum class Got : uint8_t { Absent, Value, Nested, WrongType, Invalid };

// True when `s` is a JSON number (RFC 8259 grammar).
bool IsJsonNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') {
    ++i;
  } else if (s[i] >= '1' && s[i] <= '9') {
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  } else {
    return false;
  }
  if (i < n && s[i] == '.') {
    ++i;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == d) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == d) return false;
  }
  return i == n;
}

std::string_view TrimToken(std::string_view t) {
  while (!t.empty() &&
         (t.back() == ' ' || t.back() == '\t' || t.back() == '\n' || t.back() == '\r')) {
    t.remove_suffix(1);
  }
  return t;
}

// Strings without a backslash need no unescaping: their bytes in the line
// are their value (stage 1 already checked UTF-8, control characters and
// that the string is closed). Only strings with escapes go through simdjson's
// unescaping, which also validates the escapes.

// The string value `v` (a JSON string): a view into the line, or unescaped.
bool GetString(od::value& v, std::string_view* out) {
  std::string_view tok = TrimToken(v.raw_json_token());
  if (tok.size() >= 2 && tok.front() == '"' && tok.back() == '"' &&
      std::memchr(tok.data(), '\\', tok.size()) == nullptr) {
    *out = tok.substr(1, tok.size() - 2);
    return true;  // not consumed: On-Demand skips it
  }
  return !v.get_string().get(*out);
}

// A field's key: a view into the line, or unescaped.
bool GetKey(od::field& f, std::string_view* out) {
  const char* p = f.key().raw();  // just after the opening quote
  const char* q = p;
  while (*q != '"' && *q != '\\') ++q;
  if (*q == '"') {
    *out = std::string_view(p, static_cast<size_t>(q - p));
    return true;
  }
  return !f.unescaped_key().get(*out);
}

// Reads every part of `v` so that On-Demand validates it.
bool Walk(od::value v, int depth);

bool WalkNumber(od::value& v) {
  std::string_view tok = TrimToken(v.raw_json_token());
  od::number num;
  if (!v.get_number().get(num)) return true;
  // A valid number simdjson cannot represent (an integer beyond 64 bits).
  return IsJsonNumber(tok);
}

bool Walk(od::value v, int depth) {
  if (depth > kMaxDepth) return false;
  od::json_type t;
  if (v.type().get(t)) return false;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (v.get_object().get(o)) return false;
      for (auto fr : o) {
        od::field f;
        if (std::move(fr).get(f)) return false;
        std::string_view k;
        if (!GetKey(f, &k)) return false;
        if (!Walk(f.value(), depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (v.get_array().get(a)) return false;
      for (auto er : a) {
        od::value e;
        if (std::move(er).get(e)) return false;
        if (!Walk(e, depth + 1)) return false;
      }
      return true;
    }
    case od::json_type::number: return WalkNumber(v);
    case od::json_type::string: {
      std::string_view s;
      return GetString(v, &s);
    }
    case od::json_type::boolean: {
      bool b;
      return !v.get_bool().get(b);
    }
    case od::json_type::null: {
      bool n = false;
      return !v.is_null().get(n) && n;
    }
  }
  return false;
}

// Reads a string field (ids, event, type, timestamp, messageId): null is
// absent; another JSON type is WrongType (still validated).
Got ReadString(od::value v, std::string_view* out) {
  od::json_type t;
  if (v.type().get(t)) return Got::Invalid;
  if (t == od::json_type::string) return GetString(v, out) ? Got::Value : Got::Invalid;
  if (!Walk(v, 1)) return Got::Invalid;
  return t == od::json_type::null ? Got::Absent : Got::WrongType;
}

// Reads a property or trait value by its JSON type (docs/reference/language.md §5).
Got ReadValue(od::value v, store::InputValue* out) {
  od::json_type t;
  if (v.type().get(t)) return Got::Invalid;
  switch (t) {
    case od::json_type::string:
      out->kind = store::ValueKind::String;
      return GetString(v, &out->s) ? Got::Value : Got::Invalid;
    case od::json_type::number: {
      std::string_view tok = TrimToken(v.raw_json_token());
      od::number num;
      if (v.get_number().get(num)) {
        // Valid JSON beyond what simdjson holds (integers over 64 bits): a float.
        if (!IsJsonNumber(tok)) return Got::Invalid;
        out->kind = store::ValueKind::Float;
        out->f = std::strtod(std::string(tok).c_str(), nullptr);
        return Got::Value;
      }
      switch (num.get_number_type()) {
        case od::number_type::signed_integer:
          out->kind = store::ValueKind::Int;
          out->i = num.get_int64();
          break;
        case od::number_type::unsigned_integer:
          // An integer that does not fit int64 is kept as a float.
          out->kind = store::ValueKind::Float;
          out->f = static_cast<double>(num.get_uint64());
          break;
        default:
          out->kind = store::ValueKind::Float;
          out->f = num.get_double();
          break;
      }
      return Got::Value;
    }
    case od::json_type::boolean:
      out->kind = store::ValueKind::Bool;
      return v.get_bool().get(out->b) ? Got::Invalid : Got::Value;
    case od::json_type::null: {
      bool n = false;
      if (v.is_null().get(n) || !n) return Got::Invalid;
      out->is_null = true;
      return Got::Absent;
    }
    case od::json_type::array:
    case od::json_type::object: return Walk(v, 1) ? Got::Nested : Got::Invalid;
  }
  return Got::Invalid;
}

// The instants a corrected timestamp may take: years 0000 to 9999, the
// range of an RFC 3339 date-time.
constexpr int64_t kMinMillis = -62167219200000;  // 0000-01-01T00:00:00Z
constexpr int64_t kMaxMillis = 253402300799999;  // 9999-12-31T23:59:59.999Z

// True when the string field `s` (read as `g`) is a valid event timestamp.
bool ValidTime(Got g, std::string_view s, int64_t* ms) {
  return g == Got::Value && base::ParseEventTimestamp(s, ms);
}

// True when `name` is in the `context.` namespace (declared context
// properties; a `properties` key spelled so, even the bare `context.`, is
// dropped: found by fuzz_ingest, tests/fuzz/regressions/ingest/).
bool IsContextPath(std::string_view name) { return name.compare(0, 8, "context.") == 0; }

// Keeps the last value of each name (JSON objects with repeated keys).
void DropRepeatedNames(std::vector<store::InputValue>* values) {
  auto& v = *values;
  if (v.size() < 2) return;
  size_t out = 0;
  if (v.size() <= 32) {
    for (size_t i = 0; i < v.size(); ++i) {
      bool later = false;
      for (size_t j = i + 1; j < v.size() && !later; ++j) later = v[j].name == v[i].name;
      if (!later) v[out++] = v[i];
    }
  } else {
    // Many names (hostile or generated lines): by hash, not pairwise.
    std::unordered_map<std::string_view, size_t> last;
    last.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) last[v[i].name] = i;
    for (size_t i = 0; i < v.size(); ++i) {
      if (last[v[i].name] == i) v[out++] = v[i];
    }
  }
  v.resize(out);
}

}  // namespace

struct LineParser::Impl {
  od::parser parser;
  void (*hook)(void*, uint64_t) = nullptr;
  void* hook_ctx = nullptr;
  std::vector<store::InputValue> props, traits;
  uint32_t props_nested = 0, traits_nested = 0;
  // Declared context paths (stable strings) and the sets that view them:
  // full paths (leaves to read) and their proper prefixes (objects to enter).
  std::vector<std::string> ctx_paths;
  std::unordered_set<std::string_view> ctx_leaf, ctx_prefix;
  std::string ctx_path;  // the path being read
  std::vector<store::InputValue> ctx;
  uint32_t ctx_nested = 0;

  void SetContextPaths(const std::vector<std::string>& paths) {
    ctx_leaf.clear();
    ctx_prefix.clear();
    ctx_paths.clear();
    for (const std::string& p : paths)
      if (IsContextPath(p)) ctx_paths.push_back(p);
    for (const std::string& p : ctx_paths) {  // (no more push_back: the views stay valid)
      ctx_leaf.insert(p);
      for (size_t dot = p.find('.'); dot != std::string::npos; dot = p.find('.', dot + 1))
        ctx_prefix.insert(std::string_view(p).substr(0, dot));
    }
  }

  // Reads the object at `ctx_path` (`context` or below): the declared leaves
  // into `ctx`, everything else validated. A key that is empty or holds a
  // `.` is never part of a path.
  bool ReadContext(od::value v, int depth) {
    if (depth > kMaxDepth) return false;
    od::object o;
    if (v.get_object().get(o)) return false;
    for (auto fr : o) {
      od::field f;
      if (std::move(fr).get(f)) return false;
      std::string_view k;
      if (!GetKey(f, &k)) return false;
      od::value fv = f.value();
      if (k.empty() || k.find('.') != std::string_view::npos) {
        if (!Walk(fv, depth + 1)) return false;
        continue;
      }
      const size_t mark = ctx_path.size();
      ctx_path.push_back('.');
      ctx_path.append(k);
      od::json_type t;
      if (fv.type().get(t)) return false;
      bool ok = true;
      auto leaf = ctx_leaf.find(std::string_view(ctx_path));
      if (t == od::json_type::object && ctx_prefix.count(std::string_view(ctx_path))) {
        ok = ReadContext(fv, depth + 1);
      } else if (leaf != ctx_leaf.end()) {
        store::InputValue iv;
        iv.name = *leaf;
        switch (ReadValue(fv, &iv)) {
          case Got::Invalid: ok = false; break;
          case Got::Nested: ++ctx_nested; break;
          case Got::Value:
          case Got::Absent: ctx.push_back(iv); break;
          case Got::WrongType: break;
        }
      } else {
        ok = Walk(fv, depth + 1);
      }
      ctx_path.resize(mark);
      if (!ok) return false;
    }
    return true;
  }

  // Reads an object of values into `dst`; false on invalid JSON.
  bool ReadObject(od::value v, std::vector<store::InputValue>* dst, uint32_t* nested) {
    dst->clear();
    *nested = 0;
    od::object o;
    if (v.get_object().get(o)) return false;
    for (auto fr : o) {
      od::field f;
      if (std::move(fr).get(f)) return false;
      store::InputValue iv;
      if (!GetKey(f, &iv.name)) return false;
      switch (ReadValue(f.value(), &iv)) {
        case Got::Invalid: return false;
        case Got::Nested: ++*nested; break;
        case Got::Value:
        case Got::Absent: dst->push_back(iv); break;
        case Got::WrongType: break;
      }
    }
    return true;
  }

  // A root that is not an object: valid JSON (not-an-object) or not.
  bool ValidNonObjectRoot(od::document& doc, od::json_type t, const char* end) {
    switch (t) {
      case od::json_type::array: {
        od::array a;
        if (doc.get_array().get(a)) return false;
        for (auto er : a) {
          od::value e;
          if (std::move(er).get(e)) return false;
          if (!Walk(e, 1)) return false;
        }
        break;
      }
      case od::json_type::number: {
        std::string_view tok;
        if (doc.raw_json_token().get(tok)) return false;
        od::number num;
        if (doc.get_number().get(num)) {
          // simdjson does not hold it (an integer over 64 bits) and does not
          // advance: valid when it is a JSON number that ends the line.
          return IsJsonNumber(TrimToken(tok)) && tok.data() + tok.size() == end;
        }
        break;
      }
      case od::json_type::string: {
        std::string_view s;
        if (doc.get_string().get(s)) return false;
        break;
      }
      case od::json_type::boolean: {
        bool b;
        if (doc.get_bool().get(b)) return false;
        break;
      }
      case od::json_type::null: {
        bool n = false;
        if (doc.is_null().get(n) || !n) return false;
        break;
      }
      default: return false;
    }
    const char* loc;
    return doc.current_location().get(loc) != simdjson::SUCCESS;  // nothing after it
  }

  bool Parse(const char* p, size_t n, size_t capacity, ParsedLine* out, BadLine* bad) {
    od::document doc;
    auto err = parser.iterate(p, n, capacity).get(doc);
    if (err) {
      *bad = err == simdjson::UTF8_ERROR ? BadLine::InvalidUtf8 : BadLine::InvalidJson;
      return false;
    }
    od::json_type root;
    if (doc.type().get(root)) {
      *bad = BadLine::InvalidJson;
      return false;
    }
    if (root != od::json_type::object) {
      *bad = ValidNonObjectRoot(doc, root, p + n) ? BadLine::NotAnObject : BadLine::InvalidJson;
      return false;
    }
    od::object obj;
    if (doc.get_object().get(obj)) {
      *bad = BadLine::InvalidJson;
      return false;
    }
    std::string_view type, timestamp, original_ts, sent_at, received_at;
    Got got_type = Got::Absent, got_ts = Got::Absent;
    Got got_original = Got::Absent, got_sent = Got::Absent, got_received = Got::Absent;
    Got got_group = Got::Absent;
    bool wrong_field = false;
    Got got_event = Got::Absent;
    bool props_wrong = false, traits_wrong = false;
    bool has_name = false, name_present = false;
    store::InputValue name;
    uint32_t name_nested = 0;
    props.clear();
    traits.clear();
    props_nested = traits_nested = 0;
    ctx.clear();
    ctx_nested = 0;
    out->event = out->user_id = out->anonymous_id = out->previous_id = out->message_id = {};
    out->group_id = {};
    out->num_context = 0;

    auto invalid = [&] {
      *bad = BadLine::InvalidJson;
      return false;
    };
    // An id-like string field: a wrong JSON type makes the line invalid-field.
    auto id_field = [&](od::value v, std::string_view* dst) {
      Got g = ReadString(v, dst);
      if (g == Got::Invalid) return false;
      if (g != Got::Value) *dst = {};
      if (g == Got::WrongType) wrong_field = true;
      return true;
    };
    for (auto fr : obj) {
      od::field f;
      if (std::move(fr).get(f)) return invalid();
      std::string_view key;
      if (!GetKey(f, &key)) return invalid();
      od::value v = f.value();
      bool ok = true;
      switch (key.size()) {
        case 4:
          if (key == "type") {
            got_type = ReadString(v, &type);
            ok = got_type != Got::Invalid;
          } else if (key == "name") {
            name = store::InputValue{};
            name.name = "name";
            Got g = ReadValue(v, &name);
            ok = g != Got::Invalid;
            has_name = g == Got::Value;
            name_present = true;
            name_nested = g == Got::Nested ? 1 : 0;
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 5:
          if (key == "event") {
            got_event = ReadString(v, &out->event);
            ok = got_event != Got::Invalid;
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 6:
          if (key == "userId") {
            ok = id_field(v, &out->user_id);
          } else if (key == "sentAt") {
            got_sent = ReadString(v, &sent_at);
            ok = got_sent != Got::Invalid;
          } else if (key == "traits") {
            od::json_type t;
            if (v.type().get(t)) return invalid();
            if (t == od::json_type::object) {
              ok = ReadObject(v, &traits, &traits_nested);
              traits_wrong = false;
            } else {
              ok = Walk(v, 1);
              traits.clear();
              traits_wrong = t != od::json_type::null;
            }
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 7:
          if (key == "groupId") {
            got_group = ReadString(v, &out->group_id);  // only a `group` call checks it
            ok = got_group != Got::Invalid;
          } else if (key == "context" && !ctx_paths.empty()) {
            od::json_type t;
            if (v.type().get(t)) return invalid();
            ctx_path.assign("context");
            ctx.clear();  // a repeated `context` key: the last one counts
            ctx_nested = 0;
            ok = t == od::json_type::object ? ReadContext(v, 1) : Walk(v, 1);
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 9:
          if (key == "timestamp") {
            got_ts = ReadString(v, &timestamp);
            ok = got_ts != Got::Invalid;
          } else if (key == "messageId") {
            ok = id_field(v, &out->message_id);
            out->message_id_hash = store::Hash64(out->message_id);
            if (hook && !out->message_id.empty()) hook(hook_ctx, out->message_id_hash);
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 10:
          if (key == "properties") {
            od::json_type t;
            if (v.type().get(t)) return invalid();
            if (t == od::json_type::object) {
              ok = ReadObject(v, &props, &props_nested);
              props_wrong = false;
            } else {
              ok = Walk(v, 1);
              props.clear();
              props_wrong = t != od::json_type::null;
            }
          } else if (key == "previousId") {
            ok = id_field(v, &out->previous_id);
          } else if (key == "receivedAt") {
            got_received = ReadString(v, &received_at);
            ok = got_received != Got::Invalid;
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 11:
          if (key == "anonymousId") {
            ok = id_field(v, &out->anonymous_id);
          } else {
            ok = Walk(v, 1);
          }
          break;
        case 17:
          if (key == "originalTimestamp") {
            got_original = ReadString(v, &original_ts);
            ok = got_original != Got::Invalid;
          } else {
            ok = Walk(v, 1);
          }
          break;
        default: ok = Walk(v, 1); break;
      }
      if (!ok) return invalid();
    }
    const char* loc;
    if (doc.current_location().get(loc) == simdjson::SUCCESS) return invalid();  // trailing text

    // The call.
    if (got_type != Got::Value) {
      *bad = BadLine::UnknownType;
      return false;
    }
    if (type == "track") {
      out->call = Call::Track;
    } else if (type == "page") {
      out->call = Call::Page;
    } else if (type == "identify") {
      out->call = Call::Identify;
    } else if (type == "screen") {
      out->call = Call::Screen;
    } else if (type == "alias") {
      out->call = Call::Alias;
    } else if (type == "group") {
      out->call = Call::Group;
    } else {
      *bad = BadLine::UnknownType;
      return false;
    }
    // The timestamp: `timestamp` when present (null is absent), else
    // Segment's rule from originalTimestamp/sentAt/receivedAt (those of them
    // that are not valid date-times are left out).
    if (got_ts == Got::Absent) {
      int64_t original = 0, sent = 0, received = 0;
      const bool has_original = ValidTime(got_original, original_ts, &original);
      const bool has_sent = ValidTime(got_sent, sent_at, &sent);
      const bool has_received = ValidTime(got_received, received_at, &received);
      if (has_original && has_sent && has_received) {
        out->ts = received - (sent - original);
        if (out->ts < kMinMillis || out->ts > kMaxMillis) {
          *bad = BadLine::InvalidTimestamp;
          return false;
        }
      } else if (has_original) {
        out->ts = original;
      } else if (has_received) {
        out->ts = received;
      } else if (has_sent) {
        out->ts = sent;
      } else {
        const bool any =
            got_original != Got::Absent || got_sent != Got::Absent || got_received != Got::Absent;
        *bad = any ? BadLine::InvalidTimestamp : BadLine::MissingTimestamp;
        return false;
      }
    } else {
      // (The common `...T...Z` form goes straight to ParseRfc3339, sparing
      // ParseEventTimestamp's copy for lower-case `t`/`z`; same result.)
      const bool plain = timestamp.size() >= 11 && timestamp[10] == 'T' && timestamp.back() != 'z';
      if (got_ts != Got::Value || !(plain ? base::ParseRfc3339(timestamp, &out->ts)
                                          : base::ParseEventTimestamp(timestamp, &out->ts))) {
        *bad = BadLine::InvalidTimestamp;
        return false;
      }
    }
    // Fields of the wrong JSON type.
    const Call c = out->call;
    const bool is_event = c == Call::Track || c == Call::Page || c == Call::Screen;
    if (got_group != Got::Value) out->group_id = {};
    if (c == Call::Group && got_group == Got::WrongType) wrong_field = true;
    if (wrong_field || (c == Call::Track && (got_event != Got::Value || out->event.empty())) ||
        (is_event && props_wrong) || ((c == Call::Identify || c == Call::Group) && traits_wrong)) {
      *bad = BadLine::InvalidField;
      return false;
    }
    // Ids.
    if (c == Call::Alias ? (out->previous_id.empty() || out->user_id.empty())
                         : (out->user_id.empty() && out->anonymous_id.empty()) ||
                               (c == Call::Group && out->group_id.empty())) {
      *bad = BadLine::MissingId;
      return false;
    }
    out->values.clear();
    out->nested = 0;
    if (is_event) {
      out->values.swap(props);
      out->nested = props_nested;
      if (c != Call::Track && name_present) {
        // page/screen: the call's top-level `name`, when the line has one
        // (even null), is the property `name`.
        out->nested += name_nested;
        for (auto& v : out->values) {
          if (v.name == "name") v.is_null = true;  // dropped below
        }
        if (has_name) out->values.push_back(name);
      }
      // `context.*` names are the context object's: a `properties` key spelled
      // so is dropped, then the declared context leaves follow.
      for (auto& v : out->values) {
        if (IsContextPath(v.name)) v.is_null = true;
      }
      out->nested += ctx_nested;
      out->values.insert(out->values.end(), ctx.begin(), ctx.end());
      DropRepeatedNames(&out->values);
      // Nulls are absent properties.
      size_t k = 0;
      for (const auto& v : out->values) {
        if (!v.is_null) out->values[k++] = v;
      }
      out->values.resize(k);
      // The context leaves are last (DropRepeatedNames keeps the order).
      while (out->num_context < k && IsContextPath(out->values[k - 1 - out->num_context].name))
        ++out->num_context;
    } else if (c == Call::Identify || c == Call::Group) {
      out->values.swap(traits);
      out->nested = traits_nested;
      DropRepeatedNames(&out->values);
    }
    return true;
  }
};

LineParser::LineParser() : impl_(std::make_unique<Impl>()) {}

void LineParser::SetMessageIdHook(void (*hook)(void*, uint64_t), void* ctx) {
  impl_->hook = hook;
  impl_->hook_ctx = ctx;
}
LineParser::~LineParser() = default;

void LineParser::SetContextPaths(const std::vector<std::string>& paths) {
  impl_->SetContextPaths(paths);
}

bool LineParser::Parse(const char* p, size_t n, size_t capacity, ParsedLine* out, BadLine* bad) {
  return impl_->Parse(p, n, capacity, out, bad);
}

bool ValidUtf8(const char* p, size_t n) { return simdjson::validate_utf8(p, n); }

}  // namespace aud::ingest
