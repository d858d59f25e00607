// The mass-exit guard (plan.h MassExits, docs/plan.md): a plan that would
// remove most of a publication's recorded members is far more often a
// misspelled source glob, an empty data folder or a broken definition than
// an intended change, so planning and applying it needs an explicit yes.

#include <cstdio>
#include <set>

#include "runtime/plan/plan.h"

namespace aud::plan {

namespace {

// The destination's `max_exit_fraction` (`declared` true), or the default.
double MaxExitFraction(const check::Project& project, const std::string& destination,
                       bool* declared) {
  *declared = false;
  const auto* decl = project.module.Get<ast::DestinationDecl>(destination);
  if (decl)
    for (const auto& it : decl->items)
      if (it.kind == ast::DestItem::MaxExitFraction) {
        *declared = true;
        return it.max_exit_fraction;
      }
  return kDefaultMaxExitFraction;
}

std::string Percent(double f) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f%%", f * 100);
  return buf;
}

}  // namespace

std::vector<std::string> MassExits(const Plan& plan, const check::Project& project,
                                   state::State& state) {
  std::vector<std::string> out;
  for (const auto& p : plan.publications) {
    if (p.action == Action::NoOp || p.action == Action::Delete || p.exit.empty()) continue;
    std::set<std::string> current;
    for (const auto& [key, m] : state.Members(p.audience, p.destination))
      if (m.status != state::MemberStatus::Exited) current.insert(key);
    if (current.empty()) continue;
    // A replace exits every member and enters the desired ones again: only
    // those that do not come back are lost.
    std::set<std::string> back;
    if (p.action == Action::Replace)
      for (const auto& r : p.enter) back.insert(r.key);
    uint64_t lost = 0;
    for (const auto& key : p.exit)
      if (current.count(key) && !back.count(key)) ++lost;
    const uint64_t recorded = current.size();
    bool declared = false;
    const double limit = MaxExitFraction(project, p.destination, &declared);
    if (lost < kMassExitMinimum ||
        static_cast<double>(lost) <= limit * static_cast<double>(recorded))
      continue;
    out.push_back("publication `" + p.audience + "` -> `" + p.destination + "` would remove " +
                  std::to_string(lost) + " of its " + std::to_string(recorded) +
                  " recorded members (" + Percent(static_cast<double>(lost) / recorded) +
                  "), over its limit of " + Percent(limit) +
                  (declared ? " (its `max_exit_fraction " + ir::FormatFloat(limit) + "`)"
                            : " (the default; no `max_exit_fraction`)"));
  }
  return out;
}

}  // namespace aud::plan
