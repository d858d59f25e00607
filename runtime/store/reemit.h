#pragma once
// Re-emission of identity components (docs/serve.md "Streaming audiences"):
// feeds the components of a built store back into a StoreBuilder, so a small
// store of a few components plus new input lines can be built without
// re-reading the sources. Re-emitting every component of a store and
// finishing the builder gives a store with the same profiles, events,
// links and traits (dictionary codes and type indices may differ).

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/store/builder.h"
#include "runtime/store/store.h"

namespace aud::store {

// Feeds `components` of `store` (ascending) into `builder`, in store order:
// per component its nodes (with their first times), its links as resolved
// (alias resolutions and `until` kept), its trait records as identify calls
// (with their input order) and its events with every property value. Input
// order is kept within a component (ties break as in the store); lines fed
// afterwards must use a larger `order` than every trait record's. `group`
// calls are not re-emitted (not evaluated). False with `error` when the
// builder cannot take an event type.
bool ReemitComponents(const EventStore& store, const std::vector<uint32_t>& components,
                      StoreBuilder* builder, std::string* error);

}  // namespace aud::store
