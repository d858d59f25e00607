// The pass list (passes.h): reachability, trait-guard, earliest-time,
// type-index. Each adds facts to the Analysis; the required analyses (uses,
// sequence plans, slots per event) always run first.

#include "compiler/ir/passes.h"

#include <algorithm>

#include "compiler/ir/verify.h"

namespace aud::ir {

namespace {

bool Disabled(const PassOptions& o, const char* name) {
  return std::find(o.disabled.begin(), o.disabled.end(), name) != o.disabled.end();
}

std::string FormulaLabel(const Program& p, size_t f) {
  return std::string(FormulaKindName(p.formulas[f].kind)) + " " + p.formulas[f].name;
}

std::vector<std::string> ReachabilityFacts(const Program& p, const Analysis& a) {
  (void)p;
  return {std::string("reads traits: ") + (a.reads_traits ? "yes" : "no"),
          std::string("makes scratch strings: ") + (a.makes_scratch ? "yes" : "no")};
}

std::vector<std::string> TraitGuardFacts(const Program& p, const Analysis& a) {
  if (a.trait_guard.empty())
    return {
        "no guard (some used formula has no trait-only conjunct, "
        "or an attribute or import is used)"};
  std::vector<std::string> out;
  size_t k = 0;
  for (size_t f = 0; f < p.formulas.size() && k < a.trait_guard.size(); ++f) {
    if (!a.uses.formulas[f]) continue;
    std::string line = FormulaLabel(p, f) + ": needs";
    const auto& conjuncts = a.trait_guard[k++];
    for (size_t i = 0; i < conjuncts.size(); ++i)
      line += (i ? " and " : " ") + PrintNode(p, conjuncts[i]);
    out.push_back(line);
  }
  out.push_back("a profile failing every formula's guard skips its events");
  return out;
}

std::string BoundText(const Window& w) {
  if (w.kind == Window::Within) return "ts > as_of - " + FormatDuration(w.within);
  if (w.kind == Window::Between) return "ts >= @" + FormatTime(w.from);
  return "all of history";
}

std::vector<std::string> EarliestTimeFacts(const Program& p, const Analysis& a) {
  std::vector<std::string> out;
  for (size_t i = 0; i < p.slots.size(); ++i) {
    if (!a.uses.slots[i]) continue;
    const Slot& s = p.slots[i];
    const Window& w = s.agg == Agg::Sequence && !s.steps.empty() ? s.steps[0].window : s.window;
    std::string line = "s";
    line += std::to_string(i);
    line += ": ";
    line += BoundText(w);
    out.push_back(std::move(line));
  }
  const TimeBound& b = a.earliest;
  if (!b.bounded) {
    out.push_back("no bound: every event is read");
    return out;
  }
  std::string start;
  if (b.has_within) {
    start = "as_of - ";
    start += FormatDuration(b.max_within);
    start += " + 1ms";
  }
  if (b.has_from) {
    std::string from = "@";
    from += FormatTime(b.min_from);
    start = start.empty() ? from : "min(" + start + ", " + from + ")";
  }
  out.push_back("events start at " + start);
  return out;
}

std::vector<std::string> TypeIndexFacts(const Program& p, const Analysis& a) {
  // The walks over program events (each its own store type, as in `--llvm`).
  std::vector<int32_t> identity(p.events.size());
  for (size_t e = 0; e < p.events.size(); ++e) identity[e] = static_cast<int32_t>(e);
  std::vector<std::string> out;
  for (const TypeWalk& w : TypeWalks(p, a, identity, static_cast<uint32_t>(p.events.size()))) {
    std::string line = "walk";
    for (size_t k = 0; k < w.types.size(); ++k) {
      line += k ? ", " : " ";
      line += p.events[w.types[k]].name;
    }
    if (w.types.size() > 1) line += " (merged in time order)";
    std::vector<uint32_t> slots;
    for (const auto& c : w.consumers) slots.insert(slots.end(), c.begin(), c.end());
    std::sort(slots.begin(), slots.end());
    slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
    line += ":";
    for (uint32_t s : slots) line += " s" + std::to_string(s);
    if (w.stop_when_satisfied) line += "; stops once every sequence holds";
    out.push_back(std::move(line));
  }
  if (out.empty()) out.push_back("no slot reads events");
  out.push_back("each walk reads only its types' events (the profiles' per-type index)");
  return out;
}

struct Pass {
  PassInfo info;
  void (*run)(const Program&, Analysis&);
  std::vector<std::string> (*facts)(const Program&, const Analysis&);
};

const std::vector<Pass>& PassTable() {
  static const std::vector<Pass> passes = {
      {{"reachability", "whether used nodes read traits or make scratch strings"},
       AnalyzeReachability,
       ReachabilityFacts},
      {{"trait-guard", "skip the events of a profile whose traits rule out every used formula"},
       AnalyzeTraitGuard,
       TraitGuardFacts},
      {{"earliest-time", "start each profile's events at the earliest time a used slot can match"},
       AnalyzeEarliestTime,
       EarliestTimeFacts},
      {{"type-index", "walk each slot's event types through the per-type index, not every event"},
       AnalyzeTypeIndex,
       TypeIndexFacts},
  };
  return passes;
}

}  // namespace

const std::vector<PassInfo>& Passes() {
  static const std::vector<PassInfo> infos = [] {
    std::vector<PassInfo> v;
    for (const Pass& p : PassTable()) v.push_back(p.info);
    return v;
  }();
  return infos;
}

std::string CheckPassOptions(const PassOptions& options) {
  for (const std::string& name : options.disabled) {
    bool known = false;
    for (const PassInfo& p : Passes()) known = known || name == p.name;
    if (known) continue;
    std::string list;
    for (const PassInfo& p : Passes()) {
      list += list.empty() ? "`" : ", `";
      list += p.name;
      list += '`';
    }
    return "unknown pass `" + name + "` in `--disable-pass`; the passes are " + list;
  }
  return "";
}

Analysis Analyze(const Program& p, const Uses& uses, const PassOptions& options) {
  Analysis a;
  a.uses = uses;
  AnalyzeSlots(p, a);
  const bool verify = VerifyEnabled();
  for (const Pass& pass : PassTable()) {
    PassRun run;
    run.name = pass.info.name;
    run.ran = !Disabled(options, pass.info.name);
    if (run.ran) {
      pass.run(p, a);
      if (verify) {
        std::string why = Verify(p);
        if (why.empty()) why = VerifyAnalysis(p, a);
        if (!why.empty() && a.error.empty())
          a.error = "internal error: invalid IR after pass `" + run.name + "`: " + why;
      }
    }
    a.passes.push_back(std::move(run));
  }
  // Facts are rendered after every pass ran, from the final analysis.
  for (size_t i = 0; i < a.passes.size(); ++i)
    if (a.passes[i].ran) {
      auto facts = PassTable()[i].facts(p, a);
      a.passes[i].facts.insert(a.passes[i].facts.end(), facts.begin(), facts.end());
    }
  return a;
}

std::string PrintPasses(const Program& p, const Analysis& a) {
  (void)p;
  std::string out = "; passes, in order\n";
  for (const PassRun& r : a.passes) {
    out += "pass " + r.name + ": " + (r.ran ? "ran" : "disabled") + "\n";
    for (const std::string& f : r.facts) out += "  " + f + "\n";
  }
  return out;
}

}  // namespace aud::ir
