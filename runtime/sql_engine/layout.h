#pragma once
// The rows of the event-table layout (docs/sql-engine.md) for one
// evaluation: profiles stitched at as_of by the coordinator (store::Profiles),
// their events and trait records with properties by JSON kind, their ids, and
// the imported lists the program uses. Written as PostgreSQL COPY text or as
// INSERT statements (DuckDB).

#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/store/profiles.h"
#include "runtime/store/store.h"

namespace aud::sql_engine {

// One row: text values in the table's column order (nullopt: NULL).
using Row = std::vector<std::optional<std::string>>;

// One table of the layout with its rows.
struct Table {
  std::string name;  // aud_profiles, aud_events, aud_traits, aud_ids, aud_imports
  std::vector<Row> rows;
};

// The layout's five tables for `profiles`; the imported lists `imports`
// (per ir::Program import, its normalized entries; empty when unused).
std::vector<Table> BuildTables(const ir::Program& program, const store::EventStore& store,
                               const store::Profiles& profiles,
                               const std::vector<std::vector<std::string>>& imports);

// A table's rows as PostgreSQL COPY text format.
std::string CopyText(const Table& table);

// A table's rows as INSERT statements (string literals; the engine casts them).
std::vector<std::string> InsertStatements(const Table& table);

}  // namespace aud::sql_engine
