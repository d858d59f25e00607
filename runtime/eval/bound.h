#pragma once
// Internal to aud_eval: a program bound to a store, and the per-thread
// evaluation state. Read-only after binding, so threads share it.

#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ir/analysis.h"
#include "runtime/eval/eval.h"

namespace aud::eval {

// No dictionary code: a computed string, or a literal absent from the dictionary.
inline constexpr uint32_t kNoCode = UINT32_MAX;
// No completion time (sequence state).
inline constexpr int64_t kNever = INT64_MIN;

// An IR value; `present` false is missing.
struct Value {
  bool present = false;
  int64_t i = 0;            // Bool (0/1), Int, Timestamp and Duration (ms)
  double f = 0;             // Float
  std::string_view s;       // String: into the dictionary, the program or scratch
  uint32_t code = kNoCode;  // String: its dictionary code when known
};

// A property bound to the columns of its event's store type.
struct BoundProp {
  const store::Column* ints = nullptr;
  const store::Column* floats = nullptr;
  const store::Column* bools = nullptr;
  const store::Column* strings = nullptr;
  std::unordered_map<uint32_t, int64_t> times;  // Timestamp: codes that parse
};

// An imported list, read and normalized.
struct BoundImport {
  std::vector<std::string> entries;  // sorted, distinct
  std::unordered_map<std::string, uint32_t> index;
};

struct Bound {
  const ir::Program& p;
  const store::EventStore& s;
  Options options;
  std::string error;
  std::vector<int32_t> event_type;  // per program event: store type or -1
  std::vector<BoundProp> props;
  std::deque<store::Column> dense;  // dense copies of the sparse store columns props read
  std::vector<Value> consts;        // per node: Const values
  std::unordered_map<uint32_t, uint32_t> trait_by_name;  // dictionary code -> program trait
  ir::Analysis analysis;  // of the formulas options.only asks for (compiler/ir/passes.h)
  std::vector<BoundImport> imports;

  Bound(const ir::Program& program, const store::EventStore& store) : p(program), s(store) {}
};

// Binds `b` (fills everything but p, s, options); sets b.error on failure.
void Bind(Bound& b);
// Reads an imported list (first column of a CSV with a header row).
bool ReadImport(const std::string& path, const std::string& normalizer, BoundImport* out,
                std::string* error);
// The current trait values of a profile, per program trait.
void ResolveTraits(const Bound& b, const store::Profiles& ps, uint32_t profile,
                   std::vector<Value>& traits);
// The identity values of one identity of a profile (normalized, distinct, sorted).
std::vector<std::string> IdentityValues(const Bound& b, const store::Profiles& ps, uint32_t profile,
                                        uint32_t identity, const std::vector<Value>& traits);

// Fills r.imports for the imports the analysis uses: an entry is matched
// when some thread's `matched[import][entry]` is set (the per-thread flags
// of the interpreter's workers or the JIT's threads).
void CountImports(const Bound& b,
                  const std::vector<const std::vector<std::vector<uint8_t>>*>& matched, Result& r);
// The identity values of one profile per program identity (Evaluator::Identities).
std::vector<std::vector<std::string>> AllIdentityValues(const Bound& b, const store::Profiles& ps,
                                                        uint32_t profile);

}  // namespace aud::eval
