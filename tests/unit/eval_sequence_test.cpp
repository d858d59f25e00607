// Sequences (docs/reference/language.md §6): hand-picked cases with ties and exact
// boundaries for both `not`-step forms, then random event histories checked
// against an evaluator written straight from the definition (enumeration of
// positions), sharing no code with the interpreter's one-pass machine.

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "compiler/parse/parse.h"
#include "runtime/eval/eval.h"
#include "runtime/store/builder.h"

namespace aud::eval {
namespace {

constexpr int64_t kH = 3600000;
constexpr int64_t kD = 24 * kH;
const int64_t kBase = 1767225600000;  // 2026-01-01T00:00:00Z

const char* kDecls = R"(
event a "A" { v: int }
event b "B" { v: int }
event c "C" { v: int }
)";

struct Ev {
  char type;   // 'a', 'b' or 'c'
  int64_t ts;  // ms
  int64_t v = 0;
};

// Evaluates segment `s` (a sequence) for one profile with `events` (input order).
bool Holds(const std::string& seq, const std::vector<Ev>& events, int64_t as_of) {
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = std::string(kDecls) + "segment s = " + seq + "\n";
  auto project = check::Check(tree);
  EXPECT_TRUE(project->ok()) << project->diags.Render();
  if (!project->ok()) return false;
  ir::Program prog = ir::Lower(project->module).program;
  store::StoreBuilder sb;
  uint64_t order = 0;
  // A marker event keeps the profile present when `events` is empty.
  uint16_t marker = 0;
  sb.TypeIndex("screen", &marker);
  sb.AddEvent(marker, kBase - 1000 * kD, order++, "u", "", nullptr, 0);
  for (const Ev& e : events) {
    uint16_t t = 0;
    sb.TrackType(std::string(1, static_cast<char>(e.type - 'a' + 'A')), &t);
    store::InputValue v;
    v.name = "v";
    v.kind = store::ValueKind::Int;
    v.i = e.v;
    sb.AddEvent(t, e.ts, order++, "u", "", &v, 1);
  }
  store::EventStore st = sb.Finish();
  store::Profiles ps = store::BuildProfiles(st, as_of);
  EXPECT_EQ(ps.count, 1u);
  Result r = Evaluate(prog, st, ps);
  EXPECT_EQ(r.error, "");
  return r.members[prog.FindFormula("s")].Test(0);
}

TEST(EvalSequence, MiddleNot) {
  const std::string s = "sequence(a, not b, c)";
  const int64_t as_of = kBase + 30 * kD;
  EXPECT_FALSE(Holds(s, {{'a', kBase}, {'b', kBase + kH}, {'c', kBase + 2 * kH}}, as_of));
  EXPECT_TRUE(Holds(s, {{'a', kBase}, {'c', kBase + kH}, {'b', kBase + 2 * kH}}, as_of));
  // A later `a` after the `b` starts a clean run.
  EXPECT_TRUE(Holds(
      s, {{'a', kBase}, {'b', kBase + kH}, {'a', kBase + 2 * kH}, {'c', kBase + 3 * kH}}, as_of));
  // Ties are ordered by input: `b` between `a` and `c` in position.
  EXPECT_FALSE(Holds(s, {{'a', kBase}, {'b', kBase}, {'c', kBase}}, as_of));
  EXPECT_TRUE(Holds(s, {{'b', kBase}, {'a', kBase}, {'c', kBase}}, as_of));
  EXPECT_TRUE(Holds(s, {{'a', kBase}, {'c', kBase}, {'b', kBase}}, as_of));
  // The same type as a step and as the `not` step.
  EXPECT_TRUE(Holds("sequence(a, not a, b)",
                    {{'a', kBase}, {'a', kBase + kH}, {'b', kBase + 2 * kH}}, as_of));
  EXPECT_FALSE(Holds("sequence(a where v == 1, not a, b)",
                     {{'a', kBase, 1}, {'a', kBase + kH, 2}, {'b', kBase + 2 * kH}}, as_of));
  // An event at a step's position is not "between".
  EXPECT_TRUE(
      Holds("sequence(a, not b, b where v == 1)", {{'a', kBase}, {'b', kBase + kH, 1}}, as_of));
}

TEST(EvalSequence, GapBoundaries) {
  const std::string s = "sequence(a, b within 1h, c within 1d)";
  const int64_t as_of = kBase + 30 * kD;
  EXPECT_TRUE(Holds(s, {{'a', kBase}, {'b', kBase + kH}, {'c', kBase + kH + kD}}, as_of));
  EXPECT_FALSE(Holds(s, {{'a', kBase}, {'b', kBase + kH + 1}, {'c', kBase + kH + 2}}, as_of));
  EXPECT_FALSE(Holds(s, {{'a', kBase}, {'b', kBase + kH}, {'c', kBase + kH + kD + 1}}, as_of));
  // The latest `a` before `b` counts.
  EXPECT_TRUE(
      Holds(s, {{'a', kBase}, {'a', kBase + 5 * kH}, {'b', kBase + 6 * kH}, {'c', kBase + 7 * kH}},
            as_of));
  // Ties: gap 0 works, but positions must increase.
  EXPECT_TRUE(Holds(s, {{'a', kBase}, {'b', kBase}, {'c', kBase}}, as_of));
  EXPECT_FALSE(Holds(s, {{'b', kBase}, {'a', kBase}, {'c', kBase}}, as_of));
}

TEST(EvalSequence, FirstStepWindow) {
  const int64_t as_of = kBase + 10 * kD;
  const std::string s = "sequence(a within 7d, b)";
  EXPECT_FALSE(Holds(s, {{'a', as_of - 7 * kD}, {'b', as_of}}, as_of));
  EXPECT_TRUE(Holds(s, {{'a', as_of - 7 * kD + 1}, {'b', as_of}}, as_of));
  // Later steps have no look-back window of their own; events after as_of do not exist.
  EXPECT_FALSE(Holds(s, {{'a', as_of - kD}, {'b', as_of + 1}}, as_of));
  const std::string bt = "sequence(a between @2026-01-02 and @2026-01-03, b)";
  EXPECT_TRUE(Holds(bt, {{'a', kBase + kD}, {'b', kBase + 5 * kD}}, as_of));
  EXPECT_FALSE(Holds(bt, {{'a', kBase + 2 * kD}, {'b', kBase + 5 * kD}}, as_of));
}

TEST(EvalSequence, LastNotBoundaries) {
  const std::string s = "sequence(a within 7d, not b within 1d)";
  const int64_t t = kBase;
  // The window must have fully passed: t + 1d <= as_of.
  EXPECT_TRUE(Holds(s, {{'a', t}}, t + kD));
  EXPECT_FALSE(Holds(s, {{'a', t}}, t + kD - 1));
  // A `b` at exactly t + 1d is inside the window.
  EXPECT_FALSE(Holds(s, {{'a', t}, {'b', t + kD}}, t + 2 * kD));
  EXPECT_TRUE(Holds(s, {{'a', t}, {'b', t + kD + 1}}, t + 2 * kD));
  // Ties at t: a `b` after the `a` in input order is after it.
  EXPECT_FALSE(Holds(s, {{'a', t}, {'b', t}}, t + 2 * kD));
  EXPECT_TRUE(Holds(s, {{'b', t}, {'a', t}}, t + 2 * kD));
  // A second candidate after the first one was cancelled.
  std::vector<Ev> two{{'a', t}, {'b', t + 12 * kH}, {'a', t + 13 * kH}};
  EXPECT_TRUE(Holds(s, two, t + 13 * kH + kD));
  EXPECT_FALSE(Holds(s, two, t + 13 * kH + kD - 1));
  // The earliest candidate's window closes before a later `b`.
  EXPECT_TRUE(Holds(s, {{'a', t}, {'a', t + 20 * kH}, {'b', t + 25 * kH}}, t + 3 * kD));
  // The first step's window: as_of - 7d < t.
  EXPECT_FALSE(Holds(s, {{'a', t}}, t + 7 * kD));
  // Same type for step and `not`.
  // The second `a` is itself a candidate once its own window has passed.
  EXPECT_TRUE(Holds("sequence(a, not a within 1d)", {{'a', t}, {'a', t + kH}}, t + kH + kD));
  EXPECT_FALSE(Holds("sequence(a, not a within 1d)", {{'a', t}, {'a', t + kH}}, t + kH + kD - 1));
  EXPECT_TRUE(Holds("sequence(a, not a within 1d)", {{'a', t}, {'a', t + 2 * kD}}, t + 4 * kD));
  // Combined with a middle `not`.
  EXPECT_TRUE(Holds("sequence(a, not c, b within 1h, not c within 1d)", {{'a', t}, {'b', t + kH}},
                    t + 3 * kD));
  EXPECT_FALSE(Holds("sequence(a, not c, b within 1h, not c within 1d)",
                     {{'a', t}, {'b', t + kH}, {'c', t + 2 * kH}}, t + 3 * kD));
}

// --- the definition, by enumeration of positions ---

struct RefStep {
  bool negated = false;
  char type = 'a';
  int where_v = -1;     // -1: no `where`; else `where v == where_v`
  int64_t within = -1;  // -1: none
};

bool Matches(const RefStep& s, const Ev& e) {
  return e.type == s.type && (s.where_v < 0 || e.v == s.where_v);
}

// Events in event order (ts, then input order) at or before as_of.
bool RefHolds(const std::vector<RefStep>& steps, std::vector<Ev> events, int64_t as_of) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Ev& x, const Ev& y) { return x.ts < y.ts; });
  std::vector<Ev> ev;
  for (const Ev& e : events)
    if (e.ts <= as_of) ev.push_back(e);
  std::vector<size_t> pos_steps;
  for (size_t i = 0; i < steps.size(); ++i)
    if (!steps[i].negated) pos_steps.push_back(i);
  std::vector<int> chosen(pos_steps.size());
  std::function<bool(size_t, int)> rec = [&](size_t k, int from) -> bool {
    if (k == pos_steps.size()) {
      // Middle `not` steps.
      for (size_t j = 1; j < pos_steps.size(); ++j) {
        for (size_t si = pos_steps[j - 1] + 1; si < pos_steps[j]; ++si)
          for (int x = chosen[j - 1] + 1; x < chosen[j]; ++x)
            if (Matches(steps[si], ev[x])) return false;
      }
      // A last `not`.
      if (steps.back().negated) {
        const RefStep& nt = steps.back();
        int64_t tl = ev[chosen.back()].ts;
        if (!(tl + nt.within <= as_of)) return false;
        for (size_t x = chosen.back() + 1; x < ev.size(); ++x)
          if (ev[x].ts <= tl + nt.within && Matches(nt, ev[x])) return false;
      }
      return true;
    }
    const RefStep& st = steps[pos_steps[k]];
    for (int i = from; i < static_cast<int>(ev.size()); ++i) {
      if (!Matches(st, ev[i])) continue;
      if (k == 0 && st.within >= 0 && !(as_of - st.within < ev[i].ts)) continue;
      if (k > 0 && st.within >= 0 && ev[i].ts - ev[chosen[k - 1]].ts > st.within) continue;
      chosen[k] = i;
      if (rec(k + 1, i + 1)) return true;
    }
    return false;
  };
  return rec(0, 0);
}

