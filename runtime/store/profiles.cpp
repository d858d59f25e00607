// Profiles at as_of: whole components when every link is in effect, else a
// union-find over the component's links that are (docs/runtime.md).

#include "runtime/store/profiles.h"

#include <algorithm>
#include <numeric>

namespace aud::store {

namespace {

// A profile before sorting: its key node and ranges of the staging arrays.
struct Staged {
  uint32_t key_node;
  // A whole component (every node present): its key is the component's key
  // at as_of = infinity, the store's component order.
  bool whole;
  uint64_t ev_begin, ev_end;
  uint32_t uid_begin, uid_end, aid_begin, aid_end, tr_begin, tr_end;
};

class Stager {
 public:
  explicit Stager(const EventStore& s) : s_(s), local_(s.nodes.size(), 0) {}

  void Component(uint32_t c, int64_t as_of) {
    const uint32_t nb = s_.component_node_offsets[c], ne = s_.component_node_offsets[c + 1];
    const uint32_t lb = s_.component_link_offsets[c], le = s_.component_link_offsets[c + 1];
    const uint32_t eb = s_.component_event_offsets[c];
    // Events and trait records of a component are time-sorted: cut at as_of.
    const uint32_t ee = static_cast<uint32_t>(
        std::upper_bound(s_.ts.begin() + eb, s_.ts.begin() + s_.component_event_offsets[c + 1],
                         as_of) -
        s_.ts.begin());
    const uint32_t tb = s_.component_trait_offsets[c];
    const uint32_t te = static_cast<uint32_t>(
        std::upper_bound(s_.traits.begin() + tb,
                         s_.traits.begin() + s_.component_trait_offsets[c + 1], as_of,
                         [](int64_t t, const TraitRecord& r) { return t < r.ts; }) -
        s_.traits.begin());
    bool all_links = true;
    for (uint32_t l = lb; l < le && all_links; ++l) {
      all_links = s_.links[l].ts <= as_of && as_of < s_.links[l].until;
    }
    if (all_links && (ne - nb > 1 || s_.nodes[s_.component_nodes[nb]].first_ts <= as_of)) {
      // The common case: the whole component is one profile. (With two or more
      // nodes every node is on a link in effect, so every node is present.)
      Staged p = Begin();
      p.whole = true;
      for (uint32_t k = nb; k < ne; ++k) AddNode(s_.component_nodes[k], &p);
      for (uint32_t e = eb; e < ee; ++e) events_.push_back(e);
      for (uint32_t t = tb; t < te; ++t) AddTrait(s_.traits[t]);
      End(&p);
      return;
    }
    if (all_links) return;  // one node, not yet seen at as_of
    Split(nb, ne, lb, le, eb, ee, tb, te, as_of);
  }

  std::vector<Staged> staged;
  std::vector<uint32_t> events_, uids_, aids_;
  std::vector<TraitValue> traits_;

 private:
  Staged Begin() {
    Staged p{};
    p.key_node = UINT32_MAX;
    p.ev_begin = events_.size();
    p.uid_begin = static_cast<uint32_t>(uids_.size());
    p.aid_begin = static_cast<uint32_t>(aids_.size());
    p.tr_begin = static_cast<uint32_t>(traits_.size());
    return p;
  }

  bool KeyLess(uint32_t x, uint32_t y) const {
    const Node& a = s_.nodes[x];
    const Node& b = s_.nodes[y];
    if (a.kind != b.kind) return a.kind == IdKind::UserId;
    return s_.dict.Get(a.value) < s_.dict.Get(b.value);
  }

  void AddNode(uint32_t n, Staged* p) {
    const Node& node = s_.nodes[n];
    (node.kind == IdKind::UserId ? uids_ : aids_).push_back(node.value);
    if (p->key_node == UINT32_MAX || KeyLess(n, p->key_node)) p->key_node = n;
  }

  void AddTrait(const TraitRecord& r) {
    if (r.is_null) return;
    TraitValue v;
    v.name = r.name;
    v.kind = r.kind;
    v.i = r.i;
    v.f = r.f;
    v.b = r.b;
    v.str = r.str;
    traits_.push_back(v);
  }

  void End(Staged* p) {
    p->ev_end = events_.size();
    p->uid_end = static_cast<uint32_t>(uids_.size());
    p->aid_end = static_cast<uint32_t>(aids_.size());
    p->tr_end = static_cast<uint32_t>(traits_.size());
    auto by_bytes = [&](uint32_t x, uint32_t y) { return s_.dict.Get(x) < s_.dict.Get(y); };
    std::sort(uids_.begin() + p->uid_begin, uids_.end(), by_bytes);
    std::sort(aids_.begin() + p->aid_begin, aids_.end(), by_bytes);
    // Records are in (ts, input order); a stable sort by name keeps that order.
    std::stable_sort(traits_.begin() + p->tr_begin, traits_.end(),
                     [](const TraitValue& x, const TraitValue& y) { return x.name < y.name; });
    staged.push_back(*p);
  }

  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }

  void Split(uint32_t nb, uint32_t ne, uint32_t lb, uint32_t le, uint32_t eb, uint32_t ee,
             uint32_t tb, uint32_t te, int64_t as_of) {
    const uint32_t k = ne - nb;
    parent_.resize(k);
    std::iota(parent_.begin(), parent_.end(), 0u);
    present_.assign(k, 0);
    for (uint32_t i = 0; i < k; ++i) {
      uint32_t n = s_.component_nodes[nb + i];
      local_[n] = i;
      present_[i] = s_.nodes[n].first_ts <= as_of;
    }
    for (uint32_t l = lb; l < le; ++l) {
      const Link& link = s_.links[l];
      if (!(link.ts <= as_of && as_of < link.until)) continue;
      uint32_t a = local_[link.a], b = local_[link.b];
      present_[a] = present_[b] = 1;
      a = Find(a);
      b = Find(b);
      // Union by smaller local index keeps this deterministic and cheap.
      if (a != b) parent_[std::max(a, b)] = std::min(a, b);
    }
    // One sub-profile per root that has a present node, in node order.
    group_.assign(k, UINT32_MAX);
    uint32_t groups = 0;
    for (uint32_t i = 0; i < k; ++i) {
      if (!present_[i]) continue;
      uint32_t r = Find(i);
      if (group_[r] == UINT32_MAX) group_[r] = groups++;
    }
    // Distribute nodes, events and traits by group.
    std::vector<std::vector<uint32_t>> g_nodes(groups), g_events(groups);
    std::vector<std::vector<uint32_t>> g_traits(groups);
    for (uint32_t i = 0; i < k; ++i) {
      if (present_[i]) g_nodes[group_[Find(i)]].push_back(s_.component_nodes[nb + i]);
    }
    for (uint32_t e = eb; e < ee; ++e) g_events[group_[Find(local_[s_.node[e]])]].push_back(e);
    for (uint32_t t = tb; t < te; ++t) {
      g_traits[group_[Find(local_[s_.traits[t].node])]].push_back(t);
    }
    for (uint32_t g = 0; g < groups; ++g) {
      Staged p = Begin();
      for (uint32_t n : g_nodes[g]) AddNode(n, &p);
      events_.insert(events_.end(), g_events[g].begin(), g_events[g].end());
      for (uint32_t t : g_traits[g]) AddTrait(s_.traits[t]);
      End(&p);
    }
  }

  const EventStore& s_;
  std::vector<uint32_t> local_;
  std::vector<uint32_t> parent_, group_;
  std::vector<uint8_t> present_;
};

}  // namespace

