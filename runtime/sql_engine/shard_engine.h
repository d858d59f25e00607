#pragma once
// Sharded `postgres` engine (docs/scale.md): the coordinator stitches
// identities (store::Profiles), places each stitched profile on one shard by
// a stable hash of its profile key (recorded in the coordinator's
// `aud_placement` table), loads each profile's events, traits and ids into
// its shard's tables, deploys the compiled per-profile SQL to every shard as
// views, and reads the shards' rows on the coordinator through postgres_fdw
// foreign tables (async foreign scans: the shards work in parallel). No
// message ever holds a DSN.

#include <memory>
#include <string>
#include <vector>

#include "compiler/ir/ir.h"
#include "runtime/eval/eval.h"
#include "runtime/sql_engine/pg_engine.h"
#include "runtime/store/store.h"

namespace aud::sql_engine {

// Where the sharded engine runs.
struct ShardedOptions {
  EngineOptions coordinator;          // the database aud talks to (needs postgres_fdw)
  std::vector<EngineOptions> shards;  // one per shard (at least one)
  // When set, Run writes the coordinator's `EXPLAIN (VERBOSE)` of the members query here.
  std::string* members_plan = nullptr;
};

// The shard (0 … shards − 1) of the profile whose key is `key`: FNV-1a 64 of the key, mod shards.
uint32_t ShardOf(const std::string& key, uint32_t shards);

// The sharded PostgreSQL evaluator of `program` over `store` (both must outlive it).
std::unique_ptr<eval::Evaluator> MakePostgresSharded(const ir::Program& program,
                                                     const store::EventStore& store,
                                                     const eval::Options& options,
                                                     const ShardedOptions& engine);

}  // namespace aud::sql_engine
