// JSON string text (json_text.h).

#include "compiler/base/json_text.h"

#include "compiler/base/escape.h"

namespace aud::base {

namespace {

// `\uxxxx` in lower-case hex (every unsafe code point is in the Basic
// Multilingual Plane).
void AppendJsonEscape(char32_t cp, std::string* out) {
  static constexpr char kHexLower[] = "0123456789abcdef";
  out->append("\\u");
  for (int d = 3; d >= 0; --d) out->push_back(kHexLower[(cp >> (4 * d)) & 15]);
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t n = DecodeUtf8(s, i, &cp);
    if (n == 0) {
      out->append("\xEF\xBF\xBD");  // U+FFFD: the output stays valid UTF-8
      ++i;
      continue;
    }
    switch (cp) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (IsUnsafeCodePoint(cp))
          AppendJsonEscape(cp, out);
        else
          out->append(s.substr(i, n));
    }
    i += n;
  }
  out->push_back('"');
}

std::string JsonString(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  AppendJsonString(s, &out);
  return out;
}

std::string JsonTerminalSafe(std::string_view json) {
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size();) {
    char32_t cp;
    size_t n = DecodeUtf8(json, i, &cp);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");
      ++i;
      continue;
    }
    // C0 controls are structural whitespace outside strings and already
    // escaped inside them by any JSON writer: only the others are changed.
    if (cp >= 0x20 && IsUnsafeCodePoint(cp))
      AppendJsonEscape(cp, &out);
    else
      out.append(json.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace aud::base
