// Phase 7 of MakePlan (phases.h): `expect` clauses, assertions on the data
// checked before anything is sent (docs/plan.md, "Expectations").

#include <cmath>
#include <cstdio>

#include "runtime/plan/phases.h"

namespace aud::plan {

namespace {

std::string Members(uint64_t n) { return std::to_string(n) + (n == 1 ? " member" : " members"); }

std::string Percent(double fraction) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

}  // namespace

std::vector<const ast::Expectation*> ExpectationsOf(const ast::AudienceDecl* a) {
  std::vector<const ast::Expectation*> out;
  if (a)
    for (const auto& item : a->items)
      if (item.kind == ast::AudienceItem::Expect) out.push_back(&item.expect);
  return out;
}

std::vector<const ast::Expectation*> ExpectationsOf(const ast::DestinationDecl* d) {
  std::vector<const ast::Expectation*> out;
  if (d)
    for (const auto& item : d->items)
      if (item.kind == ast::DestItem::Expect) out.push_back(&item.expect);
  return out;
}

std::string ExpectationError(const ast::Expectation& e, const std::string& owner,
                             const ExpectFacts& f) {
  std::string why;
  switch (e.kind) {
    // The bounds are integer literals: never negative.
    case ast::Expectation::SizeBetween:
      if (f.size < static_cast<uint64_t>(e.low) || f.size > static_cast<uint64_t>(e.high))
        why = "it has " + Members(f.size);
      break;
    case ast::Expectation::SizeAtLeast:
      if (f.size < static_cast<uint64_t>(e.low)) why = "it has " + Members(f.size);
      break;
    case ast::Expectation::SizeAtMost:
      if (f.size > static_cast<uint64_t>(e.high)) why = "it has " + Members(f.size);
      break;
    case ast::Expectation::SizeChange: {
      if (!f.has_previous || f.previous == 0) break;
      const double before = static_cast<double>(f.previous);
      const double change = std::fabs(static_cast<double>(f.size) - before) / before;
      if (change > e.fraction)
        why = Members(f.size) + " now against " + Members(f.previous) +
              " at the last publish, a change of " + Percent(change) + " (at most " +
              Percent(e.fraction) + " allowed)";
      break;
    }
    case ast::Expectation::NotMissing:
      if (f.missing > 0)
        why = std::to_string(f.missing) + " of " + Members(f.size) + " have no `" +
              e.attribute.text + "`";
      break;
    case ast::Expectation::UniqueKey:
      if (f.duplicate_keys > 0)
        why = std::to_string(f.duplicate_keys) +
              (f.duplicate_keys == 1 ? " member shares its `" : " members share their `") + f.key +
              "` key value with another member";
      break;
  }
  if (why.empty()) return "";
  return owner + ": `" + ast::ExpectationText(e) + "` failed: " + why +
         "; nothing is published (fix the data or the definition, or change the expectation)";
}

}  // namespace aud::plan
