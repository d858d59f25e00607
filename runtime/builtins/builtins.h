#pragma once
// One plain implementation of each scalar builtin of the registry
// (stdlib/builtins.def rows with Impl::Helper), called by both executors: the
// interpreter (runtime/eval) directly, JIT code through the helpers of
// runtime/jit. No dependency on either, nor on the IR. Missing values never
// reach these functions: the executors apply the row's OnMissing rule.
// Semantics: docs/reference/language.md §4.1.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aud::builtins {

// Whether `c` is ASCII whitespace: space, \t, \n, \v, \f, \r.
bool IsSpace(char c);

// `lower(s)`: ASCII A-Z mapped to a-z; nullopt when no byte changes.
std::optional<std::string> Lower(std::string_view s);
// `upper(s)`: ASCII a-z mapped to A-Z; nullopt when no byte changes.
std::optional<std::string> Upper(std::string_view s);
// `trim(s)`: `s` without leading and trailing ASCII whitespace (a view into `s`).
std::string_view Trim(std::string_view s);

// `contains(s, t)`: whether `t` occurs in `s` (bytes).
bool Contains(std::string_view s, std::string_view t);
// `starts_with(s, t)`: whether `s` begins with `t` (bytes).
bool StartsWith(std::string_view s, std::string_view t);
// `ends_with(s, t)`: whether `s` ends with `t` (bytes).
bool EndsWith(std::string_view s, std::string_view t);

// `days_since(t)`: double(as_of - t) / 86400000, the difference wrapping modulo 2^64.
double DaysSince(int64_t as_of, int64_t t);

// `round(x, digits)`: the decimal aud prints for `x` (its shortest round-trip
// form) rounded to `digits` decimal places (negative: tens, hundreds, ...),
// halves away from zero, as the nearest double. `x` unchanged when it has no
// more than `digits` decimals, or is NaN or infinite; a zero result keeps the
// sign of `x`; a result beyond the double range is infinite.
double Round(double x, int64_t digits);

}  // namespace aud::builtins
