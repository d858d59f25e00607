// Phase 7 of the planner alone (runtime/plan/phases.h): the rule and the
// message of every `expect` clause.

#include <gtest/gtest.h>

#include "runtime/plan/phases.h"

namespace aud::plan {
namespace {

ast::Expectation Clause(ast::Expectation::Kind kind, int64_t low = 0, int64_t high = 0,
                        double fraction = 0, const std::string& attribute = "") {
  ast::Expectation e;
  e.kind = kind;
  e.low = low;
  e.high = high;
  e.fraction = fraction;
  e.attribute.text = attribute;
  return e;
}

ExpectFacts Size(uint64_t n) {
  ExpectFacts f;
  f.size = n;
  return f;
}

const char* kTail =
    "; nothing is published (fix the data or the definition, or change the expectation)";

TEST(PlanExpect, SizeBounds) {
  auto between = Clause(ast::Expectation::SizeBetween, 100, 5000);
  EXPECT_EQ(ExpectationError(between, "audience `vip`", Size(100)), "");
  EXPECT_EQ(ExpectationError(between, "audience `vip`", Size(5000)), "");
  EXPECT_EQ(ExpectationError(between, "audience `vip`", Size(99)),
            std::string("audience `vip`: `expect size between 100 and 5000` failed: it has 99 "
                        "members") +
                kTail);
  EXPECT_NE(ExpectationError(between, "a", Size(5001)), "");
  auto at_least = Clause(ast::Expectation::SizeAtLeast, 1);
  EXPECT_EQ(ExpectationError(at_least, "a", Size(1)), "");
  EXPECT_EQ(ExpectationError(at_least, "a", Size(0)),
            std::string("a: `expect size >= 1` failed: it has 0 members") + kTail);
  auto at_most = Clause(ast::Expectation::SizeAtMost, 0, 1);
  EXPECT_EQ(ExpectationError(at_most, "a", Size(1)), "");
  EXPECT_EQ(ExpectationError(at_most, "a", Size(2)),
            std::string("a: `expect size <= 1` failed: it has 2 members") + kTail);
}

TEST(PlanExpect, SizeChangeAgainstTheLastPublish) {
  auto change = Clause(ast::Expectation::SizeChange, 0, 0, 0.2);
  ExpectFacts f = Size(150);
  EXPECT_EQ(ExpectationError(change, "p", f), "");  // no previous publish
  f.has_previous = true;
  f.previous = 0;
  EXPECT_EQ(ExpectationError(change, "p", f), "");  // nothing to compare with
  f.previous = 125;                                 // +20%: allowed
  EXPECT_EQ(ExpectationError(change, "p", f), "");
  f.previous = 200;  // -25%
  EXPECT_EQ(ExpectationError(change, "publication a -> d", f),
            std::string("publication a -> d: `expect size_change <= 0.2` failed: 150 members "
                        "now against 200 members at the last publish, a change of 25.0% (at "
                        "most 20.0% allowed)") +
                kTail);
  f.size = 1;
  f.previous = 1;
  EXPECT_EQ(ExpectationError(Clause(ast::Expectation::SizeChange), "p", f), "");  // 0: no change
}

TEST(PlanExpect, NotMissingAndUniqueKey) {
  auto not_missing = Clause(ast::Expectation::NotMissing, 0, 0, 0, "ltv");
  ExpectFacts f = Size(12);
  EXPECT_EQ(ExpectationError(not_missing, "a", f), "");
  f.missing = 3;
  EXPECT_EQ(ExpectationError(not_missing, "audience `vip`", f),
            std::string("audience `vip`: `expect ltv not missing` failed: 3 of 12 members have "
                        "no `ltv`") +
                kTail);
  auto unique = Clause(ast::Expectation::UniqueKey);
  f.key = "email";
  EXPECT_EQ(ExpectationError(unique, "p", f), "");
  f.duplicate_keys = 1;
  EXPECT_EQ(ExpectationError(unique, "p", f),
            std::string("p: `expect unique key` failed: 1 member shares its `email` key value "
                        "with another member") +
                kTail);
}

}  // namespace
}  // namespace aud::plan
