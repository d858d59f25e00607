// The analyses of analysis.h: uses (what a formula reads, transitively),
// sequence plans, slots per event, reachability, the trait guard and the
// earliest relevant event time. One implementation for every executor.

#include "compiler/ir/analysis.h"

#include <algorithm>

namespace aud::ir {

namespace {

void Visit(const Program& p, uint32_t node, Uses& u, std::vector<uint32_t>& pending) {
  const Node& n = p.nodes[node];
  switch (n.op) {
    case Op::Trait: u.traits[n.index] = true; break;
    case Op::Import: u.imports[n.index] = true; break;
    case Op::Formula:
      if (!u.formulas[n.index]) pending.push_back(n.index);
      break;
    case Op::Slot:
      if (!u.slots[n.index]) {
        u.slots[n.index] = true;
        const Slot& s = p.slots[n.index];
        if (s.where != kNone) Visit(p, static_cast<uint32_t>(s.where), u, pending);
        for (const Step& st : s.steps)
          if (st.where != kNone) Visit(p, static_cast<uint32_t>(st.where), u, pending);
      }
      break;
    default: break;
  }
  for (uint32_t a : n.args) Visit(p, a, u, pending);
}

// Calls `f` on every node reachable from the used formulas and slots (each once).
template <typename F>
void ForEachUsedNode(const Program& p, const Uses& u, F f) {
  std::vector<bool> seen(p.nodes.size(), false);
  std::vector<uint32_t> stack;
  auto push = [&](int64_t n) {
    if (n >= 0 && static_cast<size_t>(n) < p.nodes.size())
      stack.push_back(static_cast<uint32_t>(n));
  };
  for (size_t i = 0; i < p.formulas.size(); ++i)
    if (u.formulas[i]) push(p.formulas[i].root);
  for (size_t i = 0; i < p.slots.size(); ++i) {
    if (!u.slots[i]) continue;
    push(p.slots[i].where);
    push(p.slots[i].value);
    for (const Step& st : p.slots[i].steps) push(st.where);
  }
  while (!stack.empty()) {
    uint32_t n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    f(p.nodes[n]);
    for (uint32_t a : p.nodes[n].args) push(a);
  }
}

// The top-level conjuncts of a condition (`a and (b and c)` -> a, b, c).
void Conjuncts(const Program& p, uint32_t node, std::vector<uint32_t>& out) {
  const Node& n = p.nodes[node];
  if (n.op == Op::And && n.args.size() == 2) {
    Conjuncts(p, n.args[0], out);
    Conjuncts(p, n.args[1], out);
    return;
  }
  out.push_back(node);
}

}  // namespace

Uses UsesOfFormulas(const Program& p, const std::vector<uint32_t>& roots) {
  Uses u;
  u.formulas.assign(p.formulas.size(), false);
  u.slots.assign(p.slots.size(), false);
  u.traits.assign(p.traits.size(), false);
  u.imports.assign(p.imports.size(), false);
  std::vector<uint32_t> pending(roots.begin(), roots.end());
  // A root audience also computes its attributes and identities (an
  // audience read by another one contributes its membership only).
  for (uint32_t f : roots) {
    if (p.formulas[f].kind != FormulaKind::Audience) continue;
    if (const Audience* a = p.FindAudience(p.formulas[f].name)) {
      for (uint32_t attr : a->attributes) pending.push_back(attr);
      for (uint32_t id : a->identities)
        if (p.identities[id].trait != kNone) u.traits[p.identities[id].trait] = true;
    }
  }
  while (!pending.empty()) {
    uint32_t f = pending.back();
    pending.pop_back();
    if (u.formulas[f]) continue;
    u.formulas[f] = true;
    Visit(p, p.formulas[f].root, u, pending);
  }
  for (size_t i = 0; i < p.imports.size(); ++i) {
    if (!u.imports[i]) continue;
    const Identity& id = p.identities[p.imports[i].identity];
    if (id.trait != kNone) u.traits[id.trait] = true;
  }
  return u;
}

Uses UsesOf(const Program& p, const std::string& name) {
  int32_t f = p.FindFormula(name);
  if (f == kNone) return UsesOfFormulas(p, {});
  return UsesOfFormulas(p, {static_cast<uint32_t>(f)});
}

SequencePlan PlanSequence(const Slot& slot) {
  SequencePlan plan;
  for (size_t k = 0; k < slot.steps.size(); ++k) {
    switch (slot.steps[k].kind) {
      case Step::Positive:
        plan.positive.push_back(static_cast<uint32_t>(k));
        plan.not_after.push_back(kNone);
        break;
      case Step::MiddleNot:
        if (!plan.not_after.empty()) plan.not_after.back() = static_cast<int32_t>(k);
        break;
      case Step::LastNot: plan.last_not = static_cast<int32_t>(k); break;
    }
  }
  return plan;
}

void AnalyzeSlots(const Program& p, Analysis& a) {
  a.sequences.assign(p.slots.size(), SequencePlan{});
  a.slots_by_event.assign(p.events.size(), {});
  for (size_t i = 0; i < p.slots.size(); ++i) {
    const Slot& s = p.slots[i];
    if (s.agg == Agg::Sequence) a.sequences[i] = PlanSequence(s);
    if (!a.uses.slots[i]) continue;
    std::vector<uint32_t> events;
    if (s.agg == Agg::Sequence) {
      for (const Step& st : s.steps) events.push_back(st.event);
    } else {
      events.push_back(s.event);
    }
    std::sort(events.begin(), events.end());
    events.erase(std::unique(events.begin(), events.end()), events.end());
    for (uint32_t e : events) a.slots_by_event[e].push_back(static_cast<uint32_t>(i));
  }
}

void AnalyzeReachability(const Program& p, Analysis& a) {
  a.reads_traits = false;
  a.makes_scratch = false;
  ForEachUsedNode(p, a.uses, [&](const Node& n) {
    a.reads_traits = a.reads_traits || Info(n.op).reads == OpReads::Trait;
    a.makes_scratch = a.makes_scratch || Info(n.op).scratch;
  });
  for (size_t i = 0; i < p.imports.size(); ++i)
    a.reads_traits = a.reads_traits || a.uses.imports[i];
}

bool TraitOnly(const Program& p, uint32_t node) {
  const Node& n = p.nodes[node];
  if (!ReadsOnlyTraits(n.op)) return false;
  for (uint32_t arg : n.args)
    if (!TraitOnly(p, arg)) return false;
  return true;
}

namespace {

// The slots the tree at `node` reads directly (not through a formula).
void SlotsRead(const Program& p, uint32_t node, std::vector<uint32_t>& out) {
  const Node& n = p.nodes[node];
  if (n.op == Op::Slot) out.push_back(n.index);
  for (uint32_t arg : n.args) SlotsRead(p, arg, out);
}

void AnalyzeSlotGuards(const Program& p, Analysis& a) {
  a.slot_guards.assign(p.slots.size(), Analysis::SlotGuard{});
  std::vector<bool> read(p.slots.size(), false);
  for (size_t i = 0; i < p.slots.size(); ++i) a.slot_guards[i].always = !a.uses.slots[i];
  std::vector<bool> seen_always(p.slots.size(), false);
  for (size_t f = 0; f < p.formulas.size(); ++f) {
    if (!a.uses.formulas[f]) continue;
    const Formula& fm = p.formulas[f];
    std::vector<uint32_t> slots;
    SlotsRead(p, fm.root, slots);
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    std::vector<uint32_t> mine;
    if (fm.kind != FormulaKind::Attribute) {
      std::vector<uint32_t> all;
      Conjuncts(p, fm.root, all);
      for (uint32_t c : all)
        if (TraitOnly(p, c)) mine.push_back(c);
    }
    for (uint32_t s : slots) {
      if (s >= p.slots.size() || !a.uses.slots[s]) continue;
      read[s] = true;
      if (mine.empty())
        seen_always[s] = true;
      else
        a.slot_guards[s].formulas.push_back(mine);
    }
  }
  for (size_t i = 0; i < p.slots.size(); ++i) {
    Analysis::SlotGuard& g = a.slot_guards[i];
    // A used slot no formula reads directly (e.g. only a consent's) stays needed.
    g.always = g.always || seen_always[i] || !read[i] || g.formulas.empty();
    if (g.always) g.formulas.clear();
  }
}

}  // namespace

void AnalyzeTraitGuard(const Program& p, Analysis& a) {
  AnalyzeSlotGuards(p, a);
  a.trait_guard.clear();
  for (size_t i = 0; i < p.imports.size(); ++i)
    if (a.uses.imports[i]) return;
  std::vector<std::vector<uint32_t>> guard;
  for (size_t f = 0; f < p.formulas.size(); ++f) {
    if (!a.uses.formulas[f]) continue;
    const Formula& fm = p.formulas[f];
    if (fm.kind == FormulaKind::Attribute) return;
    std::vector<uint32_t> all, mine;
    Conjuncts(p, fm.root, all);
    for (uint32_t c : all)
      if (TraitOnly(p, c)) mine.push_back(c);
    if (mine.empty()) return;
    guard.push_back(std::move(mine));
  }
  a.trait_guard = std::move(guard);
}

namespace {

// The earliest relevant time of one slot (a sequence: its first step's window).
TimeBound SlotBound(const Slot& s) {
  TimeBound b;
  const Window* w = &s.window;
  if (s.agg == Agg::Sequence) {
    if (s.steps.empty() || s.steps[0].kind != Step::Positive) return b;
    w = &s.steps[0].window;
  }
  switch (w->kind) {
    case Window::All: break;  // unbounded
    case Window::Within:
      b.max_within = w->within;
      b.has_within = true;
      break;
    case Window::Between:
      b.min_from = w->from;
      b.has_from = true;
      break;
  }
  b.bounded = b.has_within || b.has_from;
  return b;
}

// The bound of a set of slots read together: unbounded when one is.
void Widen(TimeBound& into, const TimeBound& b, bool first) {
  if (first) {
    into = b;
    return;
  }
  if (!into.bounded || !b.bounded) {
    into = TimeBound{};
    return;
  }
  if (b.has_within)
    into.max_within = into.has_within ? std::max(into.max_within, b.max_within) : b.max_within;
  into.has_within = into.has_within || b.has_within;
  if (b.has_from) into.min_from = into.has_from ? std::min(into.min_from, b.min_from) : b.min_from;
  into.has_from = into.has_from || b.has_from;
}

}  // namespace

void AnalyzeEarliestTime(const Program& p, Analysis& a) {
  a.slot_earliest.assign(p.slots.size(), TimeBound{});
  TimeBound b;
  bool first = true;
  for (size_t i = 0; i < p.slots.size(); ++i) {
    if (!a.uses.slots[i]) continue;
    a.slot_earliest[i] = SlotBound(p.slots[i]);
    Widen(b, a.slot_earliest[i], first);
    first = false;
  }
  a.earliest = first ? TimeBound{} : b;
}

void AnalyzeTypeIndex(const Program& p, Analysis& a) {
  // Every slot reads the events of its own types (ir::Slot): none needs the
  // profile's other events, so the index applies whenever a slot is used.
  a.type_index = false;
  for (size_t i = 0; i < p.slots.size(); ++i) a.type_index = a.type_index || a.uses.slots[i];
}

std::vector<TypeWalk> TypeWalks(const Program& p, const Analysis& a,
                                const std::vector<int32_t>& event_type, uint32_t store_types) {
  std::vector<TypeWalk> walks;
  if (!a.type_index) return walks;
  const std::vector<std::vector<uint32_t>> by_type = SlotConsumers(a, event_type, store_types);
  // Union-find over store types: the types one slot reads share a walk.
  std::vector<uint32_t> parent(store_types);
  for (uint32_t t = 0; t < store_types; ++t) parent[t] = t;
  auto find = [&](uint32_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<int64_t> first_type(p.slots.size(), -1);
  for (uint32_t t = 0; t < store_types; ++t) {
    for (uint32_t s : by_type[t]) {
      if (first_type[s] < 0) {
        first_type[s] = t;
        continue;
      }
      uint32_t x = find(static_cast<uint32_t>(first_type[s])), y = find(t);
      if (x != y) parent[std::max(x, y)] = std::min(x, y);  // the root is the smallest type
    }
  }
  std::vector<int64_t> walk_of(store_types, -1);
  for (uint32_t t = 0; t < store_types; ++t) {
    if (by_type[t].empty()) continue;
    const uint32_t r = find(t);
    if (walk_of[r] < 0) {
      walk_of[r] = static_cast<int64_t>(walks.size());
      walks.emplace_back();
    }
    TypeWalk& w = walks[static_cast<size_t>(walk_of[r])];
    w.types.push_back(t);
    w.consumers.push_back(by_type[t]);
  }
  for (TypeWalk& w : walks) {
    std::vector<uint32_t> slots;
    for (const auto& c : w.consumers) slots.insert(slots.end(), c.begin(), c.end());
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    bool first = true;
    w.stop_when_satisfied = true;
    for (uint32_t s : slots) {
      const TimeBound b = s < a.slot_earliest.size() ? a.slot_earliest[s] : TimeBound{};
      Widen(w.earliest, b, first);
      first = false;
      w.stop_when_satisfied = w.stop_when_satisfied && p.slots[s].agg == Agg::Sequence;
    }
  }
  return walks;
}

__int128 EarliestTime(const TimeBound& b, int64_t as_of) {
  __int128 lowest = static_cast<__int128>(INT64_MIN);
  if (!b.bounded) return lowest;
  __int128 lb = 0;
  bool any = false;
  if (b.has_within) {
    lb = static_cast<__int128>(as_of) - b.max_within + 1;
    any = true;
  }
  if (b.has_from) {
    __int128 f = b.min_from;
    lb = any ? std::min(lb, f) : f;
    any = true;
  }
  return any ? lb : lowest;
}

std::vector<std::vector<uint32_t>> SlotConsumers(const Analysis& a,
                                                 const std::vector<int32_t>& event_type,
                                                 uint32_t store_types) {
  std::vector<std::vector<uint32_t>> by_type(store_types);
  for (size_t e = 0; e < a.slots_by_event.size() && e < event_type.size(); ++e) {
    int32_t t = event_type[e];
    if (t < 0 || static_cast<uint32_t>(t) >= store_types) continue;
    for (uint32_t s : a.slots_by_event[e]) by_type[static_cast<size_t>(t)].push_back(s);
  }
  // Slot order per type, each slot once (two program events may share a type).
  for (auto& v : by_type) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
  }
  return by_type;
}

bool RootsOf(const Program& p, const std::vector<std::string>& only, std::vector<uint32_t>* roots,
             std::string* unknown) {
  roots->clear();
  if (only.empty()) {
    for (size_t f = 0; f < p.formulas.size(); ++f) roots->push_back(static_cast<uint32_t>(f));
    return true;
  }
  for (const std::string& n : only) {
    int32_t f = p.FindFormula(n);
    if (f == kNone) {
      if (unknown) *unknown = n;
      return false;
    }
    roots->push_back(static_cast<uint32_t>(f));
  }
  return true;
}

std::string VerifyAnalysis(const Program& p, const Analysis& a) {
  if (a.uses.formulas.size() != p.formulas.size() || a.uses.slots.size() != p.slots.size() ||
      a.uses.traits.size() != p.traits.size() || a.uses.imports.size() != p.imports.size())
    return "the uses do not match the program";
  if (a.sequences.size() != p.slots.size() || a.slots_by_event.size() != p.events.size())
    return "the slot analysis does not match the program";
  if (!a.slot_earliest.empty() && a.slot_earliest.size() != p.slots.size())
    return "the slot time bounds do not match the program";
  for (const auto& conjuncts : a.trait_guard)
    for (uint32_t c : conjuncts)
      if (c >= p.nodes.size() || !TraitOnly(p, c))
        return "the trait guard holds a node that reads more than traits";
  return "";
}

}  // namespace aud::ir
