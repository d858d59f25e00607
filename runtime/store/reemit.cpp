// ReemitComponents: a store's components back into a builder (reemit.h).

#include "runtime/store/reemit.h"

namespace aud::store {

bool ReemitComponents(const EventStore& store, const std::vector<uint32_t>& components,
                      StoreBuilder* builder, std::string* error) {
  // Event types are mapped on first use.
  std::vector<int32_t> type_map(store.types.size(), -1);
  std::vector<InputValue> values;
  auto id_of = [&](uint32_t node, std::string_view* user, std::string_view* anon) {
    const Node& n = store.nodes[node];
    *user = *anon = {};
    (n.kind == IdKind::UserId ? *user : *anon) = store.dict.Get(n.value);
  };
  for (uint32_t c : components) {
    if (c >= store.num_components) continue;
    for (uint32_t k = store.component_node_offsets[c]; k < store.component_node_offsets[c + 1];
         ++k) {
      const Node& n = store.nodes[store.component_nodes[k]];
      builder->AddNode(n.kind, store.dict.Get(n.value), n.first_ts);
    }
    for (uint32_t k = store.component_link_offsets[c]; k < store.component_link_offsets[c + 1];
         ++k) {
      const Link& l = store.links[k];
      const Node& a = store.nodes[l.a];
      const Node& b = store.nodes[l.b];
      builder->AddLink(l.ts, a.kind, store.dict.Get(a.value), b.kind, store.dict.Get(b.value),
                       l.until);
    }
    for (uint32_t k = store.component_trait_offsets[c]; k < store.component_trait_offsets[c + 1];
         ++k) {
      const TraitRecord& r = store.traits[k];
      InputValue v;
      v.name = store.dict.Get(r.name);
      v.kind = r.kind;
      v.is_null = r.is_null;
      v.i = r.i;
      v.f = r.f;
      v.b = r.b;
      if (r.kind == ValueKind::String && !r.is_null) v.s = store.dict.Get(r.str);
      std::string_view user, anon;
      id_of(r.node, &user, &anon);
      builder->AddIdentify(r.ts, r.order, user, anon, &v, 1);
    }
    for (uint64_t e = store.component_event_offsets[c]; e < store.component_event_offsets[c + 1];
         ++e) {
      const uint16_t t = store.type[e];
      if (type_map[t] < 0) {
        uint16_t index = 0;
        if (!builder->TypeIndex(store.types[t].key, &index)) {
          *error = "too many event types to re-emit `" + store.types[t].key + "`";
          return false;
        }
        type_map[t] = index;
      }
      const EventType& type = store.types[t];
      const uint32_t row = store.row[e];
      values.clear();
      for (const Column& col : type.columns) {
        const int64_t i = col.Index(row);
        if (i < 0) continue;
        InputValue v;
        v.name = store.dict.Get(col.name);
        v.kind = col.kind;
        const auto at = static_cast<size_t>(i);
        switch (col.kind) {
          case ValueKind::Int: v.i = col.ints[at]; break;
          case ValueKind::Float: v.f = col.floats[at]; break;
          case ValueKind::Bool: v.b = col.bools[at] != 0; break;
          case ValueKind::String: v.s = store.dict.Get(col.codes[at]); break;
        }
        values.push_back(v);
      }
      std::string_view user, anon;
      id_of(store.node[e], &user, &anon);
      builder->AddEvent(static_cast<uint16_t>(type_map[t]), store.ts[e], 0, user, anon,
                        values.data(), values.size());
    }
  }
  return true;
}

}  // namespace aud::store
