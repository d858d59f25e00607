#pragma once
// The columnar event store (docs/runtime.md): every event of the sources,
// typed by JSON type, clustered by identity component (all links) and
// time-ordered within it. Independent of the program and of `as_of`, so it
// is cached on disk and reused by every evaluation.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/array.h"

namespace aud::store {

// Interned strings; code 0 is the empty string. The bytes live in blocks
// that never move, so a view from Get stays valid while the dictionary lives
// (also across Intern and moves; a copy has its own blocks).
class Dictionary {
 public:
  Dictionary() { Intern(""); }
  Dictionary(const Dictionary& o);
  Dictionary& operator=(const Dictionary& o);
  Dictionary(Dictionary&&) noexcept = default;
  Dictionary& operator=(Dictionary&&) noexcept = default;

  uint32_t Intern(std::string_view s);
  // The code of `s`, or UINT32_MAX when it was never interned.
  uint32_t Find(std::string_view s) const;
  std::string_view Get(uint32_t code) const { return strings_[code]; }
  size_t size() const { return strings_.size(); }
  // Every string, by code.
  const std::vector<std::string_view>& strings() const { return strings_; }
  // Approximate bytes held (strings and the hash index).
  size_t MemoryBytes() const;
  // Room for `n` strings without rehashing.
  void Reserve(size_t n);
  bool operator==(const Dictionary& o) const { return strings_ == o.strings_; }

 private:
  // (Private members may change; the public interface is the contract.)
  // An open-addressing index: each slot holds (hash << 32 | code + 1), 0 when
  // empty, so most probes compare hashes without touching the strings.
  void Rehash(size_t capacity);
  std::string_view Store(std::string_view s);
  std::vector<std::string_view> strings_;
  std::vector<uint64_t> slots_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0, block_size_ = 0, block_bytes_ = 0;
};

// The JSON type a property value had.
enum class ValueKind : uint8_t { Int, Float, Bool, String };

// One property of one event type: a typed column over that type's rows.
// Dense (the common case): one value per row of the type, `valid` one bit
// per row. Sparse (a property on fewer than a quarter of the type's rows,
// e.g. per-SKU keys): `rows` lists the rows that have a value, ascending,
// the value array holds one entry per listed row and `valid` is empty, so a
// column costs memory in proportion to its values (docs/runtime.md).
struct Column {
  uint32_t name = 0;  // dictionary code of the property name
  ValueKind kind = ValueKind::Int;
  bool sparse = false;
  // The arrays are owned when built, borrowed from the mapped cache file or
  // lazy (widened from the file's narrow encoding on first read) when loaded.
  Array<int64_t> ints;    // Int
  Array<double> floats;   // Float
  Array<uint8_t> bools;   // Bool
  Array<uint32_t> codes;  // String (dictionary codes)
  Array<uint64_t> valid;  // dense: one bit per row
  Array<uint32_t> rows;   // sparse: the rows with a value, ascending
  // Whether dense row `row` has a value (dense columns only).
  bool Valid(uint32_t row) const { return (valid[row >> 6] >> (row & 63)) & 1; }
  // The index of `row`'s value in the value array, or -1 when it has none
  // (dense or sparse; `row` may be out of range).
  int64_t Index(uint32_t row) const;
  // The number of values present.
  size_t Present() const;
  // This column as a dense one over `type_rows` rows (a copy; evaluation
  // reads dense columns).
  Column Dense(uint32_t type_rows) const;
  bool operator==(const Column&) const = default;
};

// The most distinct property names one event type may have: a line that
// would add more is bad (`too-many-property-names`).
inline constexpr size_t kMaxPropertyNames = 10000;

// An event type: `track:<event>`, `page`, `screen` (identify/alias are not events).
// Its rows follow the store's event order (component, then time), so the
// rows of one component are contiguous and time-ordered.
struct EventType {
  std::string key;
  uint32_t rows = 0;
  std::vector<Column> columns;  // at most one per (name, kind), sorted by (name, kind)
  // The column of property `name` with JSON kind `kind`, or null.
  const Column* Find(uint32_t name, ValueKind kind) const;
  bool operator==(const EventType&) const = default;
};

// Which id namespace an identity value comes from.
enum class IdKind : uint8_t { UserId, AnonymousId };

// One `identify` trait value with its time, for latest-wins at `as_of`.
struct TraitRecord {
  int64_t ts = 0;
  uint64_t order = 0;  // input order (file, then line): ties
  uint32_t node = 0;   // the identity node that sent it
  uint32_t name = 0;   // trait name (dictionary code)
  ValueKind kind = ValueKind::Int;
  bool is_null = false;  // JSON null: counts as absent
  int64_t i = 0;         // Int
  double f = 0;          // Float
  uint32_t str = 0;      // String (dictionary code)
  bool b = false;        // Bool
  bool operator==(const TraitRecord&) const = default;
};

// One `group` call (Segment's account membership, kept for account
// audiences; not evaluated yet): the identity node that sent it, its
// `groupId` and time, and its traits `group_traits[traits_begin, traits_end)`.
struct GroupRecord {
  int64_t ts = 0;
  uint64_t order = 0;  // input order (file, then line)
  uint32_t node = 0;   // the identity node that sent it (userId if any)
  uint32_t group = 0;  // `groupId` (dictionary code)
  uint32_t traits_begin = 0, traits_end = 0;
  bool operator==(const GroupRecord&) const = default;
};

// An edge between two identity nodes, effective at every as_of with
// ts <= as_of < until. `until` is finite only for an alias whose previousId
// becomes a known userId later than the alias: until then it links the
// anonymousId node of that value (docs/reference/language.md §5, docs/runtime.md).
struct Link {
  int64_t ts = 0;
  uint32_t a = 0, b = 0;  // node ids
  int64_t until = INT64_MAX;
  bool operator==(const Link&) const = default;
};

// An identity node: one (namespace, value) pair.
struct Node {
  IdKind kind = IdKind::UserId;
  uint32_t value = 0;  // dictionary code
  // Earliest accepted line that names it as its userId or anonymousId
  // (INT64_MAX when only an alias previousId names it: then only its links
  // make it part of a profile).
  int64_t first_ts = 0;
  bool operator==(const Node&) const = default;
};

// The whole store.
struct EventStore {
  Dictionary dict;
  std::vector<EventType> types;
  std::vector<Node> nodes;

