#pragma once
// The builtin function registry (docs/reference/language.md §4), read by both the checker
// (signatures) and codegen (implementations). Header-only: a constant table.

#include <array>
#include <optional>
#include <string_view>

namespace aud::stdlib {

// Every builtin function.
enum class Builtin : uint8_t {
  Count,
  Did,
  Sum,
  Min,
  Max,
  Avg,
  First,
  Last,
  Sequence,
  Exists,
  Lower,
  Upper,
  Trim,
  Contains,
  StartsWith,
  EndsWith,
  DaysSince,
};

// How a builtin's arguments are shaped.
enum class BuiltinForm : uint8_t {
  EventAggregate,     // count(E [where P] [W]), did(...)
  PropertyAggregate,  // sum(E.p [where P] [W]) and friends
  Sequence,           // sequence(step, step, ...)
  Scalar,             // plain function over values
};

// One registry entry.
struct BuiltinInfo {
  std::string_view name;
  Builtin id;
  BuiltinForm form;
  int min_args;
  int max_args;  // -1: unbounded
};

inline constexpr std::array<BuiltinInfo, 17> kBuiltins = {{
    {"count", Builtin::Count, BuiltinForm::EventAggregate, 1, 1},
    {"did", Builtin::Did, BuiltinForm::EventAggregate, 1, 1},
    {"sum", Builtin::Sum, BuiltinForm::PropertyAggregate, 1, 1},
    {"min", Builtin::Min, BuiltinForm::PropertyAggregate, 1, 1},
    {"max", Builtin::Max, BuiltinForm::PropertyAggregate, 1, 1},
    {"avg", Builtin::Avg, BuiltinForm::PropertyAggregate, 1, 1},
    {"first", Builtin::First, BuiltinForm::PropertyAggregate, 1, 1},
    {"last", Builtin::Last, BuiltinForm::PropertyAggregate, 1, 1},
    {"sequence", Builtin::Sequence, BuiltinForm::Sequence, 2, -1},
    {"exists", Builtin::Exists, BuiltinForm::Scalar, 1, 1},
    {"lower", Builtin::Lower, BuiltinForm::Scalar, 1, 1},
    {"upper", Builtin::Upper, BuiltinForm::Scalar, 1, 1},
    {"trim", Builtin::Trim, BuiltinForm::Scalar, 1, 1},
    {"contains", Builtin::Contains, BuiltinForm::Scalar, 2, 2},
    {"starts_with", Builtin::StartsWith, BuiltinForm::Scalar, 2, 2},
    {"ends_with", Builtin::EndsWith, BuiltinForm::Scalar, 2, 2},
    {"days_since", Builtin::DaysSince, BuiltinForm::Scalar, 1, 1},
}};

// The builtin named `name`, if any.
inline const BuiltinInfo* FindBuiltin(std::string_view name) {
  for (const BuiltinInfo& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

}  // namespace aud::stdlib
