#pragma once
// The builtin function registry (docs/reference/language.md §4.1): the rows of
// stdlib/builtins.def as a constant table. Read by the checker (arity and
// argument/result types), lowering (the IR op, via compiler/ir/builtin_ops.h),
// the interpreter and codegen (the helper symbol the JIT calls). Header-only
// data: no runtime dependency. Adding a builtin: docs/adding-a-feature.md.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace aud::stdlib {

// Every builtin function.
enum class Builtin : uint8_t {
#define AUD_BUILTIN(id, ...) id,
#include "stdlib/builtins.def"
#undef AUD_BUILTIN
};

// How a builtin's arguments are shaped.
enum class BuiltinForm : uint8_t {
  EventAggregate,     // count(E [where P] [W]), did(...)
  PropertyAggregate,  // sum(E.p [where P] [W]) and friends
  Sequence,           // sequence(step, step, ...)
  Scalar,             // plain function over values
};

// An argument or result type of a builtin's signature.
enum class Val : uint8_t {
  None,     // no such argument
  Special,  // typed by the checker's own rules (aggregates, sequences)
  Any,      // any type
  Bool,
  Int,
  Float,
  Number,  // int or float; lowering widens an int to float
  String,
  Timestamp,
};

// What a missing (⊥) argument gives.
enum class OnMissing : uint8_t {
  Special,    // aggregates and sequences (docs/reference/language.md §4.1, §6)
  Presence,   // the builtin tests presence itself (`exists`)
  Propagate,  // ⊥ in any argument gives ⊥
  False,      // ⊥ in any argument gives false (a test, never ⊥)
};

// Who implements a builtin.
enum class Impl : uint8_t {
  Slot,    // lowered to an aggregate or sequence slot (runtime/eval, codegen)
  Inline,  // written out by each executor (a presence test)
  Helper,  // one plain function in runtime/builtins; the JIT calls `helper`
};

// One registry entry.
struct BuiltinInfo {
  std::string_view name;
  Builtin id;
  BuiltinForm form;
  int min_args;
  int max_args;  // -1: unbounded
  Val result;
  std::array<Val, 2> params;
  OnMissing missing;
  Impl impl;
  std::string_view helper;  // the JIT helper symbol (Impl::Helper), else empty
};

inline constexpr std::array kBuiltins = {
#define AUD_BUILTIN(id, name, form, min, max, op, result, p0, p1, missing, impl, helper) \
  BuiltinInfo{name,        Builtin::id,        BuiltinForm::form,  min,        max,      \
              Val::result, {Val::p0, Val::p1}, OnMissing::missing, Impl::impl, helper},
#include "stdlib/builtins.def"
#undef AUD_BUILTIN
};

// The number of builtins.
inline constexpr size_t kBuiltinCount = kBuiltins.size();

// The registry row of `b`.
constexpr const BuiltinInfo& Info(Builtin b) { return kBuiltins[static_cast<size_t>(b)]; }

// The builtin named `name`, if any.
constexpr const BuiltinInfo* FindBuiltin(std::string_view name) {
  for (const BuiltinInfo& b : kBuiltins)
    if (b.name == name) return &b;
  return nullptr;
}

// The number of declared parameters of a scalar builtin (its non-None params).
constexpr int ParamCount(const BuiltinInfo& b) {
  int n = 0;
  for (Val v : b.params)
    if (v != Val::None) ++n;
  return n;
}

// Whether the registry is consistent: rows in enumerator order, unique
// names, scalar rows typed (arity = declared params), helper rows with the
// symbol `aud_h_<name>` and only helper rows with a symbol.
constexpr bool RegistryConsistent() {
  for (size_t i = 0; i < kBuiltins.size(); ++i) {
    const BuiltinInfo& b = kBuiltins[i];
    if (static_cast<size_t>(b.id) != i || b.name.empty()) return false;
    for (size_t j = 0; j < i; ++j)
      if (kBuiltins[j].name == b.name) return false;
    const bool scalar = b.form == BuiltinForm::Scalar;
    if (scalar != (b.impl != Impl::Slot)) return false;
    if (scalar) {
      if (b.result == Val::None || b.result == Val::Special || b.result == Val::Any) return false;
      if (b.min_args != b.max_args || b.min_args != ParamCount(b)) return false;
      if (b.missing == OnMissing::Special) return false;
      for (Val v : b.params)
        if (v == Val::Special) return false;
    }
    constexpr std::string_view kPrefix = "aud_h_";
    const bool named = b.helper.size() == kPrefix.size() + b.name.size() &&
                       b.helper.substr(0, kPrefix.size()) == kPrefix &&
                       b.helper.substr(kPrefix.size()) == b.name;
    if ((b.impl == Impl::Helper) != !b.helper.empty()) return false;
    if (b.impl == Impl::Helper && !named) return false;
  }
  return true;
}
static_assert(RegistryConsistent(),
              "stdlib/builtins.def: a row is inconsistent (see RegistryConsistent: order, "
              "unique name, scalar signature, helper symbol `aud_h_<name>` on Helper rows only)");

}  // namespace aud::stdlib
