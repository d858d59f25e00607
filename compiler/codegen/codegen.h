#pragma once
// IR -> LLVM (docs/architecture.md §4): one LLVM module per program whose entry
// point `aud_eval_range` (compiler/codegen/abi.h) evaluates a range of profiles
// with the semantics written on ir::Op, ir::Slot, ir::Step and ir::Window,
// identical to the reference interpreter (runtime/eval) bit for bit.
//
// Codegen needs a few facts about the store (which event types and columns
// exist, the dictionary codes of string literals); they come in a Binding so
// this library does not depend on the runtime. Per-run data (column
// pointers, as_of, output buffers) is read through AudCtx at run time, so the
// module holds no addresses and its compiled object can be cached by IR hash.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"

namespace llvm {
class LLVMContext;
class Module;
}  // namespace llvm

namespace aud::codegen {

// The entry point's symbol name.
inline constexpr const char* kEntryName = "aud_eval_range";

// Which store columns a property has (the JSON kinds its type accepts).
struct PropColumns {
  bool ints = false, floats = false, bools = false, strings = false;
};

// What codegen needs from a store and an evaluation request.
struct Binding {
  std::vector<int32_t> event_type;    // per program event: store type, or -1
  uint32_t store_types = 0;           // EventStore::types.size()
  std::vector<PropColumns> props;     // per program property
  std::vector<uint32_t> const_codes;  // per node: a String Const's code, or UINT32_MAX
  ir::Uses uses;                      // what to evaluate (slots, formulas, imports)
  ir::PassOptions passes;             // passes to skip when `analysis` is null
  // The analysis of `uses` (compiler/ir/analysis.h) an executor already
  // made, e.g. the interpreter's binding; null: Generate makes it.
  const ir::Analysis* analysis = nullptr;
};

// A binding without a store, for `aud explain NAME --llvm`: every program
// event its own store type, every column a property's type accepts present,
// and string literals given placeholder codes 0, 1, 2, … (a store binds the
// dictionary's codes).
Binding SchemaBinding(const ir::Program& program, const ir::Uses& uses,
                      const ir::PassOptions& passes = {});

// Generates the module for `program` restricted to `binding.uses`. Null with
// `error` set when the program is inconsistent (never for a lowered program).
std::unique_ptr<llvm::Module> Generate(const ir::Program& program, const Binding& binding,
                                       llvm::LLVMContext& context, std::string* error);

// The names of the out-of-line helpers the module may call (abi.h).
std::vector<std::string> HelperNames();

// The textual LLVM IR of a module.
std::string PrintModule(const llvm::Module& module);

}  // namespace aud::codegen