  // Components: connected identity nodes over *all* links.
  uint32_t num_components = 0;
  std::vector<uint32_t> node_component;           // node -> component
  std::vector<uint32_t> component_nodes;          // CSR: nodes of each component
  std::vector<uint32_t> component_node_offsets;   // size num_components + 1
  std::vector<uint32_t> component_link_offsets;   // CSR into `links`, size num_components + 1
  std::vector<Link> links;                        // grouped by component, sorted by ts
  std::vector<uint32_t> component_trait_offsets;  // CSR into `traits`, size num_components + 1
  std::vector<TraitRecord> traits;                // grouped by component, sorted by (ts, order)
  std::vector<GroupRecord> groups;                // `group` calls, in input order
  std::vector<TraitRecord> group_traits;          // their traits, by call (node: the sender)

  // Events grouped by component, sorted by (ts, input order) within one.
  std::vector<uint32_t> component_event_offsets;  // size num_components + 1
  std::vector<int64_t> ts;                        // milliseconds since the epoch, UTC
  std::vector<uint16_t> type;                     // index into `types`
  std::vector<uint32_t> row;                      // row in the type's columns
  std::vector<uint32_t>
      node;  // the node the event belongs to (its userId if any, else anonymousId)

  size_t num_events() const { return ts.size(); }
  // Approximate bytes held (for the bytes-per-event figure).
  size_t MemoryBytes() const;
  // Bytes of the per-event arrays and property columns only (no dictionary,
  // identities, links or traits).
  size_t EventBytes() const;
  bool operator==(const EventStore&) const = default;
};

}  // namespace aud::store
