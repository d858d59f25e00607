#pragma once
// Builds an EventStore from accepted input lines (docs/runtime.md): interns
// strings, keeps typed property columns, records identity links and trait
// records, then stitches identities (union-find over every link) and lays the
// events out by component and time. Knows nothing of JSON: ingest feeds it.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/store/store.h"

namespace aud::store {

// A property or trait value as read from the input (strings not yet interned).
struct InputValue {
  std::string_view name;
  ValueKind kind = ValueKind::Int;
  bool is_null = false;  // JSON null (kept for traits, ignored for properties)
  int64_t i = 0;
  double f = 0;
  bool b = false;
  std::string_view s;
};

// Accumulates lines in input order, then produces the store.
class StoreBuilder {
 public:
  StoreBuilder();

  // The index of the event type `key` (`track:<event>`, `page`, `screen`);
  // false when the store already holds the maximum number of types (65535).
  bool TypeIndex(std::string_view key, uint16_t* index);
  // As TypeIndex for `track:<event>`, without building the key on a hit.
  bool TrackType(std::string_view event, uint16_t* index);

  // Whether an event of `type` with these properties keeps the type within
  // kMaxPropertyNames distinct property names (nulls and the declared
  // `context.*` leaves, bounded by the program, do not count). Ingest asks
  // before AddEvent and quarantines the line when not.
  bool FitsProperties(uint16_t type, const InputValue* props, size_t num_props) const;

  // Calls come in input order; `order` increases (file, then line). An
  // empty id is absent; at least one of user_id/anonymous_id is given.
  // Values are kept per present value while reading (memory in proportion
  // to the values, not to rows x names); Finish lays each column out dense
  // or sparse.
  void AddEvent(uint16_t type, int64_t ts, uint64_t order, std::string_view user_id,
                std::string_view anonymous_id, const InputValue* props, size_t num_props);
  void AddIdentify(int64_t ts, uint64_t order, std::string_view user_id,
                   std::string_view anonymous_id, const InputValue* traits, size_t num_traits);
  // `group`: `user_id`/`anonymous_id` (linked as by an event) joined
  // `group_id` at `ts`, with the group's traits (JSON nulls kept).
  void AddGroup(int64_t ts, uint64_t order, std::string_view user_id, std::string_view anonymous_id,
                std::string_view group_id, const InputValue* traits, size_t num_traits);
  // `alias`: links previous_id (resolved per docs/runtime.md) with user_id.
  void AddAlias(int64_t ts, uint64_t order, std::string_view previous_id, std::string_view user_id,
                std::string_view anonymous_id);

  // Re-emission (reemit.h): the node (kind, value) named first at
  // `first_ts` (INT64_MAX: only by an alias previousId), and a link resolved
  // already (as a store holds it), effective from `ts` until `until`.
  void AddNode(IdKind kind, std::string_view value, int64_t first_ts);
  void AddLink(int64_t ts, IdKind a_kind, std::string_view a, IdKind b_kind, std::string_view b,
               int64_t until);

  size_t num_events() const { return ev_ts_.size(); }
  // Room for about `lines` input lines.
  void Reserve(size_t lines);

  // Stitches identities and lays the store out; the builder is spent.
  EventStore Finish();

 private:
  struct ColumnSlot {
    std::string_view name;  // into the dictionary (stable)
    ValueKind kind;
    uint32_t column;
  };
  // Per type and property name: its column per ValueKind (kNone: none yet).
  using KindColumns = std::array<uint32_t, 4>;
  struct Alias {
    int64_t ts;
    uint32_t previous;  // dictionary code
    uint32_t user_node;
  };

  uint32_t NodeOf(IdKind kind, uint32_t code);
  uint32_t Mention(IdKind kind, std::string_view value, int64_t ts);
  // The node an event or identify belongs to (userId if any), linking both ids.
  uint32_t Identify(std::string_view user_id, std::string_view anonymous_id, int64_t ts);
  uint32_t ColumnFor(uint16_t type, size_t position, std::string_view name, ValueKind kind);

  EventStore s_;
  std::vector<std::vector<ColumnSlot>> slots_;  // per type
  // Per type, the slot the k-th property of the type's last event used:
  // lines of one type usually list their properties in the same order.
  std::vector<std::vector<uint32_t>> hints_;
  std::vector<std::unordered_map<std::string_view, KindColumns>> names_;  // per type
  // Per type, how many of names_ are `context.*` leaves (outside kMaxPropertyNames).
  std::vector<uint32_t> context_names_;
  std::unordered_map<std::string, uint16_t> type_index_;
  std::string key_buf_;
  std::string last_track_;
  uint16_t last_track_type_ = 0;
  bool has_last_track_ = false;

  std::vector<uint32_t> user_node_, anon_node_;  // dictionary code -> node + 1 (0 = none)
  std::vector<int64_t> ev_ts_;
  std::vector<uint16_t> ev_type_;
  std::vector<uint32_t> ev_row_;
  std::vector<uint32_t> ev_node_;
  std::vector<Link> links_;
  std::vector<Alias> aliases_;
  std::vector<TraitRecord> traits_;
};

}  // namespace aud::store