std::string Source(const std::vector<RefStep>& steps) {
  std::string s = "sequence(";
  for (size_t i = 0; i < steps.size(); ++i) {
    const RefStep& st = steps[i];
    if (i) s += ", ";
    if (st.negated) s += "not ";
    s += st.type;
    if (st.where_v >= 0) s += " where v == " + std::to_string(st.where_v);
    if (st.within >= 0) s += " within " + std::to_string(st.within / kH) + "h";
  }
  return s + ")";
}

TEST(EvalSequence, MatchesTheDefinitionOnRandomHistories) {
  std::mt19937 rng(20260101);
  int checked = 0, held = 0;
  for (int round = 0; round < 1500; ++round) {
    // A valid random sequence: the first step positive, no adjacent `not`s,
    // a last `not` with `within`, a middle `not` without a window.
    std::vector<RefStep> steps;
    size_t n = 2 + rng() % 3;
    for (size_t i = 0; i < n; ++i) {
      RefStep st;
      st.type = static_cast<char>('a' + rng() % 3);
      st.negated = i > 0 && !steps.back().negated && rng() % 3 == 0;
      if (rng() % 4 == 0) st.where_v = static_cast<int>(rng() % 2);
      bool last = i + 1 == n;
      if (st.negated && last)
        st.within = static_cast<int64_t>(1 + rng() % 4) * kH;
      else if (!st.negated && rng() % 2 == 0)
        st.within = static_cast<int64_t>(1 + rng() % 4) * kH;
      steps.push_back(st);
    }
    std::vector<Ev> events;
    size_t m = rng() % 9;
    for (size_t i = 0; i < m; ++i) {
      // Few distinct times, so ties and exact boundaries are common.
      events.push_back({static_cast<char>('a' + rng() % 3),
                        kBase + static_cast<int64_t>(rng() % 7) * kH,
                        static_cast<int64_t>(rng() % 2)});
    }
    int64_t as_of = kBase + static_cast<int64_t>(rng() % 10) * kH;
    bool want = RefHolds(steps, events, as_of);
    // The store sorts by (ts, input order) itself: feed input order.
    bool got = Holds(Source(steps), events, as_of);
    ++checked;
    held += want;
    if (want != got) {
      std::string hist;
      for (const Ev& e : events)
        hist += std::string(1, e.type) + "@" + std::to_string((e.ts - kBase) / kH) +
                "h v=" + std::to_string(e.v) + " ";
      ADD_FAILURE() << Source(steps) << " as_of=" << (as_of - kBase) / kH << "h events: " << hist
                    << " want " << want << " got " << got;
    }
  }
  EXPECT_EQ(checked, 1500);
  // Both outcomes are well represented.
  EXPECT_GT(held, 75);
  EXPECT_LT(held, 1425);
}

}  // namespace
}  // namespace aud::eval
