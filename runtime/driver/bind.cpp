// The bind stage of the driver (driver.h): an evaluator of the chosen
// executor. Alone in its file, so a program that never binds (a check-only
// benchmark) does not pull in the JIT.

#include "runtime/driver/driver.h"
#include "runtime/jit/jit.h"
#include "runtime/sql_engine/pg_engine.h"
#include "runtime/sql_engine/shard_engine.h"

namespace aud::driver {

std::unique_ptr<eval::Evaluator> Bind(const Options& options, const ir::Program& program,
                                      const store::EventStore& store,
                                      const eval::Options& eval_options, std::string* notice) {
  if (options.engine == "postgres") {
    sql_engine::EngineOptions en;
    en.dsn = options.engine_dsn;
    en.dsn_var = options.engine_dsn_var;
    return sql_engine::MakePostgres(program, store, eval_options, en);
  }
  if (options.engine == "postgres-sharded") {
    sql_engine::ShardedOptions so;
    so.coordinator.dsn = options.engine_dsn;
    so.coordinator.dsn_var = options.engine_dsn_var;
    for (const auto& [dsn, var] : options.engine_shards) {
      sql_engine::EngineOptions e;
      e.dsn = dsn;
      e.dsn_var = var;
      so.shards.push_back(e);
    }
    return sql_engine::MakePostgresSharded(program, store, eval_options, so);
  }
  jit::JitOptions jo;
  if (options.jit_cache) jo.cache_dir = options.dir + "/.aud/cache/jit";
  if (options.jit_tier == "full") jo.tier = jit::Tier::Full;
  if (options.jit_tier == "fast") jo.tier = jit::Tier::Fast;
  return jit::MakeEvaluator(options.engine, program, store, eval_options, jo, notice);
}

}  // namespace aud::driver
