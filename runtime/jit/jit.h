#pragma once
// The JIT executor of the IR (docs/architecture.md §4): compiler/codegen lowers an
// ir::Program (bound to a store's dictionary) to one LLVM module whose entry
// point evaluates a range of profiles; this stage compiles it with one ORC
// LLJIT per process (host CPU features), caches compiled objects on disk by
// IR hash, and runs it over the profiles in parallel chunks. Results are
// identical to eval::Interpreter's, bit for bit (tests/jit).

#include <memory>
#include <string>

#include "compiler/ir/ir.h"
#include "runtime/eval/eval.h"
#include "runtime/store/store.h"
#include "stdlib/builtins.h"

namespace aud::jit {

// Optimisation tier: Fast runs no IR passes; Full runs the O2 pipeline.
// Auto picks Full when the store holds more than `full_tier_events` events.
enum class Tier : uint8_t { Auto, Fast, Full };

struct JitOptions {
  Tier tier = Tier::Auto;
  uint64_t full_tier_events = 50'000'000;
  // Where compiled objects are cached by IR hash (e.g. `.aud/cache/jit`);
  // empty: no cache.
  std::string cache_dir;
};

// What compiling cost.
struct CompileStats {
  Tier tier = Tier::Fast;  // the tier used (never Auto)
  bool cache_hit = false;  // the object came from cache_dir
  double codegen_ms = 0;   // IR -> LLVM module
  double compile_ms = 0;   // passes + machine code (0 on a cache hit)
  size_t object_bytes = 0;
};

// A program compiled for one store. The program and store must outlive it.
class JitEvaluator final : public eval::Evaluator {
 public:
  JitEvaluator(const ir::Program& program, const store::EventStore& store,
               const eval::Options& options, const JitOptions& jit_options);
  ~JitEvaluator() override;
  JitEvaluator(const JitEvaluator&) = delete;
  JitEvaluator& operator=(const JitEvaluator&) = delete;

  const std::string& error() const override;
  eval::Result Run(const store::Profiles& profiles) const override;
  std::vector<std::vector<std::string>> Identities(const store::Profiles& profiles,
                                                   uint32_t profile) const override;
  const CompileStats& stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `--engine jit|interp`: the evaluator to use. "jit" falls back to the
// interpreter when the JIT cannot be created or compile fails; `notice` then
// says why (one line, for stderr). Never returns null; check error().
std::unique_ptr<eval::Evaluator> MakeEvaluator(const std::string& engine,
                                               const ir::Program& program,
                                               const store::EventStore& store,
                                               const eval::Options& options,
                                               const JitOptions& jit_options, std::string* notice);

// The address of builtin `b`'s helper (stdlib/builtins.def, Impl::Helper
// rows), registered with the JIT as its `helper` symbol; null for other rows.
void* BuiltinHelper(stdlib::Builtin b);

}  // namespace aud::jit
