// The SQL engine test helpers (sql_diff.h).

#include "tests/sql/sql_diff.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/sql/sql.h"
#include "runtime/sql_engine/layout.h"
#include "runtime/sql_engine/pg_engine.h"
#include "runtime/sql_engine/shard_engine.h"
#include "tests/support/pg_server.h"

namespace aud::sqltest {

namespace {

std::unique_ptr<testing::PgServer>& Server() {
  static std::unique_ptr<testing::PgServer> server;
  return server;
}

eval::Options EvalOptions(const jittest::Loaded& loaded, const std::vector<std::string>& only) {
  eval::Options eo;
  eo.project_dir = loaded.dir;
  eo.only = only;
  eo.threads = 2;
  return eo;
}

// The JIT's identities against the engine's, per profile.
std::string CompareIds(const eval::Evaluator& jit, const store::Profiles& ps,
                       const std::map<uint32_t, std::vector<std::vector<std::string>>>& got,
                       size_t identities) {
  for (uint32_t q = 0; q < ps.count; ++q) {
    auto it = got.find(q);
    std::vector<std::vector<std::string>> g =
        it == got.end() ? std::vector<std::vector<std::string>>(identities) : it->second;
    if (jit.Identities(ps, q) != g) return "identities differ at profile " + ps.key[q];
  }
  return "";
}

}  // namespace

testing::PgServer* TheServer() { return Server().get(); }

std::string ServerDsn(std::string* error) {
  auto& s = Server();
  if (!s) {
    s = testing::PgServer::Start(error);
    if (!s) return "";
    std::atexit([] { Server().reset(); });
  }
  return s->Dsn();
}

std::string PgDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                           const std::vector<std::string>& only, const std::string& dsn) {
  const eval::Options eo = EvalOptions(loaded, only);
  jit::JitOptions jo;
  jo.tier = jit::Tier::Fast;
  jit::JitEvaluator jit(loaded.program, loaded.ingested.store, eo, jo);
  sql_engine::EngineOptions en;
  en.dsn = dsn;
  en.dsn_var = "AUD_TEST_DSN";
  auto pg = sql_engine::MakePostgres(loaded.program, loaded.ingested.store, eo, en);
  if (jit.error() != pg->error())
    return "errors differ: `" + jit.error() + "` vs `" + pg->error() + "`";
  eval::Result want = jit.Run(profiles);
  eval::Result got = pg->Run(profiles);
  if (!got.ok()) return "postgres failed: " + got.error;
  std::string diff = jittest::CompareResults(loaded.program, want, got);
  if (diff.empty() && want.ok()) diff = jittest::CompareIdentities(jit, *pg, profiles);
  return diff;
}

std::string ShardedDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                                const std::vector<std::string>& only,
                                const std::string& coordinator,
                                const std::vector<std::string>& shards, std::string* plan) {
  const eval::Options eo = EvalOptions(loaded, only);
  jit::JitOptions jo;
  jo.tier = jit::Tier::Fast;
  jit::JitEvaluator jit(loaded.program, loaded.ingested.store, eo, jo);
  sql_engine::ShardedOptions so;
  so.coordinator.dsn = coordinator;
  so.coordinator.dsn_var = "AUD_TEST_COORDINATOR_DSN";
  for (size_t k = 0; k < shards.size(); ++k) {
    sql_engine::EngineOptions e;
    e.dsn = shards[k];
    e.dsn_var = "AUD_TEST_SHARD" + std::to_string(k + 1) + "_DSN";
    so.shards.push_back(e);
  }
  so.members_plan = plan;
  auto pg = sql_engine::MakePostgresSharded(loaded.program, loaded.ingested.store, eo, so);
  if (jit.error() != pg->error())
    return "errors differ: `" + jit.error() + "` vs `" + pg->error() + "`";
  eval::Result want = jit.Run(profiles);
  eval::Result got = pg->Run(profiles);
  if (!got.ok()) return "postgres-sharded failed: " + got.error;
  std::string diff = jittest::CompareResults(loaded.program, want, got);
  if (diff.empty() && want.ok()) diff = jittest::CompareIdentities(jit, *pg, profiles);
  return diff;
}

