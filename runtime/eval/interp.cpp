// The interpreter: per profile, traits, then one pass over the events that
// updates every slot interested in the event's type, then the formulas in
// dependency order. The semantics of each operation are written on ir::Op,
// ir::Slot and ir::Window; this file follows them literally.

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "compiler/ir/builtin_ops.h"
#include "runtime/builtins/builtins.h"
#include "runtime/eval/bound.h"

namespace aud::eval {

namespace {

using ir::Op;
using ir::Type;

// Window and gap arithmetic is exact (no overflow) with 128-bit integers.
using Wide = __int128;

bool Truth(const Value& v) { return v.present && v.i != 0; }

Value Bool(bool b) {
  Value v;
  v.present = true;
  v.i = b ? 1 : 0;
  return v;
}

Value Missing() { return Value{}; }

Value Float(double f) {
  Value v;
  v.present = true;
  v.f = f;
  return v;
}

bool InWindow(const ir::Window& w, int64_t ts, int64_t as_of) {
  if (ts > as_of) return false;
  switch (w.kind) {
    case ir::Window::All: return true;
    case ir::Window::Within: return Wide(as_of) - Wide(w.within) < Wide(ts);
    case ir::Window::Between: return w.from <= ts && ts < w.to;
  }
  return false;
}

bool Equal(const Value& a, const Value& b, Type t) {
  switch (t) {
    case Type::Float: return a.f == b.f;
    case Type::String:
      // Equal codes are equal strings; otherwise compare bytes (a literal
      // absent from the dictionary then equals no stored string).
      if (a.code != kNoCode && b.code != kNoCode) return a.code == b.code;
      return a.s == b.s;
    default: return a.i == b.i;
  }
}

// -1, 0, 1 (operands present, of one orderable type).
int Order(const Value& a, const Value& b, Type t) {
  switch (t) {
    case Type::Float: return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
    case Type::String: {
      int c = a.s.compare(b.s);  // char_traits<char>: byte (unsigned) order
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default: return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  }
}

// Per-slot running state of one profile.
struct SlotState {
  uint64_t count = 0;
  uint64_t isum = 0;  // wrapping int64 sum
  double fsum = 0;
  bool seen = false;
  Value best;
  std::vector<int64_t> done;  // sequence: latest completion per positive step
  int64_t open = kNever;      // sequence: earliest open candidate of a last `not`
  bool satisfied = false;     // sequence: holds
};

// Per-thread evaluation state.
struct Worker {
  const Bound& b;
  const store::Profiles& ps;
  const ir::Uses& uses;
  const std::vector<std::vector<uint32_t>>& consumers;  // store type -> slots
  const std::vector<ir::TypeWalk>& walks;         // the `type-index` pass; empty: every event once
  const store::TypeIndex* index;                  // the profiles' per-type index (with walks)
  std::vector<Wide> walk_start;                   // per walk: its earliest relevant time at as_of
  std::vector<std::vector<uint32_t>> walk_slots;  // per walk: its slots
  int64_t as_of;

  std::vector<Value> traits, slots, formulas, imports;
  std::vector<SlotState> states;
  std::deque<std::string> scratch;            // strings made by builtins (lower, upper)
  uint32_t event = 0;                         // the event in scope (inside `where`)
  std::vector<std::vector<uint8_t>> matched;  // per import: entries matched

  Worker(const Bound& bound, const store::Profiles& profiles, const ir::Uses& u,
         const std::vector<std::vector<uint32_t>>& cons, const std::vector<ir::TypeWalk>& w,
         const store::TypeIndex* ix)
      : b(bound),
        ps(profiles),
        uses(u),
        consumers(cons),
        walks(w),
        index(ix),
        as_of(profiles.as_of) {
    for (const ir::TypeWalk& walk : walks) {
      walk_start.push_back(ir::EarliestTime(walk.earliest, as_of));
      std::vector<uint32_t> ss;
      for (const auto& c : walk.consumers) ss.insert(ss.end(), c.begin(), c.end());
      std::sort(ss.begin(), ss.end());
      ss.erase(std::unique(ss.begin(), ss.end()), ss.end());
      walk_slots.push_back(std::move(ss));
    }
    slots.assign(b.p.slots.size(), Value{});
    formulas.assign(b.p.formulas.size(), Value{});
    imports.assign(b.p.imports.size(), Value{});
    states.assign(b.p.slots.size(), SlotState{});
    matched.resize(b.p.imports.size());
    for (size_t i = 0; i < b.p.imports.size(); ++i)
      matched[i].assign(b.imports[i].entries.size(), 0);
  }

  Value Prop(const ir::Node& n) const {
    const BoundProp& bp = b.props[n.index];
    const uint32_t row = b.s.row[event];
    auto valid = [row](const store::Column* c, size_t size) {
      return c && row < size && (row >> 6) < c->valid.size() && c->Valid(row);
    };
    Value v;
    switch (n.type) {
      case Type::Int:
        if (valid(bp.ints, bp.ints ? bp.ints->ints.size() : 0)) {
          v.present = true;
          v.i = bp.ints->ints[row];
        }
        break;
      case Type::Float:
        if (valid(bp.floats, bp.floats ? bp.floats->floats.size() : 0)) {
          v.present = true;
          v.f = bp.floats->floats[row];
        } else if (valid(bp.ints, bp.ints ? bp.ints->ints.size() : 0)) {
          v.present = true;
          v.f = static_cast<double>(bp.ints->ints[row]);
        }
        break;
      case Type::Bool:
        if (valid(bp.bools, bp.bools ? bp.bools->bools.size() : 0)) {
          v.present = true;
          v.i = bp.bools->bools[row] ? 1 : 0;
        }
        break;
      case Type::String:
        if (valid(bp.strings, bp.strings ? bp.strings->codes.size() : 0)) {
          v.present = true;
          v.code = bp.strings->codes[row];
          v.s = b.s.dict.Get(v.code);
        }
        break;
      case Type::Timestamp:
        if (valid(bp.strings, bp.strings ? bp.strings->codes.size() : 0)) {
          auto it = bp.times.find(bp.strings->codes[row]);
          if (it != bp.times.end()) {
            v.present = true;
            v.i = it->second;
          }
        }
        break;
      case Type::Duration: break;
    }
    return v;
  }

  Value Text(std::string str) {
    scratch.push_back(std::move(str));
    Value v;
    v.present = true;
    v.s = scratch.back();
    return v;
  }

  Value Eval(uint32_t node) {
    const ir::Node& n = b.p.nodes[node];
    switch (n.op) {
      case Op::Const: return b.consts[node];
      case Op::Prop: return Prop(n);
      case Op::EventTime: {
        Value v;
        v.present = true;
        v.i = b.s.ts[event];
        return v;
      }
      case Op::Trait: return traits[n.index];
      case Op::Slot: return slots[n.index];
      case Op::Formula: return formulas[n.index];
      case Op::Import: return imports[n.index];
      case Op::ToFloat: {
        Value a = Eval(n.args[0]);
        if (!a.present) return Missing();
        Value v;
        v.present = true;
        v.f = static_cast<double>(a.i);
        return v;
      }
      case Op::Not: return Bool(!Truth(Eval(n.args[0])));
      case Op::And: return Bool(Truth(Eval(n.args[0])) && Truth(Eval(n.args[1])));
      case Op::Or: return Bool(Truth(Eval(n.args[0])) || Truth(Eval(n.args[1])));
      case Op::Eq:
      case Op::Ne:
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge: {
        Value a = Eval(n.args[0]);
        Value c = Eval(n.args[1]);
        if (!a.present || !c.present) return Bool(false);
        Type t = b.p.nodes[n.args[0]].type;
        switch (n.op) {
          case Op::Eq: return Bool(Equal(a, c, t));
          case Op::Ne: return Bool(!Equal(a, c, t));
          default: break;
        }
        if (t == Type::Float) {
          // IEEE comparisons (false with NaN), not via Order().
          switch (n.op) {
            case Op::Lt: return Bool(a.f < c.f);
            case Op::Le: return Bool(a.f <= c.f);
            case Op::Gt: return Bool(a.f > c.f);
            default: return Bool(a.f >= c.f);
          }
        }
        int o = Order(a, c, t);
        switch (n.op) {
          case Op::Lt: return Bool(o < 0);
          case Op::Le: return Bool(o <= 0);
          case Op::Gt: return Bool(o > 0);
          default: return Bool(o >= 0);
        }
      }
      case Op::In: {
        Value a = Eval(n.args[0]);
        if (!a.present) return Bool(false);
        Type t = b.p.nodes[n.args[0]].type;
        for (size_t k = 1; k < n.args.size(); ++k) {
          Value e = Eval(n.args[k]);
          if (e.present && Equal(a, e, t)) return Bool(true);
        }
        return Bool(false);
      }
      case Op::Neg: {
        Value a = Eval(n.args[0]);
        if (!a.present) return Missing();
        if (n.type == Type::Float) {
          a.f = -a.f;
        } else {
          a.i = static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(a.i));
        }
        return a;
      }
      case Op::Add:
      case Op::Sub:
      case Op::Mul:
      case Op::Div: {
        Value a = Eval(n.args[0]);
        Value c = Eval(n.args[1]);
        if (!a.present || !c.present) return Missing();
        Value v;
        v.present = true;
        if (n.op == Op::Div) {
          if (c.f == 0) return Missing();
          v.f = a.f / c.f;
          return v;
        }
        if (n.type == Type::Float) {
          v.f = n.op == Op::Add ? a.f + c.f : n.op == Op::Sub ? a.f - c.f : a.f * c.f;
        } else {
          // Two's complement wrap-around (signed overflow is undefined in C++).
          uint64_t x = static_cast<uint64_t>(a.i), y = static_cast<uint64_t>(c.i);
          v.i = static_cast<int64_t>(n.op == Op::Add ? x + y : n.op == Op::Sub ? x - y : x * y);
        }
        return v;
      }
      case Op::Exists: return Bool(Eval(n.args[0]).present);
      case Op::Lower:
      case Op::Upper:
      case Op::Trim:
      case Op::Contains:
      case Op::StartsWith:
      case Op::EndsWith:
      case Op::DaysSince:
      case Op::Round: return CallBuiltin(*ir::BuiltinOf(n.op), n);
    }
    return Missing();
  }

  // A scalar builtin with one implementation (stdlib/builtins.def, Impl::Helper):
  // its arguments, the row's missing rule, then runtime/builtins.
  Value CallBuiltin(const stdlib::BuiltinInfo& info, const ir::Node& n) {
    Value a[2];
    for (size_t k = 0; k < n.args.size() && k < 2; ++k) {
      a[k] = Eval(n.args[k]);
      if (!a[k].present) return info.missing == stdlib::OnMissing::False ? Bool(false) : Missing();
    }
    using stdlib::Builtin;
    switch (info.id) {
      case Builtin::Lower: return Mapped(a[0], builtins::Lower(a[0].s));
      case Builtin::Upper: return Mapped(a[0], builtins::Upper(a[0].s));
      case Builtin::Trim: {
        std::string_view t = builtins::Trim(a[0].s);
        if (t.size() == a[0].s.size()) return a[0];  // unchanged: keeps its dictionary code
        Value v;
        v.present = true;
        v.s = t;  // a view into the argument's storage, which outlives this evaluation
        return v;
      }
      case Builtin::Contains: return Bool(builtins::Contains(a[0].s, a[1].s));
      case Builtin::StartsWith: return Bool(builtins::StartsWith(a[0].s, a[1].s));
      case Builtin::EndsWith: return Bool(builtins::EndsWith(a[0].s, a[1].s));
      case Builtin::DaysSince: return Float(builtins::DaysSince(as_of, a[0].i));
      case Builtin::Round: return Float(builtins::Round(a[0].f, a[1].i));
      // Not helper rows: lowered to slots, or written out in Eval.
      case Builtin::Count:
      case Builtin::Did:
      case Builtin::Sum:
      case Builtin::Min:
      case Builtin::Max:
      case Builtin::Avg:
      case Builtin::First:
      case Builtin::Last:
      case Builtin::Sequence:
      case Builtin::Exists: break;
    }
    return Missing();
  }

  // A string builtin's result: the argument itself when unchanged (keeping
  // its dictionary code), else the new string.
  Value Mapped(const Value& in, std::optional<std::string> out) {
    if (!out) return in;
    return Text(std::move(*out));
  }

  // A `where` (kNone: none) on the current event.
  bool Where(int32_t node) {
    if (node == ir::kNone) return true;
    bool r = Truth(Eval(static_cast<uint32_t>(node)));
    scratch.clear();
    return r;
  }

  bool IsType(uint32_t program_event, uint16_t type) const {
    return b.event_type[program_event] == static_cast<int32_t>(type);
  }

  void Aggregate(const ir::Slot& slot, SlotState& st, int64_t ts) {
    if (!InWindow(slot.window, ts, as_of) || !Where(slot.where)) return;
    if (slot.agg == ir::Agg::Count) {
      ++st.count;
      return;
    }
    Value v = Eval(static_cast<uint32_t>(slot.value));
    Type t = b.p.nodes[slot.value].type;
    switch (slot.agg) {
      case ir::Agg::Sum:
        if (!v.present) break;
        if (t == Type::Float)
          st.fsum += v.f;
        else
          st.isum += static_cast<uint64_t>(v.i);
        break;
      case ir::Agg::Avg:
        if (!v.present) break;
        st.fsum += t == Type::Float ? v.f : static_cast<double>(v.i);
        ++st.count;
        break;
      case ir::Agg::Min:
      case ir::Agg::Max:
        if (!v.present) break;
        if (!st.seen ||
            (slot.agg == ir::Agg::Min ? Order(v, st.best, t) < 0 : Order(v, st.best, t) > 0)) {
          st.best = v;
          st.seen = true;
        }
        break;
      case ir::Agg::First:
        if (!st.seen) {
          st.best = v;
          st.seen = true;
        }
        break;
      case ir::Agg::Last:
        st.best = v;
        st.seen = true;
        break;
      default: break;
    }
  }

  bool StepMatches(const ir::Step& step, uint16_t type) {
    return IsType(step.event, type) && Where(step.where);
  }

  // One event of a sequence (docs/reference/language.md §6), in O(steps).
  void Sequence(const ir::Slot& slot, const ir::SequencePlan& plan, SlotState& st, uint16_t type,
                int64_t ts) {
    if (st.satisfied) return;  // the result cannot change
    const size_t m = plan.positive.size();
    if (plan.last_not != ir::kNone) {
      const ir::Step& nt = slot.steps[static_cast<size_t>(plan.last_not)];
      // An event after the open candidate's window closed it: nothing matched the
      // `not` in time, and the window lies before as_of (ts <= as_of).
      if (st.open != kNever && Wide(ts) > Wide(st.open) + Wide(nt.window.within)) {
        st.satisfied = true;
        return;
      }
      // A `not` match after the candidates kills them all: each one's window
      // reaches at least as far as the earliest one's.
      if (st.open != kNever && StepMatches(nt, type)) st.open = kNever;
    }
    bool completed_last = false;
    // Backwards, so an event extends step k from step k-1's state before this event.
    for (size_t k = m; k-- > 0;) {
      if (plan.not_after[k] != ir::kNone &&
          StepMatches(slot.steps[static_cast<size_t>(plan.not_after[k])], type))
        st.done[k] = kNever;  // completions before this event may not reach step k+1
      const ir::Step& step = slot.steps[plan.positive[k]];
      if (!IsType(step.event, type)) continue;
      bool ok;
      if (k == 0) {
        ok = InWindow(step.window, ts, as_of);
      } else {
        ok = st.done[k - 1] != kNever &&
             (step.window.kind != ir::Window::Within ||
              Wide(ts) - Wide(st.done[k - 1]) <= Wide(step.window.within));
      }
      if (ok && Where(step.where)) {
        st.done[k] = ts;
        if (k + 1 == m) completed_last = true;
      }
    }
    if (!completed_last) return;
    if (plan.last_not == ir::kNone) {
      st.satisfied = true;
    } else if (st.open == kNever) {
      st.open = ts;
    }
  }

  Value Finish(const ir::Slot& slot, const SlotState& st, const ir::SequencePlan& plan) const {
    Value v;
    switch (slot.agg) {
      case ir::Agg::Count:
        v.present = true;
        v.i = static_cast<int64_t>(st.count);
        return v;
      case ir::Agg::Sum:
        v.present = true;
        if (slot.type == Type::Float)
          v.f = st.fsum;
        else
          v.i = static_cast<int64_t>(st.isum);
        return v;
      case ir::Agg::Avg:
        if (st.count == 0) return Missing();
        v.present = true;
        v.f = st.fsum / static_cast<double>(st.count);
        return v;
      case ir::Agg::Min:
      case ir::Agg::Max:
      case ir::Agg::First:
      case ir::Agg::Last: return st.seen ? st.best : Missing();
      case ir::Agg::Sequence: {
        bool holds = st.satisfied;
        if (!holds && plan.last_not != ir::kNone && st.open != kNever) {
          const ir::Step& nt = slot.steps[static_cast<size_t>(plan.last_not)];
          holds = Wide(st.open) + Wide(nt.window.within) <= Wide(as_of);
        }
        return Bool(holds);
      }
    }
    return Missing();
  }

  // Whether the trait guard (ir::Analysis::trait_guard) rules the profile
  // out: for every used formula some trait-only conjunct is false.
  bool Guarded() {
    const auto& guard = b.analysis.trait_guard;
    if (guard.empty()) return false;
    bool skip = true;
    for (const auto& conjuncts : guard) {
      bool all_true = true;
      for (uint32_t c : conjuncts) all_true = all_true && Truth(Eval(c));
      skip = skip && !all_true;
    }
    scratch.clear();
    return skip;
  }

  // The event `event` (of store type `type`) for the slots that read it.
  void Visit(uint16_t type, const std::vector<uint32_t>& slots) {
    const int64_t ts = b.s.ts[event];
    for (uint32_t si : slots) {
      const ir::Slot& slot = b.p.slots[si];
      if (slot.agg == ir::Agg::Sequence) {
        Sequence(slot, b.analysis.sequences[si], states[si], type, ts);
      } else {
        Aggregate(slot, states[si], ts);
      }
    }
  }

  // The walks of the `type-index` pass (ir::TypeWalks) over profile p's
  // per-type index: each walk visits only its types' events from its own
  // earliest time, merged by event index (= the profile's event order) when
  // it has several types.
  void Walks(uint32_t p) {
    const store::TypeIndex& ix = *index;
    const uint64_t d0 = ix.dir_offsets[p], d1 = ix.dir_offsets[p + 1];
    struct Cursor {
      uint64_t k, end;
    };
    Cursor cur[8];
    std::vector<Cursor> many;
    for (size_t w = 0; w < walks.size(); ++w) {
      const ir::TypeWalk& walk = walks[w];
      const size_t n = walk.types.size();
      Cursor* c = cur;
      if (n > 8) {
        many.resize(n);
        c = many.data();
      }
      for (size_t j = 0; j < n; ++j) {
        const uint16_t t = static_cast<uint16_t>(walk.types[j]);
        const uint16_t* at = std::lower_bound(ix.dir_type.data() + d0, ix.dir_type.data() + d1, t);
        c[j] = {0, 0};
        if (at == ix.dir_type.data() + d1 || *at != t) continue;
        const uint64_t d = static_cast<uint64_t>(at - ix.dir_type.data());
        uint64_t lo = ix.dir_begin[d], hi = ix.dir_begin[d + 1];
        c[j].end = hi;
        if (walk.earliest.bounded) {
          // Each type's events are time-ordered: start at the walk's earliest time.
          while (lo < hi) {
            uint64_t mid = lo + (hi - lo) / 2;
            if (Wide(b.s.ts[ix.events[mid]]) < walk_start[w])
              lo = mid + 1;
            else
              hi = mid;
          }
        }
        c[j].k = lo;
      }
      auto all_hold = [&] {
        for (uint32_t si : walk_slots[w])
          if (!states[si].satisfied) return false;
        return true;
      };
      for (;;) {
        if (walk.stop_when_satisfied && all_hold()) break;
        // The cursor at the smallest event index: the profile's next event of these types.
        size_t best = n;
        for (size_t j = 0; j < n; ++j)
          if (c[j].k < c[j].end && (best == n || ix.events[c[j].k] < ix.events[c[best].k]))
            best = j;
        if (best == n) break;
        event = ix.events[c[best].k++];
        Visit(static_cast<uint16_t>(walk.types[best]), walk.consumers[best]);
      }
    }
  }

  // The first event of profile p at or after the earliest relevant time
  // (ir::Analysis::earliest); events are time-ordered per profile.
  uint64_t FirstEvent(uint32_t p) const {
    uint64_t lo = ps.event_offsets[p], hi = ps.event_offsets[p + 1];
    if (!b.analysis.earliest.bounded) return lo;
    const Wide lb = ir::EarliestTime(b.analysis.earliest, as_of);
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo) / 2;
      if (Wide(b.s.ts[ps.events[mid]]) < lb)
        lo = mid + 1;
      else
        hi = mid;
    }
    return lo;
  }

