#pragma once
// Analyses of a Program restricted to what one evaluation uses, computed
// once and read by every executor (the interpreter in runtime/eval and the
// JIT's codegen): sequence plans, which slots read each event, whether
// traits are read or scratch strings made (reachability), the trait guard
// and the earliest relevant event time. The optional ones are produced by
// the named passes of compiler/ir/passes.h.

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"

namespace aud::ir {

// The positive steps of a sequence slot and the `not` steps around them.
struct SequencePlan {
  std::vector<uint32_t> positive;  // step indices
  std::vector<int32_t> not_after;  // per positive k: the middle `not` before positive k+1
  int32_t last_not = kNone;        // the last `not` step
};

// The earliest event time any used slot can match, as a function of as_of:
// min(as_of - max_within + 1ms, min_from) over the parts present. Unbounded
// when some used slot reads all of history.
struct TimeBound {
  bool bounded = false;
  bool has_within = false;
  int64_t max_within = 0;  // the longest `within D` (ms): ts > as_of - D
  bool has_from = false;
  int64_t min_from = 0;  // the earliest `between A and B`: ts >= A
};

// The facts one pass added (passes.h), for `aud explain NAME --ir --passes`.
struct PassRun {
  std::string name;
  bool ran = false;
  std::vector<std::string> facts;
};

// Everything the executors read besides the Program.
struct Analysis {
  Uses uses;                                          // what to evaluate
  std::vector<SequencePlan> sequences;                // per slot (Sequence slots only)
  std::vector<std::vector<uint32_t>> slots_by_event;  // per program event: used slots reading it
  // Reachability: a used node reads a trait (or an import is used, whose
  // identities may come from traits); a used node may make a scratch string.
  // Both true when the `reachability` pass is disabled.
  bool reads_traits = true;
  bool makes_scratch = true;
  // Per used formula, its trait-only top-level conjuncts; empty: no guard
  // (the `trait-guard` pass). A profile on which some conjunct of every
  // entry is false is a member of nothing: its events need not be read.
  std::vector<std::vector<uint32_t>> trait_guard;
  // The same per slot (the `trait-guard` pass; empty when disabled): when
  // `always` is false, `formulas` holds, per used formula reading the slot
  // directly (not through another formula), its trait-only top-level
  // conjuncts. A profile on which some conjunct of every list is false
  // needs no value of the slot: each of those formulas is false whatever
  // the slot holds. `always`: some reader has no such conjunct (or is an
  // attribute), or the slot is unused.
  struct SlotGuard {
    bool always = true;
    std::vector<std::vector<uint32_t>> formulas;
  };
  std::vector<SlotGuard> slot_guards;
  TimeBound earliest;  // the `earliest-time` pass; unbounded when disabled
  // Per slot, its own earliest relevant time (the `earliest-time` pass;
  // empty when disabled): bounds each type walk separately.
  std::vector<TimeBound> slot_earliest;
  // The `type-index` pass: executors walk each group of event types through
  // the profiles' per-type index (TypeWalks) instead of every event once.
  bool type_index = false;
  std::vector<PassRun> passes;  // in pass order
  std::string error;            // non-empty: a pass left an invalid program or analysis
};

// The positive and `not` steps of a sequence slot.
SequencePlan PlanSequence(const Slot& slot);
// Sequence plans, and per program event the used slots that read it.
void AnalyzeSlots(const Program& p, Analysis& a);
// Fills reads_traits and makes_scratch from the used nodes.
void AnalyzeReachability(const Program& p, Analysis& a);
// Fills trait_guard (empty when some used formula has no trait-only
// conjunct, or an attribute or an import is used).
void AnalyzeTraitGuard(const Program& p, Analysis& a);
// Fills earliest from the used slots' windows (a sequence: its first step's).
void AnalyzeEarliestTime(const Program& p, Analysis& a);

// Whether the tree at `node` reads only traits and constants (ops.def).
bool TraitOnly(const Program& p, uint32_t node);
// The first event time that can matter at `as_of` (exact, 128-bit), or the
// lowest int64 when unbounded.
__int128 EarliestTime(const TimeBound& bound, int64_t as_of);

// One walk over a profile's events of some store types (the `type-index`
// pass): types joined by a slot that reads several of them (a sequence)
// share a walk, in profile (time) order across them; otherwise a walk reads
// one type's events.
struct TypeWalk {
  std::vector<uint32_t> types;                   // store types, ascending
  std::vector<std::vector<uint32_t>> consumers;  // per entry of `types`: used slots, slot order
  TimeBound earliest;                            // its events start here (unbounded: all)
  bool stop_when_satisfied = false;              // every slot a sequence: stop once all hold
};

// The walks of one evaluation when `a.type_index` holds (else empty: one
// pass over every event, SlotConsumers per type). `event_type` maps program
// events to store types (-1: absent from the store); walks are ordered by
// their first type.
std::vector<TypeWalk> TypeWalks(const Program& p, const Analysis& a,
                                const std::vector<int32_t>& event_type, uint32_t store_types);
// Fills type_index (the `type-index` pass).
void AnalyzeTypeIndex(const Program& p, Analysis& a);

// Per store type (0 .. store_types-1), the used slots reading an event of
// that type, in slot order; `event_type` maps program events to store types
// (-1: absent from the store).
std::vector<std::vector<uint32_t>> SlotConsumers(const Analysis& a,
                                                 const std::vector<int32_t>& event_type,
                                                 uint32_t store_types);

// The formulas `only` names (segments, audiences or consents), or every
// formula when `only` is empty; false with the first unknown name in `unknown`.
bool RootsOf(const Program& p, const std::vector<std::string>& only, std::vector<uint32_t>* roots,
             std::string* unknown);

// "" when the analysis fits the program (sizes, guard nodes trait-only).
std::string VerifyAnalysis(const Program& p, const Analysis& a);

}  // namespace aud::ir
