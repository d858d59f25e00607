#pragma once
// The read methods of State (lineage, serial, CurrentLock, Audiences,
// Publications, Members, JournalPending) have no error channel in the
// contract; a failed read (I/O error, damaged file, busy past the timeout)
// returns what it read so far. Callers that must not mistake a failed read for
// an empty state (the planner: "no members" would mean "create them all")
// check this after reading.

#include <string>

#include "runtime/state/state.h"

namespace aud::state {

// The message of the last read that failed since the previous call, then
// clears it; "" when every read since succeeded.
std::string TakeReadError(State* state);

// The same for a PostgreSQL state ("" for any other).
std::string TakePostgresReadError(State* state);

}  // namespace aud::state
