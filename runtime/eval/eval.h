#pragma once
// The reference interpreter of the IR (docs/architecture.md §4): per profile, one
// pass over its events (in event order) fills every slot, then the formulas
// are computed in dependency order. Simple and obviously correct on purpose:
// the JIT is checked against it bit for bit. Profiles are evaluated in
// parallel contiguous chunks; the results do not depend on the thread count.

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"
#include "runtime/store/profiles.h"
#include "runtime/store/store.h"

namespace aud::eval {

// A set of profiles: one bit per profile index.
struct Bitset {
  std::vector<uint64_t> words;
  void Resize(uint32_t n) { words.assign((n + 63) / 64, 0); }
  bool Test(uint32_t i) const { return (words[i >> 6] >> (i & 63)) & 1; }
  void Set(uint32_t i) { words[i >> 6] |= uint64_t{1} << (i & 63); }
  uint64_t Count() const;
};

// The values of one attribute over all profiles; `valid` is clear where the
// value is missing.
struct Column {
  ir::Type type = ir::Type::Int;
  Bitset valid;
  std::vector<int64_t> ints;         // Int, Timestamp (ms), Bool (0/1)
  std::vector<double> floats;        // Float
  std::vector<std::string> strings;  // String
};

// What an imported list (`import "file.csv" key NS`) matched.
struct ImportStats {
  uint64_t entries = 0;    // distinct non-empty normalized values of the file
  uint64_t matched = 0;    // entries that are an identity of some profile
  uint64_t unmatched = 0;  // entries - matched
};

// Options of an evaluation.
struct Options {
  unsigned threads = 2;
  std::string project_dir = ".";  // imported lists are read relative to it
  // Segments, audiences or consents to evaluate, with everything they read
  // (an audience: with its attributes); empty: every formula.
  std::vector<std::string> only;
  // IR passes to skip (`--disable-pass`); results never depend on them.
  ir::PassOptions passes;
  // When set, profiles evaluated so far are added here as chunks finish
  // (read by another thread for a progress line).
  std::atomic<uint64_t>* profiles_done = nullptr;
};

// The outcome of an evaluation, indexed like ir::Program::formulas.
struct Result {
  std::string error;  // non-empty: nothing was evaluated
  uint32_t profiles = 0;
  std::vector<bool> evaluated;       // per formula: computed in this run
  std::vector<Bitset> members;       // per segment/audience/consent formula
  std::vector<Column> values;        // per attribute formula
  std::vector<ImportStats> imports;  // per ir::Program import (when evaluated)
  bool ok() const { return error.empty(); }
};

struct Bound;

// An executor of a program bound to a store: the interpreter below, or the
// JIT (runtime/jit). Both give identical results for every program and store.
class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // Non-empty when binding or compiling failed.
  virtual const std::string& error() const = 0;
  // Evaluates every profile of `profiles` (built from the same store).
  virtual Result Run(const store::Profiles& profiles) const = 0;
  // The identity values of one profile per ir::Program identity:
  // normalized, without empty values, distinct and sorted by bytes.
  virtual std::vector<std::vector<std::string>> Identities(const store::Profiles& profiles,
                                                           uint32_t profile) const = 0;
};

// A program bound to a store: string literals resolved to dictionary codes
// (a literal absent from the dictionary equals no stored string), properties
// to columns, imported lists read. The program and store must outlive it.
class Interpreter final : public Evaluator {
 public:
  Interpreter(const ir::Program& program, const store::EventStore& store, const Options& options);
  ~Interpreter() override;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Non-empty when binding failed (e.g. an imported list cannot be read).
  const std::string& error() const override;
  // Evaluates every profile of `profiles` (built from the same store).
  Result Run(const store::Profiles& profiles) const override;
  // The identity values of one profile per ir::Program identity:
  // normalized, without empty values, distinct and sorted by bytes.
  std::vector<std::vector<std::string>> Identities(const store::Profiles& profiles,
                                                   uint32_t profile) const override;

 private:
  std::unique_ptr<Bound> b_;
};

// Binds and runs in one call.
Result Evaluate(const ir::Program& program, const store::EventStore& store,
                const store::Profiles& profiles, const Options& options = {});

// An identity normalizer: "email" (trim, then ASCII lower-case), "lower",
// "trim" (ASCII whitespace), "" (none).
std::string Normalize(std::string_view value, std::string_view normalizer);

// A stored string as a timestamp (RFC 3339 date-time, or a date meaning
// 00:00:00Z; offsets converted to UTC; fractions truncated to ms).
bool ParseTimestamp(std::string_view text, int64_t* millis);

// The current value of every declared trait (latest wins, with the declared
// type: docs/reference/language.md §5) for the profiles `which`: one Column per
// ir::Program trait, indexed by position in `which`. For outputs that carry
// traits (the profile store); implemented in trait_values.cpp.
std::vector<Column> TraitValues(const ir::Program& program, const store::EventStore& store,
                                const store::Profiles& profiles,
                                const std::vector<uint32_t>& which);

}  // namespace aud::eval
