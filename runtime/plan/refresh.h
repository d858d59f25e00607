#pragma once
// The refresh step of the planner (docs/plan.md "Refresh and drift"): read
// back a publication's destination and add the rows that repair its drift.
// Internal to runtime/plan.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "compiler/check/check.h"
#include "runtime/connectors/readback.h"
#include "runtime/plan/plan.h"
#include "runtime/state/state.h"

namespace aud::plan {

// The `[connections.NAME]` of a publication (null: the built-in store).
const config::Connection* ConnectionOf(const check::Project& project,
                                       const std::string& connection);

// Reads back `audience`'s rows at `destination`, reached through `connection`.
connectors::ReadBack ReadDestination(const check::Project& project, const std::string& project_dir,
                                     const std::string& environment, const std::string& connection,
                                     const std::string& audience,
                                     const std::vector<std::string>& field_names,
                                     const std::string& destination = "");

// True when keys differ between the destination and the current members.
bool KeysDrift(const connectors::ReadBack& rb, const std::map<std::string, state::Member>& current);

// Compares the destination with state and the desired rows, fills
// `pp->drift` and adds the repair rows `pp` does not already carry: an enter
// for a desired key missing there, an update for one whose content differs,
// an exit for a key there that is neither current nor desired. `desired`
// holds the rows not moved into `pp` (the diff moves the ones it sends).
void AddDriftRepairs(const connectors::ReadBack& rb, const config::Connection* connection,
                     const std::map<std::string, state::Member>& current,
                     const std::map<std::string, connectors::Row>& desired, PublicationPlan* pp);

// --refresh-only: keeps only the rows of drift keys and of `in_flight` (keys
// of an interrupted apply's batches, which the destination may or may not hold).
void KeepDriftOnly(const std::set<std::string>& in_flight, PublicationPlan* pp);

}  // namespace aud::plan
