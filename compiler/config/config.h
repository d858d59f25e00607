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

// One `[sources.NAME]` table.
struct Source {
  std::string name;
  std::string path;    // glob relative to the project root
  std::string format;  // "segment"
  base::SourceRange range;
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
};

// Whether a line of aud.toml may be printed in a diagnostic: blank lines,
// comments, table headers and `key = value` lines whose key aud knows to be
// plain (`type`, `dir`, `format`, ...). Any other line may hold a credential
// (a misspelled `tokne`, a URL with a password): diagnostics on it show only
// file:line:col.
bool ShowableLine(std::string_view line);

// The connector types aud knows.
const std::vector<std::string>& ConnectionTypes();

// Reads the file `id` of `diags.sources()`. Returns the config when it has no
// errors; otherwise null, with every problem reported.
std::optional<ProjectConfig> ParseConfig(base::FileId id, base::Diagnostics& diags);

}  // namespace aud::config
