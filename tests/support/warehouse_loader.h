#pragma once
// Test support: Segment-spec JSON lines -> SQL that loads them into a
// PostgreSQL schema in Segment's warehouse layout
// (docs/sources/segment-warehouse.md): `tracks` plus one table per event
// (snake_case of the event name, one column per property), `identifies`
// (trait columns), `pages`, `screens`, `aliases`, `groups`; `context` leaves
// as `context_*` columns. An independent writer of the layout the reader
// (runtime/warehouse) reads, so the two can be compared.

#include <cstdint>
#include <string>

namespace aud::testing {

// What a load wrote.
struct WarehouseLoad {
  std::string sql;        // CREATE SCHEMA/TABLE IF NOT EXISTS, ADD COLUMN IF NOT EXISTS, INSERTs
  uint64_t messages = 0;  // JSON lines loaded (one call each)
  uint64_t skipped = 0;   // lines that are not a loadable call (invalid JSON, unknown type)
};

// Loads `jsonl` into `schema`. Each line's `received_at` is
// `received_base_ms` plus its line index in ms (the order Segment received
// the calls: the file order, so ties in `timestamp` keep their file order);
// a line without `messageId` gets `id` `loader-<base>-<line>`. A column's
// type is set by its first value (as Segment sets it): numbers `bigint`, or
// `double precision` when any is not an integer, booleans `boolean`,
// strings `text`; a later value of another kind (a type mismatch) is NULL
// except in a text column. Nested objects are flattened into `a_b`
// columns, arrays stored as JSON text. Each run's columns are added with
// ADD COLUMN IF NOT EXISTS, so a later load may add rows and columns.
WarehouseLoad WarehouseSql(const std::string& jsonl, const std::string& schema,
                           int64_t received_base_ms);

}  // namespace aud::testing
