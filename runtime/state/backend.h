#pragma once
// Where the state lives (aud.toml `[state]`, docs/reference/language.md §9):
// SQLite `.aud/state.db` (the default) or a PostgreSQL schema shared by
// several projects and environments (runtime/state/README.md "PostgreSQL").

#include <memory>
#include <string>

#include "runtime/state/state.h"

namespace aud::state {

// True for "sqlite" (and "", the default) and "postgres". Otherwise false with
// a one-line, lower-case message naming the backend and what to do instead.
bool BackendSupported(const std::string& backend, std::string* message);

// Everything that opens a state.
struct Location {
  std::string backend = "sqlite";  // sqlite | postgres
  std::string path;                // sqlite: the file
  std::string dsn;                 // postgres: the DSN's value (a secret: never shown)
  std::string dsn_env;             // the variable it came from (shown in messages)
  std::string schema = "aud";      // postgres: the schema holding the tables
  std::string project;             // postgres: `[project] name`
  std::string environment = "default";
  bool create = true;  // create the schema and the state when absent
};

// How messages name a location (never the DSN).
std::string ShownLocation(const Location& where);

// Opens the state at `where`. Null with `error` on failure; with
// `where.create` false, null with `*missing` true (and no error) when there
// is no state there yet.
std::unique_ptr<State> OpenLocation(const Location& where, std::string* error,
                                    bool* missing = nullptr);

// The PostgreSQL state (postgres_state.cpp).
std::unique_ptr<State> OpenPostgres(const Location& where, std::string* error, bool* missing);

// Whether `schema` is a name aud accepts for `[state] schema`: a lower-case
// PostgreSQL identifier ([a-z_][a-z0-9_]*, at most 63 bytes).
bool ValidSchemaName(const std::string& schema);

}  // namespace aud::state
