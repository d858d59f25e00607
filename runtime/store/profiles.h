#pragma once
// Profiles at an instant (docs/reference/language.md §5): the identity components of the
// store restricted to links, events and traits with ts <= as_of. A component
// whose links all precede as_of is one profile; others are split.

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/store/store.h"

namespace aud::store {

// A trait's current value on a profile.
struct TraitValue {
  uint32_t name = 0;  // dictionary code
  ValueKind kind = ValueKind::Int;
  int64_t i = 0;
  double f = 0;
  bool b = false;
  uint32_t str = 0;
};

// Every profile at `as_of`, in profile-key order (byte order; a userId key
// before an equal anonymousId key). A profile exists iff it has an event,
// identify or alias at or before `as_of` (docs/runtime.md).
struct Profiles {
  int64_t as_of = 0;
  uint32_t count = 0;
  std::vector<std::string> key;  // smallest userId, else smallest anonymousId
  // Events of each profile (indices into the store's event arrays), time-ordered,
  // ts <= as_of only: CSR.
  std::vector<uint64_t> event_offsets;  // size count + 1
  std::vector<uint32_t> events;
  // Distinct identity values per profile, sorted by bytes: CSR of dictionary codes.
  std::vector<uint32_t> user_id_offsets, user_ids;            // size count + 1
  std::vector<uint32_t> anonymous_id_offsets, anonymous_ids;  // size count + 1
  // Every trait record with ts <= as_of (JSON nulls dropped), sorted by
  // (name, ts, input order): CSR. Latest-wins needs the declared type (a value
  // of the wrong JSON type counts as absent), so the evaluator picks: the last
  // record of a name whose kind fits the declaration.
  std::vector<uint32_t> trait_offsets;  // size count + 1
  std::vector<TraitValue> traits;
};

// Builds the profiles of `store` at `as_of` (milliseconds since the epoch).
Profiles BuildProfiles(const EventStore& store, int64_t as_of);

}  // namespace aud::store