  void Profile(uint32_t p, Result& out) {
    if (b.analysis.reads_traits) ResolveTraits(b, ps, p, traits);
    if (Guarded()) return;  // a member of nothing: its events need not be read
    const ir::Program& prog = b.p;
    for (size_t i = 0; i < prog.slots.size(); ++i) {
      if (!uses.slots[i]) continue;
      SlotState& st = states[i];
      st.count = 0;
      st.isum = 0;
      st.fsum = 0;
      st.seen = false;
      st.best = Value{};
      st.open = kNever;
      st.satisfied = false;
      if (prog.slots[i].agg == ir::Agg::Sequence)
        st.done.assign(b.analysis.sequences[i].positive.size(), kNever);  // keeps its capacity
    }
    if (!walks.empty()) {
      Walks(p);
    } else {
      for (uint64_t k = FirstEvent(p); k < ps.event_offsets[p + 1]; ++k) {
        event = ps.events[k];
        const uint16_t type = b.s.type[event];
        if (type < consumers.size()) Visit(type, consumers[type]);
      }
    }
    for (size_t i = 0; i < prog.slots.size(); ++i)
      if (uses.slots[i]) slots[i] = Finish(prog.slots[i], states[i], b.analysis.sequences[i]);
    for (size_t i = 0; i < prog.imports.size(); ++i) {
      if (!uses.imports[i]) continue;
      bool member = false;
      for (const std::string& v : IdentityValues(b, ps, p, prog.imports[i].identity, traits)) {
        auto it = b.imports[i].index.find(v);
        if (it == b.imports[i].index.end()) continue;
        member = true;
        matched[i][it->second] = 1;
      }
      imports[i] = Bool(member);
    }
    for (size_t f = 0; f < prog.formulas.size(); ++f) {
      if (!uses.formulas[f]) continue;
      const ir::Formula& fm = prog.formulas[f];
      Value v = Eval(fm.root);
      if (fm.kind != ir::FormulaKind::Attribute) {
        v = Bool(Truth(v));  // a condition: missing is false
        formulas[f] = v;
        if (v.i) out.members[f].Set(p);
        continue;
      }
      Column& col = out.values[f];
      if (v.present) {
        col.valid.Set(p);
        switch (fm.type) {
          case Type::Float: col.floats[p] = v.f; break;
          case Type::String: col.strings[p] = std::string(v.s); break;
          default: col.ints[p] = v.i; break;
        }
        // A later formula may read this one's value.
        if (fm.type == Type::String) v.s = col.strings[p];
      }
      formulas[f] = v;
    }
    scratch.clear();
  }
};

}  // namespace

