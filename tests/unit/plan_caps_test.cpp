// The caps and policies phase of MakePlan (runtime/plan/phases.h):
// `max_profiles` and the mass-exit guard, on hand-made publications.

#include <gtest/gtest.h>

#include "runtime/plan/phases.h"

namespace aud::plan {
namespace {

PublicationPlan Pub(Action action, int exits, int enters = 0) {
  PublicationPlan p;
  p.audience = "vip";
  p.destination = "crm";
  p.action = action;
  for (int i = 0; i < exits; ++i) p.exit.push_back("k" + std::to_string(i));
  for (int i = 0; i < enters; ++i) {
    connectors::Row r;
    r.key = "k" + std::to_string(i);
    p.enter.push_back(r);
  }
  return p;
}

std::set<std::string> Current(int n) {
  std::set<std::string> out;
  for (int i = 0; i < n; ++i) out.insert("k" + std::to_string(i));
  return out;
}

TEST(PlanCaps, MaxProfiles) {
  EXPECT_EQ(MaxProfilesError({"vip", "crm"}, 0, 1000000), "") << "0 is no cap";
  EXPECT_EQ(MaxProfilesError({"vip", "crm"}, 100000, 100000), "") << "the cap itself is allowed";
  EXPECT_EQ(MaxProfilesError({"vip", "crm"}, 100000, 100001),
            "audience `vip` would publish 100001 profiles to destination `crm`, over its "
            "max_profiles 100000");
}

TEST(PlanPolicies, MassExitNeedsMostMembersAndAtLeastTheMinimum) {
  const double limit = kDefaultMaxExitFraction;  // 0.5
  // 150 of 200 recorded members leave: over half, and over the minimum.
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 150), Current(200), limit, false),
            "publication `vip` -> `crm` would remove 150 of its 200 recorded members (75%), over "
            "its limit of 50% (the default; no `max_exit_fraction`)");
  // Exactly the fraction is allowed; so is anything under the minimum count.
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 100), Current(200), limit, false), "");
  EXPECT_EQ(MassExitOf(Pub(Action::Update, static_cast<int>(kMassExitMinimum) - 1),
                       Current(static_cast<int>(kMassExitMinimum)), limit, false),
            "");
  // Exactly the minimum count, all of them: a mass exit.
  EXPECT_NE(MassExitOf(Pub(Action::Update, static_cast<int>(kMassExitMinimum)),
                       Current(static_cast<int>(kMassExitMinimum)), limit, false),
            "");
  // A declared fraction is named.
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 150), Current(1000), 0.1, true),
            "publication `vip` -> `crm` would remove 150 of its 1000 recorded members (15%), over "
            "its limit of 10% (its `max_exit_fraction 0.1`)");
  // Keys not recorded as current are not lost members.
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 150), Current(10), limit, false), "");
}

TEST(PlanPolicies, DeletesNoOpsAndReplacesThatComeBackAreNotMassExits) {
  EXPECT_EQ(MassExitOf(Pub(Action::Delete, 200), Current(200), 0.5, false), "");
  EXPECT_EQ(MassExitOf(Pub(Action::NoOp, 200), Current(200), 0.5, false), "");
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 200), {}, 0.5, false), "");
  // A replace exits all 200 and enters 190 of them again: 10 lost.
  EXPECT_EQ(MassExitOf(Pub(Action::Replace, 200, 190), Current(200), 0.5, false), "");
  EXPECT_NE(MassExitOf(Pub(Action::Replace, 200, 20), Current(200), 0.5, false), "");
}

TEST(PlanPolicies, APartialPlanIsMeasuredAgainstEveryRecordedMember) {
  // `aud serve`'s partial plans: the 150 exits are all of the keys in scope,
  // but 150 of the 1000 recorded members: not a mass exit.
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 150), Current(150), 0.5, false, 1000), "");
  EXPECT_EQ(MassExitOf(Pub(Action::Update, 600), Current(600), 0.5, false, 1000),
            "publication `vip` -> `crm` would remove 600 of its 1000 recorded members (60%), over "
            "its limit of 50% (the default; no `max_exit_fraction`)");
}

TEST(PlanPolicies, MassExitsAreErrorsUnlessAllowed) {
  std::vector<std::string> warnings, errors;
  ApplyMassExitPolicy({"m1", "m2"}, false, &warnings, &errors);
  EXPECT_TRUE(warnings.empty());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], std::string("m1; ") + kMassExitHint);
  warnings.clear();
  errors.clear();
  ApplyMassExitPolicy({"m1"}, true, &warnings, &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(warnings, std::vector<std::string>{"m1 (allowed by --allow-mass-exit)"});
}

}  // namespace
}  // namespace aud::plan
