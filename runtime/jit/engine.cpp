// The engine choice (`--engine jit|interp`). Until the JIT lands this always
// evaluates with the interpreter and says so.
#include "runtime/jit/jit.h"

namespace aud::jit {

std::unique_ptr<eval::Evaluator> MakeEvaluator(const std::string& engine,
                                               const ir::Program& program,
                                               const store::EventStore& store,
                                               const eval::Options& options,
                                               const JitOptions& jit_options,
                                               std::string* notice) {
  if (engine == "jit" && notice)
    *notice = "note: the JIT engine is not built yet; evaluating with the interpreter";
  return std::make_unique<eval::Interpreter>(program, store, options);
}

}  // namespace aud::jit