uint64_t Bitset::Count() const {
  uint64_t n = 0;
  for (uint64_t w : words) n += static_cast<uint64_t>(__builtin_popcountll(w));
  return n;
}

Interpreter::Interpreter(const ir::Program& program, const store::EventStore& store,
                         const Options& options)
    : b_(std::make_unique<Bound>(program, store)) {
  b_->options = options;
  Bind(*b_);
}

Interpreter::~Interpreter() = default;

const std::string& Interpreter::error() const { return b_->error; }

Result Interpreter::Run(const store::Profiles& ps) const {
  const Bound& b = *b_;
  const ir::Program& p = b.p;
  Result r;
  if (!b.error.empty()) {
    r.error = b.error;
    return r;
  }
  const ir::Uses& uses = b.analysis.uses;
  // Which slots see events of each store type.
  const std::vector<std::vector<uint32_t>> consumers =
      ir::SlotConsumers(b.analysis, b.event_type, static_cast<uint32_t>(b.s.types.size()));
  // The walks of the `type-index` pass, over the profiles' per-type index
  // (built here when the profiles lack one).
  const std::vector<ir::TypeWalk> walks =
      ir::TypeWalks(p, b.analysis, b.event_type, static_cast<uint32_t>(b.s.types.size()));
  store::TypeIndex own_index;
  const store::TypeIndex* index = &ps.type_index;
  if (!walks.empty() && !store::HasTypeIndex(ps)) {
    own_index = store::BuildTypeIndex(b.s, ps);
    index = &own_index;
  }

  const uint32_t n = ps.count;
  r.profiles = n;
  r.evaluated = uses.formulas;
  r.members.resize(p.formulas.size());
  r.values.resize(p.formulas.size());
  for (size_t f = 0; f < p.formulas.size(); ++f) {
    if (!uses.formulas[f]) continue;
    const ir::Formula& fm = p.formulas[f];
    if (fm.kind != ir::FormulaKind::Attribute) {
      r.members[f].Resize(n);
      continue;
    }
    Column& c = r.values[f];
    c.type = fm.type;
    c.valid.Resize(n);
    switch (fm.type) {
      case Type::Float: c.floats.assign(n, 0); break;
      case Type::String: c.strings.assign(n, std::string()); break;
      default: c.ints.assign(n, 0); break;
    }
  }

  // Contiguous chunks of 64 profiles (one bitset word each), so threads
  // never write the same word; results do not depend on the thread count.
  unsigned threads = std::max(1u, b.options.threads);
  const uint32_t chunk = 64 * 16;
  std::atomic<uint32_t> next{0};
  std::vector<std::unique_ptr<Worker>> workers;
  for (unsigned t = 0; t < threads; ++t)
    workers.push_back(std::make_unique<Worker>(b, ps, uses, consumers, walks, index));
  auto work = [&](Worker& w) {
    for (;;) {
      uint32_t begin = next.fetch_add(chunk);
      if (begin >= n) break;
      uint32_t end = std::min(n, begin + chunk);
      for (uint32_t q = begin; q < end; ++q) w.Profile(q, r);
      if (b.options.profiles_done) b.options.profiles_done->fetch_add(end - begin);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, std::ref(*workers[t]));
  work(*workers[0]);
  for (auto& th : pool) th.join();

  std::vector<const std::vector<std::vector<uint8_t>>*> matched;
  for (const auto& w : workers) matched.push_back(&w->matched);
  CountImports(b, matched, r);
  return r;
}

std::vector<std::vector<std::string>> Interpreter::Identities(const store::Profiles& ps,
                                                              uint32_t profile) const {
  return AllIdentityValues(*b_, ps, profile);
}

Result Evaluate(const ir::Program& program, const store::EventStore& store,
                const store::Profiles& profiles, const Options& options) {
  Interpreter in(program, store, options);
  return in.Run(profiles);
}

}  // namespace aud::eval
