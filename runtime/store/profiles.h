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

// The per-type event index of a set of profiles (docs/performance.md): each
// profile's events grouped by store type, ascending type, each group in the
// profile's event order. Profile p has the directory entries
// [dir_offsets[p], dir_offsets[p + 1]); entry d is type `dir_type[d]` with
// the events events[dir_begin[d], dir_begin[d + 1]).
struct TypeIndex {
  std::vector<uint64_t> dir_offsets;  // size count + 1
  std::vector<uint16_t> dir_type;     // one per (profile, type present)
  std::vector<uint64_t> dir_begin;    // size dir_type.size() + 1
  std::vector<uint32_t> events;       // per profile a permutation of its events
  // Bytes held.
  size_t MemoryBytes() const;
};

// Every profile at `as_of`, in profile-key order (byte order; a userId key
// before an equal anonymousId key). A profile exists iff it has an event,
// identify or alias at or before `as_of` (docs/runtime.md).
struct Profiles {
  int64_t as_of = 0;
  uint32_t count = 0;
  std::vector<std::string> key;  // smallest userId, else smallest anonymousId
  // Events of each profile (indices into the store's event arrays), time-ordered,
  // ts <= as_of only: CSR. Within a profile the indices increase (the store
  // orders a component's events by time, then input order), so merging
  // per-type lists by index restores this order exactly.
  std::vector<uint64_t> event_offsets;  // size count + 1
  std::vector<uint32_t> events;
  // The per-type event index of these events (BuildTypeIndex).
  TypeIndex type_index;
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

// Builds the profiles of `store` at `as_of` (milliseconds since the epoch),
// with their per-type event index.
Profiles BuildProfiles(const EventStore& store, int64_t as_of);

// The per-type event index of `p`'s events (one pass, deterministic).
TypeIndex BuildTypeIndex(const EventStore& store, const Profiles& p);

// Whether `p.type_index` fits `p`'s events (profiles made by BuildProfiles do).
bool HasTypeIndex(const Profiles& p);

}  // namespace aud::store
