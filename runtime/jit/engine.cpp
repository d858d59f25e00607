// The engine choice (`--engine jit|interp`): the JIT, or the interpreter when
// asked for or when the JIT cannot be created or compile the program.
#include "runtime/jit/jit.h"

namespace aud::jit {

std::unique_ptr<eval::Evaluator> MakeEvaluator(const std::string& engine,
                                               const ir::Program& program,
                                               const store::EventStore& store,
                                               const eval::Options& options,
                                               const JitOptions& jit_options, std::string* notice) {
  if (engine == "jit") {
    auto jit = std::make_unique<JitEvaluator>(program, store, options, jit_options);
    if (jit->error().empty()) return jit;
    auto interp = std::make_unique<eval::Interpreter>(program, store, options);
    // Binding errors (an unreadable imported list, an unknown name) are the
    // interpreter's too: report them as they are, without a notice.
    if (interp->error().empty() && notice)
      *notice = "note: " + jit->error() + "; evaluating with the interpreter";
    return interp;
  }
  if (engine != "interp" && notice)
    *notice = "note: unknown engine `" + engine + "`; evaluating with the interpreter";
  return std::make_unique<eval::Interpreter>(program, store, options);
}

}  // namespace aud::jit
