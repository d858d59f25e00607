// The scalar builtins (runtime/builtins/builtins.h), written once.

#include "runtime/builtins/builtins.h"

namespace aud::builtins {

namespace {

// `s` with every byte in [from, from + 26) shifted to [to, to + 26); nullopt
// when no byte is in range.
std::optional<std::string> MapLetters(std::string_view s, char from, char to) {
  size_t i = 0;
  while (i < s.size() && (s[i] < from || s[i] > from + 25)) ++i;
  if (i == s.size()) return std::nullopt;
  std::string out(s);
  for (; i < out.size(); ++i)
    if (out[i] >= from && out[i] <= from + 25) out[i] = static_cast<char>(out[i] - from + to);
  return out;
}

}  // namespace

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::optional<std::string> Lower(std::string_view s) { return MapLetters(s, 'A', 'a'); }

std::optional<std::string> Upper(std::string_view s) { return MapLetters(s, 'a', 'A'); }

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsSpace(s[b])) ++b;
  while (e > b && IsSpace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

bool Contains(std::string_view s, std::string_view t) { return s.find(t) != std::string_view::npos; }

bool StartsWith(std::string_view s, std::string_view t) { return s.substr(0, t.size()) == t; }

bool EndsWith(std::string_view s, std::string_view t) {
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}

double DaysSince(int64_t as_of, int64_t t) {
  const int64_t diff =
      static_cast<int64_t>(static_cast<uint64_t>(as_of) - static_cast<uint64_t>(t));
  return static_cast<double>(diff) / 86400000.0;
}

}  // namespace aud::builtins
