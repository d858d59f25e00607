#pragma once
// The IR verifier: checks a Program against the operation table (ops.def)
// and the structural rules every executor relies on. Run after lowering and
// after every pass (compiler/ir/passes.h) in debug builds, and by the tests.

#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace aud::ir {

// The type of a node of `op` whose arguments have types `args`, by the op's
// ops.def row (arity, operand letters, result rule); false with `why` set
// when the arguments do not fit. Not for leaves (Result `.`): their type is
// their table's.
bool OpResultType(Op op, const std::vector<Type>& args, Type* out, std::string* why);

// "" when `p` is well formed, else the first problem found: indices in
// range, arguments before their node (no cycles), every node's arity,
// operand types and result type as its ops.def row says, properties and
// event times only inside a `where` or a slot's value, formulas reading only
// earlier formulas, conditions of type bool, slots and sequences consistent.
std::string Verify(const Program& p);

// Whether lowering and the passes verify their output (debug builds, or
// AUD_VERIFY_IR set in the environment).
bool VerifyEnabled();

}  // namespace aud::ir
