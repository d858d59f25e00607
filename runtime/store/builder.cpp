// StoreBuilder: columns while reading, stitching and layout at the end.

#include "runtime/store/builder.h"

#include <algorithm>
#include <numeric>

#include "runtime/store/huge.h"

namespace aud::store {

namespace {

constexpr uint32_t kNoNode = UINT32_MAX;
constexpr size_t kMaxTypes = 65535;

// Union-find with path halving and union by rank.
class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), rank_(n, 0) {
    std::iota(parent_.begin(), parent_.end(), 0u);
  }
  uint32_t Find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void Union(uint32_t a, uint32_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (rank_[a] < rank_[b]) std::swap(a, b);
    parent_[b] = a;
    if (rank_[a] == rank_[b]) ++rank_[a];
  }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint8_t> rank_;
};

// Counting sort of `n` items by `key(i)` in [0, buckets): offsets (size
// buckets + 1) and the items in bucket order, stable.
template <typename Key>
void BucketSort(size_t n, uint32_t buckets, Key key, std::vector<uint32_t>* offsets,
                std::vector<uint32_t>* items) {
  offsets->assign(static_cast<size_t>(buckets) + 1, 0);
  for (size_t i = 0; i < n; ++i) ++(*offsets)[key(i) + 1];
  for (uint32_t b = 0; b < buckets; ++b) (*offsets)[b + 1] += (*offsets)[b];
  std::vector<uint32_t> next(offsets->begin(), offsets->end() - 1);
  items->resize(n);
  for (size_t i = 0; i < n; ++i) (*items)[next[key(i)]++] = static_cast<uint32_t>(i);
}

template <typename T>
std::vector<T> Gather(const std::vector<T>& v, const std::vector<uint32_t>& perm) {
  std::vector<T> out;
  ReserveHuge(out, perm.size());
  out.resize(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) out[i] = v[perm[i]];
  return out;
}

}  // namespace

StoreBuilder::StoreBuilder() = default;

bool StoreBuilder::TypeIndex(std::string_view key, uint16_t* index) {
  key_buf_.assign(key);
  auto it = type_index_.find(key_buf_);
  if (it != type_index_.end()) {
    *index = it->second;
    return true;
  }
  if (s_.types.size() >= kMaxTypes) return false;
  auto t = static_cast<uint16_t>(s_.types.size());
  s_.types.push_back(EventType{key_buf_, 0, {}});
  slots_.emplace_back();
  hints_.emplace_back();
  names_.emplace_back();
  context_names_.push_back(0);
  type_index_.emplace(key_buf_, t);
  *index = t;
  return true;
}

bool StoreBuilder::TrackType(std::string_view event, uint16_t* index) {
  // Consecutive lines often share an event name.
  if (has_last_track_ && last_track_ == event) {
    *index = last_track_type_;
    return true;
  }
  std::string key;
  key.reserve(6 + event.size());
  key.append("track:").append(event);
  if (!TypeIndex(key, index)) return false;
  last_track_.assign(event);
  last_track_type_ = *index;
  has_last_track_ = true;
  return true;
}

uint32_t StoreBuilder::NodeOf(IdKind kind, uint32_t code) {
  std::vector<uint32_t>& map = kind == IdKind::UserId ? user_node_ : anon_node_;
  if (code >= map.size()) map.resize(std::max<size_t>(code + 1, s_.dict.size()), 0);
  if (map[code] == 0) {
    s_.nodes.push_back(Node{kind, code, INT64_MAX});
    map[code] = static_cast<uint32_t>(s_.nodes.size());
  }
  return map[code] - 1;
}

uint32_t StoreBuilder::Mention(IdKind kind, std::string_view value, int64_t ts) {
  uint32_t n = NodeOf(kind, s_.dict.Intern(value));
  Node& node = s_.nodes[n];
  if (ts < node.first_ts) node.first_ts = ts;
  return n;
}

void StoreBuilder::AddNode(IdKind kind, std::string_view value, int64_t first_ts) {
  Node& node = s_.nodes[NodeOf(kind, s_.dict.Intern(value))];
  if (first_ts < node.first_ts) node.first_ts = first_ts;
}

void StoreBuilder::AddLink(int64_t ts, IdKind a_kind, std::string_view a, IdKind b_kind,
                           std::string_view b, int64_t until) {
  const uint32_t na = NodeOf(a_kind, s_.dict.Intern(a));
  const uint32_t nb = NodeOf(b_kind, s_.dict.Intern(b));
  PushHuge(links_, Link{ts, na, nb, until});
}