Profiles BuildProfiles(const EventStore& store, int64_t as_of) {
  Stager st(store);
  for (uint32_t c = 0; c < store.num_components; ++c) st.Component(c, as_of);

  // Sort by key: bytes, and a userId key before an equal anonymousId key.
  std::vector<uint32_t> order(st.staged.size());
  std::iota(order.begin(), order.end(), 0u);
  auto key_less = [&](uint32_t x, uint32_t y) {
    const Node& a = store.nodes[st.staged[x].key_node];
    const Node& b = store.nodes[st.staged[y].key_node];
    std::string_view sa = store.dict.Get(a.value), sb = store.dict.Get(b.value);
    if (sa != sb) return sa < sb;
    return a.kind == IdKind::UserId && b.kind != IdKind::UserId;
  };
  // The store numbers components by their key (StoreBuilder::Finish), so the
  // whole components are in order already; only the profiles of components
  // split at as_of are sorted, then merged in (keys are distinct).
  const bool in_order = std::is_sorted(order.begin(), order.end(), key_less);
  if (!in_order) {
    std::vector<uint32_t> whole, split;
    for (uint32_t i : order) (st.staged[i].whole ? whole : split).push_back(i);
    // (A cache written before components were ordered this way.)
    if (!std::is_sorted(whole.begin(), whole.end(), key_less))
      std::sort(whole.begin(), whole.end(), key_less);
    std::sort(split.begin(), split.end(), key_less);
    std::merge(whole.begin(), whole.end(), split.begin(), split.end(), order.begin(), key_less);
  }

  Profiles p;
  p.as_of = as_of;
  p.count = static_cast<uint32_t>(order.size());
  p.key.reserve(p.count);
  p.event_offsets.reserve(p.count + 1);
  p.user_id_offsets.reserve(p.count + 1);
  p.anonymous_id_offsets.reserve(p.count + 1);
  p.trait_offsets.reserve(p.count + 1);
  if (in_order) {
    // The staging arrays are the profiles' arrays already: moved, not copied.
    p.event_offsets.push_back(0);
    p.user_id_offsets.push_back(0);
    p.anonymous_id_offsets.push_back(0);
    p.trait_offsets.push_back(0);
    for (const Staged& s : st.staged) {
      p.key.emplace_back(store.dict.Get(store.nodes[s.key_node].value));
      p.event_offsets.push_back(s.ev_end);
      p.user_id_offsets.push_back(s.uid_end);
      p.anonymous_id_offsets.push_back(s.aid_end);
      p.trait_offsets.push_back(s.tr_end);
    }
    p.events = std::move(st.events_);
    p.user_ids = std::move(st.uids_);
    p.anonymous_ids = std::move(st.aids_);
    p.traits = std::move(st.traits_);
    p.type_index = BuildTypeIndex(store, p);
    return p;
  }
  p.events.reserve(st.events_.size());
  p.user_ids.reserve(st.uids_.size());
  p.anonymous_ids.reserve(st.aids_.size());
  p.traits.reserve(st.traits_.size());
  p.event_offsets.push_back(0);
  p.user_id_offsets.push_back(0);
  p.anonymous_id_offsets.push_back(0);
  p.trait_offsets.push_back(0);
  for (uint32_t i : order) {
    const Staged& s = st.staged[i];
    p.key.emplace_back(store.dict.Get(store.nodes[s.key_node].value));
    p.events.insert(p.events.end(), st.events_.begin() + s.ev_begin, st.events_.begin() + s.ev_end);
    p.user_ids.insert(p.user_ids.end(), st.uids_.begin() + s.uid_begin,
                      st.uids_.begin() + s.uid_end);
    p.anonymous_ids.insert(p.anonymous_ids.end(), st.aids_.begin() + s.aid_begin,
                           st.aids_.begin() + s.aid_end);
    p.traits.insert(p.traits.end(), st.traits_.begin() + s.tr_begin, st.traits_.begin() + s.tr_end);
    p.event_offsets.push_back(p.events.size());
    p.user_id_offsets.push_back(static_cast<uint32_t>(p.user_ids.size()));
    p.anonymous_id_offsets.push_back(static_cast<uint32_t>(p.anonymous_ids.size()));
    p.trait_offsets.push_back(static_cast<uint32_t>(p.traits.size()));
  }
  p.type_index = BuildTypeIndex(store, p);
  return p;
}

TypeIndex BuildTypeIndex(const EventStore& store, const Profiles& p) {
  TypeIndex x;
  x.events.assign(p.events.size(), 0);
  x.dir_offsets.reserve(static_cast<size_t>(p.count) + 1);
  x.dir_offsets.push_back(0);
  // Per profile a counting sort by type, touching only the types present:
  // O(events + types present * log) per profile, never O(store types).
  std::vector<uint64_t> slot(store.types.size() + 1, 0);
  std::vector<uint16_t> present;
  for (uint32_t q = 0; q < p.count; ++q) {
    const uint64_t b = p.event_offsets[q], e = p.event_offsets[q + 1];
    present.clear();
    for (uint64_t k = b; k < e; ++k) {
      const uint16_t t = store.type[p.events[k]];
      if (slot[t]++ == 0) present.push_back(t);
    }
    std::sort(present.begin(), present.end());
    uint64_t at = b;
    for (uint16_t t : present) {
      x.dir_type.push_back(t);
      x.dir_begin.push_back(at);
      const uint64_t n = slot[t];
      slot[t] = at;  // now the next position of type t
      at += n;
    }
    for (uint64_t k = b; k < e; ++k) {
      const uint32_t ev = p.events[k];
      x.events[slot[store.type[ev]]++] = ev;
    }
    for (uint16_t t : present) slot[t] = 0;
    x.dir_offsets.push_back(x.dir_type.size());
  }
  x.dir_begin.push_back(p.events.size());
  x.dir_type.shrink_to_fit();  // grown by push_back: keep only what is used
  x.dir_begin.shrink_to_fit();
  return x;
}

bool HasTypeIndex(const Profiles& p) {
  const TypeIndex& x = p.type_index;
  return x.dir_offsets.size() == static_cast<size_t>(p.count) + 1 &&
         x.dir_begin.size() == x.dir_type.size() + 1 && x.events.size() == p.events.size() &&
         x.dir_offsets.back() == x.dir_type.size() && x.dir_begin.back() == p.events.size();
}

size_t TypeIndex::MemoryBytes() const {
  return dir_offsets.capacity() * sizeof(uint64_t) + dir_type.capacity() * sizeof(uint16_t) +
         dir_begin.capacity() * sizeof(uint64_t) + events.capacity() * sizeof(uint32_t);
}

}  // namespace aud::store
