// The diff, action and desired-members phases of MakePlan
// (runtime/plan/phases.h), each on its own with hand-made inputs: no
// project, evaluation or state database.

#include <gtest/gtest.h>

#include "runtime/plan/phases.h"

namespace aud::plan {
namespace {

connectors::Row R(const std::string& key, const std::string& hash) {
  connectors::Row r;
  r.key = key;
  r.payload_hash = hash;
  return r;
}

state::Member M(const std::string& key, const std::string& hash) {
  state::Member m;
  m.key = key;
  m.payload_hash = hash;
  return m;
}

std::vector<std::string> Keys(const std::vector<connectors::Row>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.key);
  return out;
}

using Desired = std::map<std::string, connectors::Row>;
using Current = std::map<std::string, state::Member>;
using V = std::vector<std::string>;

TEST(PlanDiff, EntersUpdatesAndExits) {
  Current current{{"a", M("a", "h1")}, {"b", M("b", "h2")}, {"c", M("c", "h3")}};
  Desired desired{{"a", R("a", "h1")}, {"b", R("b", "CHANGED")}, {"d", R("d", "h4")}};
  PublicationPlan pp;
  EXPECT_EQ(Diff(current, desired, nullptr, false, &pp), 0u);
  EXPECT_EQ(Keys(pp.enter), V{"d"});
  EXPECT_EQ(pp.enter[0].op, connectors::Row::Enter);
  EXPECT_EQ(Keys(pp.update), V{"b"});
  EXPECT_EQ(pp.update[0].op, connectors::Row::Update);
  EXPECT_EQ(pp.update[0].payload_hash, "CHANGED");
  EXPECT_EQ(pp.exit, V{"c"});
  EXPECT_EQ(pp.action, Action::NoOp) << "Diff leaves the action to ActionOf";
  EXPECT_EQ(ActionOf(true, pp), Action::Update);
  EXPECT_EQ(ActionOf(false, pp), Action::Create);
}

TEST(PlanDiff, NothingChangedIsANoOp) {
  Current current{{"a", M("a", "h1")}};
  Desired desired{{"a", R("a", "h1")}};
  PublicationPlan pp;
  Diff(current, desired, nullptr, false, &pp);
  EXPECT_TRUE(pp.enter.empty() && pp.update.empty() && pp.exit.empty());
  EXPECT_EQ(ActionOf(true, pp), Action::NoOp);
  EXPECT_EQ(ActionOf(false, pp), Action::Create);
}

TEST(PlanDiff, AMovedPublicationEntersEveryDesiredMember) {
  Current current{{"a", M("a", "h1")}, {"gone", M("gone", "h")}};
  Desired desired{{"a", R("a", "h1")}, {"b", R("b", "h2")}};
  PublicationPlan pp;
  pp.moved = true;
  Diff(current, desired, nullptr, false, &pp);
  EXPECT_EQ(Keys(pp.enter), (V{"a", "b"}));
  EXPECT_TRUE(pp.update.empty());
  EXPECT_EQ(pp.exit, V{"gone"});
}

TEST(PlanDiff, ReplaceExitsEveryoneAndEntersEveryone) {
  Current current{{"a", M("a", "h1")}, {"b", M("b", "h2")}};
  Desired desired{{"a", R("a", "h1")}, {"c", R("c", "h3")}};
  PublicationPlan pp;
  EXPECT_EQ(Diff(current, desired, nullptr, true, &pp), 0u);
  EXPECT_EQ(pp.exit, (V{"a", "b"}));
  EXPECT_EQ(Keys(pp.enter), (V{"a", "c"}));
  EXPECT_TRUE(pp.update.empty());
  EXPECT_EQ(pp.action, Action::Replace);
}

TEST(PlanDiff, KeysInFlightAreSentAgainWhenStateCannotVouchForThem) {
  // "a": recorded and unchanged, but its batch may not have landed: entered
  // again. "x": neither recorded nor desired, maybe sent: removed again.
  // "b": changed anyway (an update). "d": new anyway (an enter).
  Current current{{"a", M("a", "h1")}, {"b", M("b", "h2")}};
  Desired desired{{"a", R("a", "h1")}, {"b", R("b", "NEW")}, {"d", R("d", "h4")}};
  std::set<std::string> uncertain{"a", "b", "d", "x"};
  PublicationPlan pp;
  EXPECT_EQ(Diff(current, desired, &uncertain, false, &pp), 2u);
  EXPECT_EQ(Keys(pp.enter), (V{"a", "d"}));
  EXPECT_EQ(Keys(pp.update), V{"b"});
  EXPECT_EQ(pp.exit, V{"x"});
  // Moved: everything enters already; nothing is counted twice.
  PublicationPlan moved;
  moved.moved = true;
  Desired again{{"a", R("a", "h1")}};
  EXPECT_EQ(Diff(current, again, &uncertain, false, &moved), 2u);  // "d" and "x" removed
  EXPECT_EQ(Keys(moved.enter), V{"a"});
  EXPECT_EQ(moved.exit, (V{"b", "d", "x"}));
}

TEST(PlanDesiredMembers, MembersThatHoldEveryConsent) {
  eval::Bitset members, email, ads;
  for (auto* b : {&members, &email, &ads}) b->Resize(70);
  for (uint32_t p : {1u, 3u, 5u, 64u, 69u}) members.Set(p);
  for (uint32_t p : {1u, 3u, 64u, 69u, 2u}) email.Set(p);
  for (uint32_t p : {1u, 64u, 69u, 5u}) ads.Set(p);
  Skipped skipped;
  EXPECT_EQ(ConsentingMembers(members, {&email, &ads}, 70, &skipped),
            (std::vector<uint32_t>{1, 64, 69}));
  EXPECT_EQ(skipped.no_consent, 2u);  // 3 (no ads), 5 (no email); 2 is no member
  Skipped none;
  EXPECT_EQ(ConsentingMembers(members, {}, 70, &none), (std::vector<uint32_t>{1, 3, 5, 64, 69}));
  EXPECT_EQ(none.no_consent, 0u);
}

}  // namespace
}  // namespace aud::plan
