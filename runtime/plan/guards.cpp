// The mass-exit guard (plan.h MassExits, docs/plan.md): a plan that would
// remove most of a publication's recorded members is far more often a
// misspelled source glob, an empty data folder or a broken definition than
// an intended change, so planning and applying it needs an explicit yes.

#include <set>

#include "runtime/plan/phases.h"

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

}  // namespace

std::vector<std::string> MassExits(const Plan& plan, const check::Project& project,
                                   state::State& state) {
  std::vector<std::string> out;
  for (const auto& p : plan.publications) {
    if (p.action == Action::NoOp || p.action == Action::Delete || p.exit.empty()) continue;
    std::set<std::string> current;
    for (const auto& [key, m] : state.Members(p.audience, p.destination))
      if (m.status != state::MemberStatus::Exited) current.insert(key);
    bool declared = false;
    const double limit = MaxExitFraction(project, p.destination, &declared);
    if (std::string m = MassExitOf(p, current, limit, declared); !m.empty())
      out.push_back(std::move(m));
  }
  return out;
}

std::vector<std::string> PartialMassExits(const Plan& plan, const check::Project& project,
                                          const std::map<PubKey, uint64_t>& recorded) {
  std::vector<std::string> out;
  for (const auto& p : plan.publications) {
    if (p.action == Action::NoOp || p.action == Action::Delete || p.exit.empty()) continue;
    auto r = recorded.find({p.audience, p.destination});
    if (r == recorded.end() || r->second == 0) continue;
    // The exits of a partial plan are recorded members (in scope).
    std::set<std::string> current(p.exit.begin(), p.exit.end());
    bool declared = false;
    const double limit = MaxExitFraction(project, p.destination, &declared);
    if (std::string m = MassExitOf(p, current, limit, declared, r->second); !m.empty())
      out.push_back(std::move(m));
  }
  return out;
}

}  // namespace aud::plan
