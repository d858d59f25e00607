#pragma once
// The IR side of the builtin registry (stdlib/builtins.def): the ir::Op each
// builtin lowers to, the builtin behind a scalar op, and the IR type of a
// registry type. Read by lowering, the interpreter and codegen.

#include "compiler/ir/ir.h"
#include "stdlib/builtins.h"

namespace aud::ir {

// The op builtin `b` lowers to (Slot for aggregates and sequences).
constexpr Op OpOf(stdlib::Builtin b) {
  switch (b) {
#define AUD_BUILTIN(id, name, form, min, max, op, ...) \
  case stdlib::Builtin::id:                            \
    return Op::op;
#include "stdlib/builtins.def"
#undef AUD_BUILTIN
  }
  return Op::Const;
}

// The scalar builtin that lowers to `op`, or null (not a builtin's op).
constexpr const stdlib::BuiltinInfo* BuiltinOf(Op op) {
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins)
    if (b.form == stdlib::BuiltinForm::Scalar && OpOf(b.id) == op) return &b;
  return nullptr;
}

// The IR type of a registry type (Number is Float: lowering widens ints).
constexpr Type TypeOfVal(stdlib::Val v) {
  switch (v) {
    case stdlib::Val::Bool: return Type::Bool;
    case stdlib::Val::Int: return Type::Int;
    case stdlib::Val::Float:
    case stdlib::Val::Number: return Type::Float;
    case stdlib::Val::String: return Type::String;
    case stdlib::Val::Timestamp: return Type::Timestamp;
    case stdlib::Val::None:
    case stdlib::Val::Special:
    case stdlib::Val::Any: break;
  }
  return Type::Bool;
}

// Whether every scalar builtin has an op of its own (so BuiltinOf is exact).
constexpr bool ScalarOpsDistinct() {
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins)
    if (b.form == stdlib::BuiltinForm::Scalar && BuiltinOf(OpOf(b.id)) != &b) return false;
  return true;
}
static_assert(ScalarOpsDistinct(), "stdlib/builtins.def: two scalar builtins share one ir::Op");

// The ops.def type letter of a registry type after lowering.
constexpr char OpLetter(stdlib::Val v) {
  switch (v) {
    case stdlib::Val::Bool: return 'b';
    case stdlib::Val::Int: return 'i';
    case stdlib::Val::Float:
    case stdlib::Val::Number: return 'f';
    case stdlib::Val::String: return 's';
    case stdlib::Val::Timestamp: return 't';
    case stdlib::Val::Any: return '*';
    case stdlib::Val::None:
    case stdlib::Val::Special: break;
  }
  return '?';
}

// Whether every scalar builtin's signature is its op's row in ops.def: same
// arity, operand letters and result letter.
constexpr bool SignaturesMatchOps() {
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins) {
    if (b.form != stdlib::BuiltinForm::Scalar) continue;
    const OpInfo& op = Info(OpOf(b.id));
    if (op.arity != stdlib::ParamCount(b)) return false;
    for (int k = 0; k < op.arity; ++k)
      if (op.operands[k] != OpLetter(b.params[static_cast<size_t>(k)])) return false;
    if (op.result[0] != OpLetter(b.result) || op.result[1] != '\0') return false;
  }
  return true;
}
static_assert(SignaturesMatchOps(),
              "stdlib/builtins.def and compiler/ir/ops.def disagree on a scalar builtin's "
              "arity, argument types or result type");

}  // namespace aud::ir
