#pragma once
// Warehouse sources (docs/sources/segment-warehouse.md): a PostgreSQL schema
// in Segment's warehouse layout -> the same accepted calls the JSON-lines
// ingest produces -> store::StoreBuilder. Rows are pulled with a cursor,
// incrementally by a `received_at` watermark per table; the rows read so far
// are kept in immutable segment files under the cache folder, so a refresh
// reads only new rows from the database. The DSN never appears in a message.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/connectors/connector.h"
#include "runtime/ingest/ingest.h"

namespace aud::warehouse {

// The declared type of a property or trait (docs/reference/language.md §3).
enum class Kind : uint8_t { Int, Float, String, Bool, Timestamp };

// One declared property or trait and the column it is read from.
struct Field {
  std::string name;    // the name in the store (`revenue`, `context.campaign.source`)
  std::string column;  // the warehouse column (`revenue`, `context_campaign_source`)
  Kind kind = Kind::String;
};

// One table of declared events: a track event's own table, `pages` or `screens`.
struct EventTable {
  std::string key;    // the store type key: `track:<Segment event>`, `page`, `screen`
  std::string table;  // `order_completed`, `pages`, `screens`
  std::vector<Field> fields;
};

// One `[sources.NAME]` with `type = "postgres"`.
struct Source {
  std::string name;
  std::string dsn_var;  // the environment variable named by `dsn` (for messages)
  connectors::Secret dsn;
  std::string schema;
};

// What to read.
struct Request {
  std::vector<Source> sources;
  std::vector<EventTable> events;  // declared events, one per table
  std::vector<Field> traits;       // declared traits (`identifies` columns)
  std::string cache_dir;           // `.aud/cache/warehouse`: segments and watermarks
  bool strict = false;             // any quarantined row is an error
};

// What one table gave in this run.
struct TableCounters {
  uint64_t rows_read = 0;    // rows fetched from the database
  uint64_t accepted = 0;     // kept
  uint64_t quarantined = 0;  // refused (by reason in Counters::quarantined_by_reason)
  uint64_t duplicates = 0;   // an id already kept (rows at the watermark are read again)
  std::string watermark;     // the largest `received_at` read so far ("" none)
};

// What a run read: rows_read = accepted + quarantined + duplicates, for the
// run and for each table.
struct Counters {
  uint64_t rows_read = 0;
  uint64_t accepted = 0;
  uint64_t quarantined = 0;
  uint64_t duplicates = 0;
  uint64_t rows_cached = 0;  // rows taken from the segment files (read by earlier runs)
  bool full_reload = false;  // no usable segments (first run, or what to read changed)
  std::map<std::string, uint64_t> quarantined_by_reason;
  std::map<std::string, TableCounters> tables;  // `source.table` -> counters
  std::vector<std::string> missing_tables;      // `schema.table` of declared events skipped
};

// Reads every source of `request` (in order) into one store. `result.error`
// names the source, table or column refused and how to proceed; the
// statistics count every row kept (cached and new) as ingest counts lines.
// `counters` (may be null) gets what this run read.
ingest::Result Ingest(const Request& request, Counters* counters);

// Segment's name conversion (go-snakecase): `Order Completed` ->
// `order_completed`, `orderId` -> `order_id`.
std::string SnakeCase(const std::string& name);

// `counters` as one JSON object (for `--json` and the eval statistics).
std::string CountersJson(const Counters& counters);

}  // namespace aud::warehouse
