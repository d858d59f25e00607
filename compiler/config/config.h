#pragma once
// The project file `aud.toml` (docs/reference/language.md §9), read with TOML++. Unknown
// keys, wrong types, missing required keys and bad values are diagnostics
// that name the key and point at its line. Secrets are kept as the name of
// their environment variable only; their values are read at plan/apply time.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "compiler/base/diagnostics.h"

namespace aud::config {

// A secret given as `{ env = "VAR" }`: only the variable's name is kept.
struct SecretRef {
  std::string env;
};

// A scalar value of a connection table.
using Value = std::variant<std::string, int64_t, double, bool, SecretRef>;

// One `[connections.NAME]` table.
struct Connection {
  std::string name;
  std::string type;                     // profile_store | file | http | autopilot | postgres
  std::map<std::string, Value> values;  // every key but `type`, validated per type
  base::SourceRange range;              // the table header
};

// One `[sources.NAME]` table: Segment-spec JSON-lines files (`type =
// "files"`, the default), or a PostgreSQL schema in Segment's warehouse
// layout (`type = "postgres"`, docs/sources/segment-warehouse.md).
struct Source {
  std::string name;
  std::string type = "files";    // files | postgres
  std::string path;              // files: glob relative to the project root
  std::string format;            // files: "segment"; postgres: "segment-warehouse"
  std::optional<SecretRef> dsn;  // postgres: the variable holding the DSN
  std::string schema;            // postgres: the schema holding the layout's tables
  base::SourceRange range;
  // True for a warehouse source (read by runtime/warehouse, not by ingest).
  bool warehouse() const { return type == "postgres"; }
};

// The whole project file.
struct ProjectConfig {
  std::string name;
  bool stdlib = true;
  std::vector<Source> sources;
  std::string state_backend = "sqlite";  // sqlite | postgres
  std::optional<SecretRef> state_dsn;
  std::string state_schema = "aud";  // postgres: the schema of the state tables
  std::map<std::string, Connection> connections;
  // `[engine.postgres] dsn`: where `--engine postgres` evaluates (docs/sql-engine.md).
  std::optional<SecretRef> engine_postgres_dsn;
  // `[serve]` (`aud serve`, docs/serve.md): the Tracking API's write key
  // (a secret) and the address to listen on ("" when not set).
  std::optional<SecretRef> serve_write_key;
  std::string serve_listen;
  // `[engine.postgres] shards`: the shards of `--engine postgres-sharded`
  // (docs/scale.md), `dsn` being the coordinator.
  std::vector<SecretRef> engine_postgres_shards;
  // The environment these values are for (`--env NAME` / `AUD_ENV`; "" the
  // default one: the base tables alone), and every `[env.NAME]` declared, in
  // document order.
  std::string environment;
  std::vector<std::string> environments;
};

// Whether a line of aud.toml may be printed in a diagnostic: blank lines,
// comments, table headers and `key = value` lines whose key aud knows to be
// plain (`type`, `dir`, `format`, ...). Any other line may hold a credential
// (a misspelled `tokne`, a URL with a password): diagnostics on it show only
// file:line:col.
bool ShowableLine(std::string_view line);

// The connector types aud knows.
const std::vector<std::string>& ConnectionTypes();

// Reads the file `id` of `diags.sources()` for `environment` ("" the
// default): the keys of its `[env.NAME]` tables replace those of
// `[sources.*]`, `[connections.*]` and `[state]`. Every `[env.*]` table is
// checked (an override of a key the base table does not set is an error at
// the override); an unknown `environment` is an error listing the declared
// ones. Returns the config when it has no errors; otherwise null, with every
// problem reported.
std::optional<ProjectConfig> ParseConfig(base::FileId id, base::Diagnostics& diags,
                                         const std::string& environment = "");

}  // namespace aud::config
