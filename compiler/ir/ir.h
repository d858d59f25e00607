#pragma once
// The aud IR (docs/architecture.md §4, docs/runtime.md): the whole checked project
// lowered at once into
//   - slots: every distinct event aggregate (event, `where`, window,
//     function, property) once, deduplicated across segments, audiences,
//     consents and attributes by a structural key (its printed form), and
//     every distinct sequence as a small state machine (docs/reference/language.md §6);
//   - formulas: segments, audiences, consents and attributes as typed
//     expression trees over slots, traits, imported lists and earlier
//     formulas, stored in dependency order.
// Expressions are typed trees in one node arena. Lowering makes every
// implicit conversion explicit (`ToFloat`), so every operator sees operands
// of one type. Two executors run this IR: the reference interpreter
// (runtime/eval) and the JIT; both implement the semantics written on `Op`.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "compiler/check/check.h"

namespace aud::ir {

// The type of an IR value. Any value may be missing (docs/reference/language.md §3).
enum class Type : uint8_t { Bool, Int, Float, String, Timestamp, Duration };
const char* TypeName(Type t);

// Node operations. Semantics (docs/reference/language.md §3–§4), with "missing" written ⊥:
//   conditions: `Not`, `And`, `Or`, and every condition root (a `where`, a
//     segment, audience or consent body) read a missing bool as false and
//     never produce ⊥;
//   comparisons (`Eq`..`Ge`, `In`, `Contains`, `StartsWith`, `EndsWith`) are
//     false when an operand is ⊥; numbers compare as IEEE doubles (Float) or
//     int64 (Int, Timestamp, Duration); strings compare by bytes (equal
//     dictionary codes are equal strings; a literal absent from the
//     dictionary equals no stored string); `In` is true iff some present
//     element equals the present left side;
//   arithmetic (`Neg`, `Add`, `Sub`, `Mul`, `Div`, `DaysSince`, `Lower`,
//     `Upper`, `Trim`, `ToFloat`, `Round`) is ⊥ when an operand is ⊥; Int
//     `+ - *` and `Neg` wrap around modulo 2^64 (two's complement); `Div` is
//     Float and ⊥ when the divisor is 0 (or -0); `DaysSince(t)` is
//     double(as_of - t) / 86400000; `Lower`/`Upper` map ASCII letters only,
//     `Trim` strips ASCII whitespace (space, \t, \n, \v, \f, \r);
//     `Round(x, digits)` rounds the shortest round-trip decimal of x to
//     `digits` places, halves away from zero (runtime/builtins: Round);
//   the builtin ops (stdlib/builtins.def) are computed by the one
//     implementation in runtime/builtins in both executors;
//   `Exists(x)` is true iff x is not ⊥;
//   leaves: `Const` a literal (`b`, `i` for Int, Timestamp and Duration in
//     ms, `f`, `s`); `Prop` Program::props[index] of the event in scope;
//     `EventTime` the `timestamp` of the event in scope (never ⊥); `Trait`,
//     `Slot`, `Formula`, `Import` the value at `index` of Program::traits,
//     slots, formulas (an earlier one) and imports (membership);
//   `In` is args[0] in [args[1], ...]; `ToFloat` is Int -> Float.
// The operations are the rows of compiler/ir/ops.def, in its order.
enum class Op : uint8_t {
#define AUD_OP(Name, Arity, Operands, Result, Print, Text, Reads, Scratch) Name,
#include "compiler/ir/ops.def"
#undef AUD_OP
};

// How the printer shows an operation (ops.def, column Print).
enum class OpPrint : uint8_t { Leaf, Infix, Prefix, Paren, Call, In };
// What a node of an operation reads besides its arguments (ops.def, column Reads).
enum class OpReads : uint8_t { None, Const, Trait, AsOf, Event, Slot, Formula, Import };

// One row of ops.def.
struct OpInfo {
  Op op;
  const char* name;      // the enumerator, e.g. "StartsWith"
  int arity;             // -1: variadic (at least one argument)
  const char* operands;  // per argument position: b i f s t d n N * =
  const char* result;    // b i f s t d, 0 (argument 0's type) or . (a leaf's table)
  OpPrint print;
  const char* text;  // the printed operator or function name
  OpReads reads;
  bool scratch;  // an executor may make a new string for it
};

// The operation table, indexed by Op.
inline constexpr OpInfo kOps[] = {
#define AUD_OP(Name, Arity, Operands, Result, Print, Text, Reads, Scratch) \
  {Op::Name, #Name, Arity, Operands, Result, OpPrint::Print, Text, OpReads::Reads, (Scratch) != 0},
#include "compiler/ir/ops.def"
#undef AUD_OP
};
inline constexpr size_t kOpCount = sizeof kOps / sizeof kOps[0];

// The table row of `op`.
constexpr const OpInfo& Info(Op op) { return kOps[static_cast<size_t>(op)]; }
// Whether a node of `op` may be decided before the event pass given its
// arguments are: it reads nothing, a literal, a trait or the instant.
constexpr bool ReadsOnlyTraits(Op op) {
  OpReads r = Info(op).reads;
  return r == OpReads::None || r == OpReads::Const || r == OpReads::Trait || r == OpReads::AsOf;
}

// One expression node; `args` are indices into Program::nodes.
struct Node {
  Op op = Op::Const;
  Type type = Type::Bool;
  uint32_t index = 0;  // Prop, Trait, Slot, Formula, Import: the table index
  std::vector<uint32_t> args;
  bool b = false;  // Const Bool
  int64_t i = 0;   // Const Int, Timestamp (ms since the epoch), Duration (ms)
  double f = 0;    // Const Float
  std::string s;   // Const String (bound to a dictionary code by an executor)
};

// No node / no predicate.
inline constexpr int32_t kNone = -1;

// A declared event: what store event type it reads.
struct Event {
  std::string name;       // the declaration's name, e.g. order_completed
  std::string store_key;  // the store's type key: `track:Order Completed`, `page`, `screen`
};

// A declared property of an event, read from the store column with this
// name. Accepted JSON kinds: Int <- int; Float <- int or float; String <-
// string; Timestamp <- string that parses as RFC 3339; Bool <- bool;
// anything else is ⊥.
struct Property {
  uint32_t event = 0;  // Program::events
  std::string name;
  Type type = Type::Int;
};

// A declared trait, resolved per profile: the latest record (ts, then input
// order) whose JSON kind fits `type` as for Property; later wrong-type
// records are skipped.
struct Trait {
  std::string name;
  Type type = Type::String;
};

// A declared identity namespace.
struct Identity {
  enum From : uint8_t { UserId, AnonymousId, FromTrait };
  std::string name;
  bool visitor = false;  // `visitor` (else `declared`)
  From from = UserId;
  int32_t trait = kNone;  // FromTrait: Program::traits
  std::string normalize;  // "", "email" (trim + lower), "lower", "trim"
};

// An event window (docs/reference/language.md §4): All: ts <= as_of; Within: as_of - D <
// ts <= as_of; Between: from <= ts < to (and ts <= as_of).
struct Window {
  enum Kind : uint8_t { All, Within, Between };
  Kind kind = All;
  int64_t within = 0;        // ms
  int64_t from = 0, to = 0;  // ms since the epoch
};

// The aggregate function of a slot.
enum class Agg : uint8_t { Count, Sum, Min, Max, Avg, First, Last, Sequence };
const char* AggName(Agg a);

// One step of a sequence slot (docs/reference/language.md §6).
struct Step {
  enum Kind : uint8_t {
    Positive,   // E [where P] [window]: the first step's window looks back
                // from as_of; a later step's Within bounds the gap to the
                // previous positive step (All: no bound)
    MiddleNot,  // not E [where P], between two positive steps
    LastNot,    // not E [where P] within D, the last step
  };
  Kind kind = Positive;
  uint32_t event = 0;     // Program::events
  int32_t where = kNone;  // a Bool node over the event's properties and traits
  Window window;
};

// One aggregate over a profile's events, or one sequence.
//   Count: Int, number of matching events (0 if none).
//   Sum: Int (wrapping) or Float, of the present values in event order; 0 if none.
//   Min/Max: as the value; ⊥ if no present value; the first extreme wins ties.
//   Avg: Float, (sum of present values as doubles, in event order) / n; ⊥ if none.
//   First/Last: the value on the first/last matching event (⊥ if none or if
//     that event lacks it).
//   Sequence: Bool, never ⊥.
// A matching event is of `event`, inside `window` and with `where` true.
struct Slot {
  Agg agg = Agg::Count;
  Type type = Type::Int;    // the result type
  uint32_t event = 0;       // Program::events (not Sequence)
  int32_t where = kNone;    // Bool node (not Sequence)
  Window window;            // (not Sequence)
  int32_t value = kNone;    // Prop or EventTime node (Sum..Last)
  std::vector<Step> steps;  // Sequence
  std::string key;          // structural key: the printed form
};

// What a formula defines.
enum class FormulaKind : uint8_t { Segment, Audience, Consent, Attribute };
const char* FormulaKindName(FormulaKind k);

// A named value per profile. Segment, audience and consent formulas are
// conditions (Bool, never ⊥); an attribute may be ⊥.
struct Formula {
  FormulaKind kind = FormulaKind::Segment;
  std::string name;   // attribute: its name within the audience
  std::string owner;  // attribute: the audience
  Type type = Type::Bool;
  uint32_t root = 0;  // Program::nodes
};

// `import "file.csv" key NS`: the profiles having one of the CSV's first
// column values (header skipped, normalized like NS) as an identity of NS.
struct Import {
  std::string path;       // relative to the project root
  uint32_t identity = 0;  // Program::identities
};

// An audience's output shape.
struct Audience {
  std::string name;
  uint32_t formula = 0;              // its membership formula
  std::vector<uint32_t> identities;  // Program::identities, as listed (all when not given)
  std::vector<uint32_t> attributes;  // Program::formulas, in declaration order
};

// The whole lowered project.
struct Program {
  std::vector<Event> events;         // every declared event, by name
  std::vector<Property> props;       // the properties read, in first-use order
  std::vector<Trait> traits;         // every declared trait, by name
  std::vector<Identity> identities;  // every declared identity, by name
  std::vector<Node> nodes;
  std::vector<Slot> slots;
  std::vector<Formula> formulas;    // dependency order: a formula reads only earlier ones
  std::vector<Audience> audiences;  // by name
  std::vector<Import> imports;

  // The segment, audience or consent formula named `name`, or kNone.
  int32_t FindFormula(const std::string& name) const;
  // The audience named `name`, or null.
  const Audience* FindAudience(const std::string& name) const;
};

// The outcome of lowering: `error` is non-empty only on an internal
// inconsistency (the checker accepted something lowering cannot express).
struct LowerResult {
  Program program;
  std::string error;
};

// Lowers a checked module (one without errors).
LowerResult Lower(const check::Module& module);

// What a formula reads, transitively: the formulas (including itself and,
// for an audience, its attributes), slots, traits and imports, as flags
// over the Program's tables.
struct Uses {
  std::vector<bool> formulas, slots, traits, imports;
};
// The uses of the segment, audience or consent `name` (all false when unknown).
Uses UsesOf(const Program& p, const std::string& name);
// The uses of several formulas at once (indices into Program::formulas).
Uses UsesOfFormulas(const Program& p, const std::vector<uint32_t>& formulas);

// The stable text of a node tree, e.g. `(s0 >= 3)`.
std::string PrintNode(const Program& p, uint32_t node);
// The stable text of a slot's body, e.g. `count(order_completed within 30d)`.
std::string PrintSlot(const Program& p, const Slot& s);
// `aud explain NAME --ir`: the events, traits and slots NAME uses and the
// formulas it depends on, then its own, in dependency order.
std::string PrintFor(const Program& p, const std::string& name);
// The whole program, for debugging and tests.
std::string PrintProgram(const Program& p);

// RFC 3339 UTC text of a time in ms (base::FormatRfc3339): `2026-01-02T03:04:05Z`, with `.120`
// milliseconds only when non-zero.
std::string FormatTime(int64_t millis);
// Shortest round-trip text of a double (std::to_chars), e.g. `310.5`, `3`.
std::string FormatFloat(double v);
// A duration in ms in the largest unit that divides it: `30d`, `90m`, `1500ms`.
std::string FormatDuration(int64_t millis);

}  // namespace aud::ir
