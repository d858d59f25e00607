#pragma once
// Shared by the JIT tests: a project held in memory (a script case or a
// generated pair) checked, lowered and ingested in-process, and a bit-for-bit
// comparison of two evaluators' results.

#include <memory>
#include <string>
#include <vector>

#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"
#include "runtime/eval/eval.h"
#include "runtime/ingest/ingest.h"
#include "runtime/jit/jit.h"
#include "runtime/store/profiles.h"
#include "tests/eval/harness.h"

namespace aud::jittest {

// A checked, lowered and ingested project (its files written to `dir`).
struct Loaded {
  std::string dir;
  std::unique_ptr<check::Project> project;
  ir::Program program;
  ingest::Result ingested;
  ~Loaded();
};

// Loads `files`; false with `error` set when the project does not check or ingest.
bool Load(const evaltest::Files& files, Loaded* out, std::string* error);

// `--as-of` text (RFC 3339 date or date-time, `@` optional) as ms.
bool ParseAsOf(const std::string& text, int64_t* millis);

// "" when `a` and `b` are identical bit for bit (members, attribute columns
// with float bit patterns, valid bits, strings, evaluated flags, imports),
// else the first difference.
std::string CompareResults(const ir::Program& p, const eval::Result& a, const eval::Result& b);

// "" when both evaluators give every profile the same identities.
std::string CompareIdentities(const eval::Evaluator& a, const eval::Evaluator& b,
                              const store::Profiles& ps);

// Runs the interpreter and the JIT (tier `tier`, no cache) on `loaded` at
// `profiles` with `only`, and returns "" or the first difference (also a JIT
// that fails to compile is a difference).
std::string Differential(const Loaded& loaded, const store::Profiles& profiles,
                         const std::vector<std::string>& only, jit::Tier tier,
                         jit::CompileStats* stats = nullptr);

// Runs the interpreter with every IR pass enabled, then the interpreter and
// the JIT (Fast tier) with each pass of compiler/ir/passes.h disabled in
// turn and with all disabled, and returns "" or the first result that
// differs from the first run's (disabling a pass never changes results).
std::string PassesDifferential(const Loaded& loaded, const store::Profiles& profiles,
                               const std::vector<std::string>& only);

// The `type-index` pass against the plain walk, on every formula: the
// interpreter with the pass (over the profiles' index, and over profiles
// without one, so the evaluator builds its own) and the JIT in `tier` with
// it must equal the interpreter and the JIT without it. "" or the first
// difference.
std::string TypeIndexDifferential(const Loaded& loaded, const store::Profiles& profiles,
                                  jit::Tier tier);

}  // namespace aud::jittest
