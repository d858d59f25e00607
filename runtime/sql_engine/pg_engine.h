#pragma once
// `--engine postgres` (docs/sql-engine.md): an eval::Evaluator that loads the
// layout's tables (layout.h) into temporary tables of a PostgreSQL session
// with COPY, runs the SQL of compiler/sql there and returns members,
// attributes, imported-list counts and identities in the shape the JIT
// returns. Identity stitching is done by the coordinator (store::Profiles).
// No message ever holds the DSN.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "compiler/sql/sql.h"
#include "runtime/eval/eval.h"
#include "runtime/store/store.h"

namespace aud::sql_engine {

// Where the engine runs.
struct EngineOptions {
  std::string dsn;       // the libpq connection string (a secret: never printed)
  std::string dsn_var;   // the environment variable it came from, for messages
  double timeout_s = 0;  // statement_timeout (0: none)
};

// Rows of text values (nullopt: NULL) as an engine returns them: floats in
// shortest round-trip text (`Infinity`, `-0`), booleans `t`/`f`.
using Rows = std::vector<std::vector<std::optional<std::string>>>;

// Fills `out` (members, attribute columns, evaluated flags) from the rows of
// `q.members` over `count` profiles; false with out->error.
bool FillResult(const ir::Program& program, const ir::Uses& uses, const sql::Query& q,
                const Rows& rows, uint32_t count, eval::Result* out);
// Fills out->imports from the rows of `q.imports`.
void FillImports(const ir::Program& program, const Rows& rows, eval::Result* out);
// Per profile id, per identity, the values of the rows of `q.identities`
// (sorted by bytes, distinct).
std::map<uint32_t, std::vector<std::vector<std::string>>> ParseIdentities(
    const ir::Program& program, const Rows& rows);

// What one evaluation reads: the uses of `options.only` (every formula when
// empty) and the imported lists they use, read and normalized.
struct Prepared {
  ir::Uses uses;
  std::vector<std::vector<std::string>> imports;  // per ir::Program import
  std::string error;
};
Prepared Prepare(const ir::Program& program, const eval::Options& options);

// The PostgreSQL evaluator of `program` over `store` (both must outlive it).
std::unique_ptr<eval::Evaluator> MakePostgres(const ir::Program& program,
                                              const store::EventStore& store,
                                              const eval::Options& options,
                                              const EngineOptions& engine);

}  // namespace aud::sql_engine