uint32_t StoreBuilder::Identify(std::string_view user_id, std::string_view anonymous_id,
                                int64_t ts) {
  uint32_t u = user_id.empty() ? kNoNode : Mention(IdKind::UserId, user_id, ts);
  uint32_t a = anonymous_id.empty() ? kNoNode : Mention(IdKind::AnonymousId, anonymous_id, ts);
  if (u != kNoNode && a != kNoNode) PushHuge(links_, Link{ts, u, a, INT64_MAX});
  return u != kNoNode ? u : a;
}

uint32_t StoreBuilder::ColumnFor(uint16_t type, size_t position, std::string_view name,
                                 ValueKind kind) {
  std::vector<ColumnSlot>& slots = slots_[type];
  std::vector<uint32_t>& hints = hints_[type];
  if (position < hints.size()) {
    const ColumnSlot& s = slots[hints[position]];
    if (s.kind == kind && s.name == name) return s.column;
  } else {
    hints.resize(position + 1, 0);
  }
  const auto k = static_cast<size_t>(kind);
  auto& names = names_[type];
  auto it = names.find(name);
  if (it != names.end() && it->second[k] != UINT32_MAX) {
    const uint32_t slot = it->second[k];
    hints[position] = slot;
    return slots[slot].column;
  }
  EventType& t = s_.types[type];
  Column c;
  c.name = s_.dict.Intern(name);
  c.kind = kind;
  t.columns.push_back(std::move(c));
  auto col = static_cast<uint32_t>(t.columns.size() - 1);
  std::string_view stable = s_.dict.Get(t.columns.back().name);
  const auto slot = static_cast<uint32_t>(slots.size());
  slots.push_back(ColumnSlot{stable, kind, col});
  if (it == names.end()) {
    if (stable.size() > 8 && stable.compare(0, 8, "context.") == 0) ++context_names_[type];
    KindColumns none;
    none.fill(UINT32_MAX);
    it = names.emplace(stable, none).first;
  }
  it->second[k] = slot;
  hints[position] = slot;
  return col;
}

bool StoreBuilder::FitsProperties(uint16_t type, const InputValue* props, size_t num_props) const {
  const auto& names = names_[type];
  const size_t known = names.size() - context_names_[type];
  if (known + num_props <= kMaxPropertyNames) return true;
  size_t fresh = 0;
  for (size_t k = 0; k < num_props; ++k) {
    if (!props[k].is_null && names.find(props[k].name) == names.end()) ++fresh;
  }
  return known + fresh <= kMaxPropertyNames;
}

void StoreBuilder::Reserve(size_t lines) {
  ReserveHuge(ev_ts_, lines);
  ReserveHuge(ev_type_, lines);
  ReserveHuge(ev_row_, lines);
  ReserveHuge(ev_node_, lines);
  s_.dict.Reserve(lines / 4);
}

void StoreBuilder::AddEvent(uint16_t type, int64_t ts, uint64_t order, std::string_view user_id,
                            std::string_view anonymous_id, const InputValue* props,
                            size_t num_props) {
  (void)order;  // events arrive in input order: their index is their order
  EventType& t = s_.types[type];
  uint32_t row = t.rows++;
  ev_ts_.push_back(ts);
  ev_type_.push_back(type);
  ev_row_.push_back(row);
  ev_node_.push_back(Identify(user_id, anonymous_id, ts));
  for (size_t k = 0; k < num_props; ++k) {
    const InputValue& v = props[k];
    if (v.is_null) continue;
    Column& c = s_.types[type].columns[ColumnFor(type, k, v.name, v.kind)];
    // While reading, every column lists its rows (in order) and one value
    // per row; a repeated name on one event keeps its last value.
    const bool again = !c.rows.empty() && c.rows.back() == row;
    if (!again) c.rows.push_back(row);
    switch (v.kind) {
      case ValueKind::Int:
        if (again)
          c.ints.Own().back() = v.i;
        else
          c.ints.push_back(v.i);
        break;
      case ValueKind::Float:
        if (again)
          c.floats.Own().back() = v.f;
        else
          c.floats.push_back(v.f);
        break;
      case ValueKind::Bool:
        if (again)
          c.bools.Own().back() = v.b ? 1 : 0;
        else
          c.bools.push_back(v.b ? 1 : 0);
        break;
      case ValueKind::String: {
        uint32_t code = s_.dict.Intern(v.s);
        if (again)
          c.codes.Own().back() = code;
        else
          c.codes.push_back(code);
        break;
      }
    }
  }
}

