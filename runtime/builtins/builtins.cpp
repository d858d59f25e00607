// The scalar builtins (runtime/builtins/builtins.h), written once.

#include "runtime/builtins/builtins.h"

#include <charconv>
#include <cmath>
#include <string>

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

bool Contains(std::string_view s, std::string_view t) {
  return s.find(t) != std::string_view::npos;
}

bool StartsWith(std::string_view s, std::string_view t) { return s.substr(0, t.size()) == t; }

bool EndsWith(std::string_view s, std::string_view t) {
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}

double DaysSince(int64_t as_of, int64_t t) {
  const int64_t diff =
      static_cast<int64_t>(static_cast<uint64_t>(as_of) - static_cast<uint64_t>(t));
  return static_cast<double>(diff) / 86400000.0;
}

double Round(double x, int64_t digits) {
  if (!std::isfinite(x) || x == 0) return x;
  // |x| as shortest round-trip scientific text: "d.ddde±XX" (at most 17 digits).
  char text[64];
  auto printed =
      std::to_chars(text, text + sizeof text, std::fabs(x), std::chars_format::scientific);
  if (printed.ec != std::errc()) return x;
  std::string d;  // the significant digits D: |x| = 0.D * 10^point
  const char* p = text;
  for (; p < printed.ptr && *p != 'e'; ++p)
    if (*p != '.') d += *p;
  int exp10 = 0;
  if (p < printed.ptr) std::from_chars(p + 1 + (p[1] == '+'), printed.ptr, exp10);
  const int64_t point = int64_t{exp10} + 1;  // digits of D before the decimal point
  // Keep the first `keep` digits of D; the first one dropped decides.
  if (digits >= static_cast<int64_t>(d.size()) - point) return x;  // nothing to round off
  const int64_t keep = point + digits;
  if (keep < 0) return std::copysign(0.0, x);  // below half of the last kept place
  std::string q = d.substr(0, static_cast<size_t>(keep));
  if (d[static_cast<size_t>(keep)] >= '5') {  // half or more: away from zero
    size_t i = q.size();
    while (i > 0 && q[i - 1] == '9') q[--i] = '0';
    if (i == 0)
      q.insert(q.begin(), '1');
    else
      ++q[i - 1];
  }
  if (q.empty() || q.find_first_not_of('0') == std::string::npos) return std::copysign(0.0, x);
  // q * 10^-digits, read back as the nearest double (|digits| < 400 here).
  std::string decimal = q + "e" + std::to_string(-digits);
  double r = 0;
  auto read = std::from_chars(decimal.data(), decimal.data() + decimal.size(), r);
  if (read.ec == std::errc::result_out_of_range)
    r = static_cast<int64_t>(q.size()) - digits > 0 ? HUGE_VAL : 0.0;
  return std::copysign(r, x);
}

}  // namespace aud::builtins
