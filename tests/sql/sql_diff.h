#pragma once
// Shared by the SQL engine tests: one PostgreSQL server per test program,
// and the JIT against the `postgres` engine (or DuckDB) on a loaded project.

#include <string>
#include <vector>

#include "runtime/store/profiles.h"
#include "tests/jit/diff.h"
#include "tests/support/pg_server.h"

namespace aud::sqltest {

// The DSN of the test program's server (started on first use, stopped at
// exit); "" with `error` when PostgreSQL cannot start.
std::string ServerDsn(std::string* error);

// The test program's server (ServerDsn starts it); null before.
testing::PgServer* TheServer();

// "" when the `postgres` engine at `dsn` gives the JIT's results (members,
// attributes bit for bit, imports, identities) for `only` (empty: every formula).
std::string PgDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                           const std::vector<std::string>& only, const std::string& dsn);

// The same for the sharded engine: coordinator `coordinator`, shards
// `shards`; `plan` (when set) receives the coordinator's EXPLAIN (VERBOSE).
std::string ShardedDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                                const std::vector<std::string>& only,
                                const std::string& coordinator,
                                const std::vector<std::string>& shards,
                                std::string* plan = nullptr);

// The same through DuckDB (node and @duckdb/node-api at `node_modules`).
std::string DuckDbDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                               const std::vector<std::string>& only,
                               const std::string& node_modules);

// The folder holding @duckdb/node-api: $AUD_DUCKDB_NODE_MODULES, else
// bench/duckdb/node_modules; "" when neither has it.
std::string DuckDbModules();

}  // namespace aud::sqltest