void StoreBuilder::AddIdentify(int64_t ts, uint64_t order, std::string_view user_id,
                               std::string_view anonymous_id, const InputValue* traits,
                               size_t num_traits) {
  uint32_t node = Identify(user_id, anonymous_id, ts);
  for (size_t k = 0; k < num_traits; ++k) {
    const InputValue& v = traits[k];
    TraitRecord r;
    r.ts = ts;
    r.order = order;
    r.node = node;
    r.name = s_.dict.Intern(v.name);
    r.kind = v.kind;
    r.is_null = v.is_null;
    if (!v.is_null) {
      r.i = v.i;
      r.f = v.f;
      r.b = v.b;
      if (v.kind == ValueKind::String) r.str = s_.dict.Intern(v.s);
    }
    PushHuge(traits_, r);
  }
}

void StoreBuilder::AddGroup(int64_t ts, uint64_t order, std::string_view user_id,
                            std::string_view anonymous_id, std::string_view group_id,
                            const InputValue* traits, size_t num_traits) {
  GroupRecord g;
  g.ts = ts;
  g.order = order;
  g.node = Identify(user_id, anonymous_id, ts);
  g.group = s_.dict.Intern(group_id);
  g.traits_begin = static_cast<uint32_t>(s_.group_traits.size());
  for (size_t k = 0; k < num_traits; ++k) {
    const InputValue& v = traits[k];
    TraitRecord r;
    r.ts = ts;
    r.order = order;
    r.node = g.node;
    r.name = s_.dict.Intern(v.name);
    r.kind = v.kind;
    r.is_null = v.is_null;
    if (!v.is_null) {
      r.i = v.i;
      r.f = v.f;
      r.b = v.b;
      if (v.kind == ValueKind::String) r.str = s_.dict.Intern(v.s);
    }
    PushHuge(s_.group_traits, r);
  }
  g.traits_end = static_cast<uint32_t>(s_.group_traits.size());
  PushHuge(s_.groups, g);
}

void StoreBuilder::AddAlias(int64_t ts, uint64_t order, std::string_view previous_id,
                            std::string_view user_id, std::string_view anonymous_id) {
  (void)order;
  uint32_t u = Identify(user_id, anonymous_id, ts);
  aliases_.push_back(Alias{ts, s_.dict.Intern(previous_id), u});
}