std::string DuckDbModules() {
  std::string dir;
  if (const char* env = std::getenv("AUD_DUCKDB_NODE_MODULES"); env && *env)
    dir = env;
  else
    dir = std::string(AUD_SOURCE_DIR) + "/bench/duckdb/node_modules";
  struct stat st;
  if (::stat((dir + "/@duckdb/node-api/package.json").c_str(), &st) != 0) return "";
  return dir;
}

std::string DuckDbDifferential(const jittest::Loaded& loaded, const store::Profiles& profiles,
                               const std::vector<std::string>& only,
                               const std::string& node_modules) {
  const eval::Options eo = EvalOptions(loaded, only);
  jit::JitOptions jo;
  jo.tier = jit::Tier::Fast;
  jit::JitEvaluator jit(loaded.program, loaded.ingested.store, eo, jo);
  sql_engine::Prepared prep = sql_engine::Prepare(loaded.program, eo);
  if (jit.error() != prep.error)
    return "errors differ: `" + jit.error() + "` vs `" + prep.error + "`";
  if (!prep.error.empty()) return "";
  const sql::Dialect& d = *sql::FindDialect("duckdb");
  sql::Query q = sql::Generate(loaded.program, prep.uses, d, profiles.as_of);
  if (!q.error.empty()) return "generate: " + q.error;
  nlohmann::json job;
  job["setup"] = nlohmann::json::array();
  auto split = [&](const std::string& script) {
    size_t at = 0;
    for (size_t end; (end = script.find(";\n", at)) != std::string::npos; at = end + 2)
      job["setup"].push_back(script.substr(at, end - at));
  };
  split(d.CreateTables());
  split(d.Prelude());
  for (const auto& t :
       sql_engine::BuildTables(loaded.program, loaded.ingested.store, profiles, prep.imports))
    for (const std::string& s : sql_engine::InsertStatements(t)) job["setup"].push_back(s);
  job["queries"] = {q.members, q.identities};
  if (!q.imports.empty()) job["queries"].push_back(q.imports);
  const std::string path = loaded.dir + "/duckdb_job.json";
  std::ofstream(path) << job.dump();
  const std::string cmd = "AUD_DUCKDB_NODE_MODULES='" + node_modules + "' node '" +
                          std::string(AUD_SOURCE_DIR) + "/tests/sql/duckdb_run.mjs' '" + path + "'";
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return "cannot run node";
  std::string out;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  ::pclose(f);
  nlohmann::json res = nlohmann::json::parse(out, nullptr, false);
  if (res.is_discarded()) return "duckdb runner printed no JSON: " + out.substr(0, 500);
  if (res.contains("error")) return "duckdb failed: " + res["error"].get<std::string>();
  auto rows = [&](size_t k) {
    sql_engine::Rows r;
    for (const auto& row : res["rows"][k]) {
      std::vector<std::optional<std::string>> v;
      for (const auto& x : row)
        v.push_back(x.is_null() ? std::nullopt : std::optional<std::string>(x.get<std::string>()));
      r.push_back(std::move(v));
    }
    return r;
  };
  eval::Result want = jit.Run(profiles);
  eval::Result got;
  if (!sql_engine::FillResult(loaded.program, prep.uses, q, rows(0), profiles.count, &got))
    return "duckdb rows: " + got.error;
  got.imports.assign(loaded.program.imports.size(), eval::ImportStats{});
  if (!q.imports.empty()) sql_engine::FillImports(loaded.program, rows(2), &got);
  std::string diff = jittest::CompareResults(loaded.program, want, got);
  if (diff.empty())
    diff = CompareIds(jit, profiles, sql_engine::ParseIdentities(loaded.program, rows(1)),
                      loaded.program.identities.size());
  return diff;
}

}  // namespace aud::sqltest