EventStore StoreBuilder::Finish() {
  // The column lookup is not needed any more (a column per name can be many).
  std::vector<std::vector<ColumnSlot>>().swap(slots_);
  std::vector<std::vector<uint32_t>>().swap(hints_);
  std::vector<std::unordered_map<std::string_view, KindColumns>>().swap(names_);
  std::vector<uint32_t>().swap(context_names_);
  // 1. Aliases: previousId is a userId node when some line has that value as
  // its userId at or before as_of, else an anonymousId node (docs/reference/language.md §5).
  // The store is independent of as_of, so an alias that precedes the value's
  // first use as a userId links the anonymousId node until then.
  for (const Alias& al : aliases_) {
    uint32_t pc = al.previous;
    uint32_t user_p = pc < user_node_.size() && user_node_[pc] ? user_node_[pc] - 1 : kNoNode;
    if (user_p != kNoNode && s_.nodes[user_p].first_ts <= al.ts) {
      if (user_p != al.user_node) links_.push_back(Link{al.ts, user_p, al.user_node, INT64_MAX});
      continue;
    }
    uint32_t anon_p = NodeOf(IdKind::AnonymousId, pc);
    if (user_p == kNoNode) {
      links_.push_back(Link{al.ts, anon_p, al.user_node, INT64_MAX});
    } else {
      int64_t fu = s_.nodes[user_p].first_ts;
      links_.push_back(Link{al.ts, anon_p, al.user_node, fu});
      if (user_p != al.user_node) links_.push_back(Link{fu, user_p, al.user_node, INT64_MAX});
    }
  }
  aliases_.clear();
  aliases_.shrink_to_fit();
  // Every event carrying both ids repeats its link: keep the earliest of
  // each pair (a link is in effect from its first time on).
  for (Link& l : links_) {
    if (l.a > l.b) std::swap(l.a, l.b);
  }
  std::sort(links_.begin(), links_.end(), [](const Link& x, const Link& y) {
    if (x.a != y.a) return x.a < y.a;
    if (x.b != y.b) return x.b < y.b;
    if (x.until != y.until) return x.until < y.until;
    return x.ts < y.ts;
  });
  size_t kept = 0;
  for (size_t i = 0; i < links_.size(); ++i) {
    const Link& l = links_[i];
    if (kept > 0) {
      const Link& p = links_[kept - 1];
      if (p.a == l.a && p.b == l.b && p.until == l.until) continue;
    }
    links_[kept++] = l;
  }
  links_.resize(kept);

  // 2. Components over every link.
  const auto num_nodes = static_cast<uint32_t>(s_.nodes.size());
  UnionFind uf(num_nodes);
  for (const Link& l : links_) uf.Union(l.a, l.b);
  // Each root's smallest (kind, value): userIds before anonymousIds, bytes.
  std::vector<uint32_t> best(num_nodes, kNoNode);
  auto less = [&](uint32_t x, uint32_t y) {
    const Node& a = s_.nodes[x];
    const Node& b = s_.nodes[y];
    if (a.kind != b.kind) return a.kind == IdKind::UserId;
    return s_.dict.Get(a.value) < s_.dict.Get(b.value);
  };
  std::vector<uint32_t> roots;
  for (uint32_t n = 0; n < num_nodes; ++n) {
    uint32_t r = uf.Find(n);
    if (best[r] == kNoNode) {
      roots.push_back(r);
      best[r] = n;
    } else if (less(n, best[r])) {
      best[r] = n;
    }
  }
  // Components in the order of their keys at as_of = infinity, compared as
  // BuildProfiles orders profiles (bytes, then a userId key before an equal
  // anonymousId key), so that whole components come out of BuildProfiles in
  // profile order and it sorts only the profiles whose key differs at as_of.
  auto key_less = [&](uint32_t x, uint32_t y) {
    const Node& a = s_.nodes[x];
    const Node& b = s_.nodes[y];
    const std::string_view sa = s_.dict.Get(a.value), sb = s_.dict.Get(b.value);
    if (sa != sb) return sa < sb;
    return a.kind == IdKind::UserId && b.kind != IdKind::UserId;
  };
  std::sort(roots.begin(), roots.end(),
            [&](uint32_t x, uint32_t y) { return key_less(best[x], best[y]); });
  std::vector<uint32_t> comp_of_root(num_nodes, kNoNode);
  for (uint32_t c = 0; c < roots.size(); ++c) comp_of_root[roots[c]] = c;
  s_.num_components = static_cast<uint32_t>(roots.size());
  const uint32_t nc = s_.num_components;
  s_.node_component.resize(num_nodes);
  for (uint32_t n = 0; n < num_nodes; ++n) s_.node_component[n] = comp_of_root[uf.Find(n)];
  BucketSort(
      num_nodes, nc, [&](size_t n) { return s_.node_component[n]; }, &s_.component_node_offsets,
      &s_.component_nodes);

  // 3. Events by (component, ts, input order).
  const size_t ne = ev_ts_.size();
  std::vector<uint32_t> perm;
  BucketSort(
      ne, nc, [&](size_t e) { return s_.node_component[ev_node_[e]]; }, &s_.component_event_offsets,
      &perm);
  for (uint32_t c = 0; c < nc; ++c) {
    auto b = perm.begin() + s_.component_event_offsets[c];
    auto e = perm.begin() + s_.component_event_offsets[c + 1];
    auto by_ts = [&](uint32_t x, uint32_t y) { return ev_ts_[x] < ev_ts_[y]; };
    // Stable: equal timestamps keep input order.
    if (!std::is_sorted(b, e, by_ts)) std::stable_sort(b, e, by_ts);
  }
  // Each input array goes as soon as it is laid out (the cold run's peak).
  s_.ts = Gather(ev_ts_, perm);
  std::vector<int64_t>().swap(ev_ts_);
  s_.node = Gather(ev_node_, perm);
  std::vector<uint32_t>().swap(ev_node_);
  s_.type = Gather(ev_type_, perm);
  std::vector<uint16_t>().swap(ev_type_);
  // Rows follow the store order: new_row[type][old row] = new row.
  std::vector<std::vector<uint32_t>> new_row(s_.types.size());
  for (size_t t = 0; t < s_.types.size(); ++t) new_row[t].resize(s_.types[t].rows);
  std::vector<uint32_t> next_row(s_.types.size(), 0);
  s_.row.resize(ne);
  for (size_t k = 0; k < ne; ++k) {
    uint32_t old = perm[k];
    uint16_t t = s_.type[k];
    s_.row[k] = next_row[t]++;
    new_row[t][ev_row_[old]] = s_.row[k];
  }
  std::vector<uint32_t>().swap(ev_row_);
  std::vector<uint32_t>().swap(perm);
  std::vector<std::pair<uint32_t, uint32_t>> order;  // (new row, value index)
  for (size_t t = 0; t < s_.types.size(); ++t) {
    EventType& type = s_.types[t];
    const std::vector<uint32_t>& nr = new_row[t];
    const uint32_t rows = type.rows;
    for (Column& c : type.columns) {
      Column out;
      out.name = c.name;
      out.kind = c.kind;
      const size_t present = c.rows.size();
      if (present * 4 >= rows) {
        // Dense: a value slot per row.
        ReserveHuge(out.valid, (rows + 63) / 64);
        std::vector<uint64_t>& valid = out.valid.Own();
        valid.assign((rows + 63) / 64, 0);
        auto scatter = [&](const auto& in, auto& dst_array) {
          auto& dst = dst_array.Own();
          ReserveHuge(dst, rows);
          dst.assign(rows, {});
          for (size_t i = 0; i < present; ++i) {
            const uint32_t r = nr[c.rows[i]];
            dst[r] = in[i];
            valid[r >> 6] |= uint64_t{1} << (r & 63);
          }
        };
        switch (c.kind) {
          case ValueKind::Int: scatter(c.ints, out.ints); break;
          case ValueKind::Float: scatter(c.floats, out.floats); break;
          case ValueKind::Bool: scatter(c.bools, out.bools); break;
          case ValueKind::String: scatter(c.codes, out.codes); break;
        }
      } else {
        // Sparse: the rows with a value, in store order.
        out.sparse = true;
        order.resize(present);
        for (size_t i = 0; i < present; ++i) order[i] = {nr[c.rows[i]], static_cast<uint32_t>(i)};
        if (!std::is_sorted(order.begin(), order.end())) std::sort(order.begin(), order.end());
        std::vector<uint32_t>& out_rows = out.rows.Own();
        out_rows.resize(present);
        for (size_t i = 0; i < present; ++i) out_rows[i] = order[i].first;
        auto gather = [&](const auto& in, auto& dst_array) {
          auto& dst = dst_array.Own();
          dst.resize(present);
          for (size_t i = 0; i < present; ++i) dst[i] = in[order[i].second];
        };
        switch (c.kind) {
          case ValueKind::Int: gather(c.ints, out.ints); break;
          case ValueKind::Float: gather(c.floats, out.floats); break;
          case ValueKind::Bool: gather(c.bools, out.bools); break;
          case ValueKind::String: gather(c.codes, out.codes); break;
        }
      }
      c = std::move(out);
    }
    std::vector<uint32_t>().swap(new_row[t]);
    std::sort(type.columns.begin(), type.columns.end(), [](const Column& a, const Column& b) {
      return std::make_pair(a.name, a.kind) < std::make_pair(b.name, b.kind);
    });
  }
  std::vector<std::pair<uint32_t, uint32_t>>().swap(order);

  // 4. Links and trait records by component, then time.
  std::vector<uint32_t> idx;
  BucketSort(
      links_.size(), nc, [&](size_t i) { return s_.node_component[links_[i].a]; },
      &s_.component_link_offsets, &idx);
  s_.links = Gather(links_, idx);
  for (uint32_t c = 0; c < nc; ++c) {
    std::sort(s_.links.begin() + s_.component_link_offsets[c],
              s_.links.begin() + s_.component_link_offsets[c + 1],
              [](const Link& x, const Link& y) {
                if (x.ts != y.ts) return x.ts < y.ts;
                if (x.a != y.a) return x.a < y.a;
                if (x.b != y.b) return x.b < y.b;
                return x.until < y.until;
              });
  }
  BucketSort(
      traits_.size(), nc, [&](size_t i) { return s_.node_component[traits_[i].node]; },
      &s_.component_trait_offsets, &idx);
  s_.traits = Gather(traits_, idx);
  for (uint32_t c = 0; c < nc; ++c) {
    std::sort(s_.traits.begin() + s_.component_trait_offsets[c],
              s_.traits.begin() + s_.component_trait_offsets[c + 1],
              [](const TraitRecord& x, const TraitRecord& y) {
                return x.ts != y.ts ? x.ts < y.ts : x.order < y.order;
              });
  }
  links_.clear();
  traits_.clear();
  return std::move(s_);
}

}  // namespace aud::store
