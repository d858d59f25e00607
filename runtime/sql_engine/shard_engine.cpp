// The sharded PostgreSQL evaluator (shard_engine.h).

#include "runtime/sql_engine/shard_engine.h"

#include <libpq-fe.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "compiler/sql/sql.h"
#include "runtime/sql_engine/layout.h"
#include "runtime/sql_engine/sql_session.h"

namespace aud::sql_engine {

uint32_t ShardOf(const std::string& key, uint32_t shards) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return shards == 0 ? 0 : static_cast<uint32_t>(h % shards);
}

namespace {

// Replaces every `from` in `s` (text aud wrote itself, never user input).
std::string ReplaceAll(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
  return s;
}

// The postgres dialect with the run's schema instead of `pg_temp`: a shard's
// tables, helper function and views must outlive the loading session, since
// the coordinator's postgres_fdw reads them from sessions of its own.
class ShardDialect final : public sql::Dialect {
 public:
  ShardDialect(const sql::Dialect& base, std::string schema)
      : b_(base), schema_(std::move(schema)) {}
  const char* Name() const override { return b_.Name(); }
  std::string TypeOf(ir::Type t) const override { return b_.TypeOf(t); }
  std::string JsonType() const override { return b_.JsonType(); }
  std::string JsonText(const std::string& c, const std::string& k) const override {
    return b_.JsonText(c, k);
  }
  std::string ByteOrder(const std::string& e) const override { return b_.ByteOrder(e); }
  std::string WideInt() const override { return b_.WideInt(); }
  std::string FloatLiteral(double v) const override { return b_.FloatLiteral(v); }
  std::string TrimAscii(const std::string& s) const override { return b_.TrimAscii(s); }
  std::string OrderedFloatSum(const std::string& v, const std::string& o) const override {
    return b_.OrderedFloatSum(v, o);
  }
  std::string Round(const std::string& x, const std::string& d) const override {
    return ReplaceAll(b_.Round(x, d), "pg_temp.", schema_ + ".");
  }
  std::string Prelude() const override {
    return ReplaceAll(b_.Prelude(), "pg_temp.", schema_ + ".");
  }
  std::string CreateTables() const override {
    return ReplaceAll(b_.CreateTables(), "CREATE TEMPORARY TABLE ",
                      "CREATE TABLE " + schema_ + ".");
  }

 private:
  const sql::Dialect& b_;
  std::string schema_;
};

// A single-quoted SQL literal.
std::string Literal(const std::string& s) { return "'" + ReplaceAll(s, "'", "''") + "'"; }

// One server of the run (coordinator or shard), naming itself in messages.
struct Server {
  const EngineOptions* e = nullptr;
  std::string role;  // "coordinator", "shard 1", …
  SqlSession conn;

  std::string Who() const {
    return "engine `postgres-sharded`, " + role +
           (e->dsn_var.empty() ? std::string() : " (DSN in `" + e->dsn_var + "`)");
  }
  bool Connect(std::string* err) {
    conn.who = Who();
    std::string setup = "SET client_min_messages = warning; SET extra_float_digits = 1;";
    if (e->timeout_s > 0)
      setup +=
          "SET statement_timeout = " + std::to_string(static_cast<int64_t>(e->timeout_s * 1000)) +
          ";";
    return conn.Connect(e->dsn, setup, err);
  }
  bool Exec(const std::string& sql, const std::string& what, std::string* err) const {
    return conn.Exec(sql, what, err);
  }
  bool Query(const std::string& sql, const std::string& what, size_t columns, Rows* rows,
             std::string* err) const {
    return conn.Query(sql, what, columns, rows, err);
  }
  bool Copy(const std::string& table, const std::string& text, std::string* err) const {
    return conn.Copy(table, text, err);
  }
};

// A shard's connection options for postgres_fdw: server options and the user
// mapping's (user, password, sslpassword), from the shard's DSN; false when it does not parse.
bool FdwOptions(const std::string& dsn, std::string* server, std::string* mapping) {
  char* errmsg = nullptr;
  PQconninfoOption* opts = PQconninfoParse(dsn.c_str(), &errmsg);
  if (errmsg) PQfreemem(errmsg);
  if (!opts) return false;
  static const std::set<std::string> kSkip = {
      "user",        "password", "client_encoding", "fallback_application_name",
      "replication", "passfile"};
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    const std::string k = o->keyword;
    if (k == "user" || k == "password" || k == "sslpassword") {
      *mapping += std::string(mapping->empty() ? "" : ", ") + k + " " + Literal(o->val);
    } else if (!kSkip.count(k)) {
      *server += ", " + k + " " + Literal(o->val);
    }
  }
  PQconninfoFree(opts);
  return true;
}

class ShardedEvaluator final : public eval::Evaluator {
 public:
  ShardedEvaluator(const ir::Program& p, const store::EventStore& s, const eval::Options& o,
                   const ShardedOptions& e)
      : p_(p), s_(s), o_(o), e_(e) {
    Prepared prep = Prepare(p, o);
    error_ = prep.error;
    uses_ = std::move(prep.uses);
    imports_ = std::move(prep.imports);
    if (error_.empty() && e_.shards.empty())
      error_ = "engine `postgres-sharded` needs at least one shard";
  }

  const std::string& error() const override { return error_; }

  eval::Result Run(const store::Profiles& ps) const override {
    eval::Result r;
    if (!error_.empty()) {
      r.error = error_;
      return r;
    }
    std::string err;
    if (!RunAll(ps, &r, &err)) {
      r = eval::Result{};
      r.error = err;
      return r;
    }
    if (o_.profiles_done) o_.profiles_done->fetch_add(ps.count);
    return r;
  }

  std::vector<std::vector<std::string>> Identities(const store::Profiles& ps,
                                                   uint32_t profile) const override {
    if (ids_for_ != &ps || ids_as_of_ != ps.as_of) {
      eval::Result r;
      std::string err;
      ids_.clear();
      if (!error_.empty() || !RunAll(ps, &r, &err))
        return std::vector<std::vector<std::string>>(p_.identities.size());
    }
    auto it = ids_.find(profile);
    if (it == ids_.end()) return std::vector<std::vector<std::string>>(p_.identities.size());
    return it->second;
  }

 private:
  // A per-run name: nothing collides with other runs, everything is dropped at the end.
  static std::string RunName() {
    std::random_device rd;
    char buf[40];
    std::snprintf(buf, sizeof buf, "aud_run_%08x%08x", rd(), rd());
    return buf;
  }

  bool RunAll(const store::Profiles& ps, eval::Result* out, std::string* err) const {
    const std::string run = RunName();
    ShardDialect d(*sql::FindDialect("postgres"), run);
    sql::Query q = sql::Generate(p_, uses_, d, ps.as_of);
    if (!q.error.empty()) {
      *err = q.error;
      return false;
    }
    const uint32_t n = static_cast<uint32_t>(e_.shards.size());
    Server coord;
    coord.e = &e_.coordinator;
    coord.role = "coordinator";
    std::vector<Server> shards(n);
    for (uint32_t k = 0; k < n; ++k) {
      shards[k].e = &e_.shards[k];
      shards[k].role = "shard " + std::to_string(k + 1);
    }
    if (!coord.Connect(err)) return false;
    if (!coord.Exec("CREATE EXTENSION IF NOT EXISTS postgres_fdw",
                    "creating extension postgres_fdw", err)) {
      *err +=
          " (the coordinator needs postgres_fdw, in PostgreSQL's contrib, and a role allowed "
          "to create it)";
      return false;
    }
    // Placement: profile → shard, recorded on the coordinator.
    std::vector<uint32_t> shard_of(ps.count);
    std::string placement;
    for (uint32_t pid = 0; pid < ps.count; ++pid) {
      shard_of[pid] = ShardOf(ps.key[pid], n);
      Table t;
      t.rows.push_back({std::to_string(pid), ps.key[pid], std::to_string(shard_of[pid])});
      placement += CopyText(t);
    }
    if (!coord.Exec("CREATE TEMPORARY TABLE aud_placement (pid BIGINT PRIMARY KEY, key TEXT NOT "
                    "NULL, shard INT NOT NULL)",
                    "creating table `aud_placement`", err) ||
        !coord.Copy("aud_placement", placement, err))
      return false;
    // Each shard's rows of the layout (aud_imports stays with the coordinator).
    std::vector<Table> tables = BuildTables(p_, s_, ps, imports_);
    std::vector<std::vector<std::string>> text(n, std::vector<std::string>(4));
    for (size_t t = 0; t < 4 && t < tables.size(); ++t) {
      std::vector<Table> parts(n);
      for (Row& row : tables[t].rows) {
        uint32_t pid = 0;
        if (!row.empty() && row[0]) pid = static_cast<uint32_t>(std::stoul(*row[0]));
        if (pid >= ps.count) {
          *err = "engine `postgres-sharded`: a layout row has a bad profile id";
          return false;
        }
        parts[shard_of[pid]].rows.push_back(std::move(row));
      }
      for (uint32_t k = 0; k < n; ++k) text[k][t] = CopyText(parts[k]);
    }
    // Load and deploy on every shard in parallel.
    std::vector<std::string> errs(n);
    {
      std::vector<std::thread> threads;
      for (uint32_t k = 0; k < n; ++k)
        threads.emplace_back([&, k] {
          Server& s = shards[k];
          std::string& e = errs[k];
          if (!s.Connect(&e)) return;
          if (!s.Exec("CREATE SCHEMA " + run + "; SET search_path = " + run + ";\n" +
                          d.CreateTables() + d.Prelude(),
                      "creating the tables", &e))
            return;
          for (size_t t = 0; t < 4 && t < tables.size(); ++t)
            if (!s.Copy(run + "." + tables[t].name, text[k][t], &e)) return;
          s.Exec("ANALYZE " + run + ".aud_events; ANALYZE " + run + ".aud_traits; ANALYZE " + run +
                     ".aud_ids; CREATE VIEW " + run + ".aud_members AS " + q.members +
                     ";\nCREATE VIEW " + run + ".aud_identities AS " + q.identities,
                 "deploying the views", &e);
        });
      for (auto& t : threads) t.join();
    }
    bool ok = true;
    for (uint32_t k = 0; k < n && ok; ++k)
      if (!errs[k].empty()) {
        *err = errs[k];
        ok = false;
      }
    if (ok) ok = ReadResults(coord, shards, run, q, ps, out, err);
    // Clean up everything the run created (also after a failure).
    std::string ignored;
    if (coord.conn.c && PQstatus(coord.conn.c) == CONNECTION_OK)
      for (uint32_t k = 0; k < n; ++k)
        coord.Exec("DROP SCHEMA IF EXISTS " + run + "_s" + std::to_string(k) +
                       " CASCADE; DROP SERVER IF EXISTS " + run + "_s" + std::to_string(k) +
                       " CASCADE",
                   "cleaning up", &ignored);
    for (Server& s : shards)
      if (s.conn.c && PQstatus(s.conn.c) == CONNECTION_OK)
        s.Exec("DROP SCHEMA IF EXISTS " + run + " CASCADE", "cleaning up", &ignored);
    return ok;
  }

  // Foreign tables on the coordinator over the shards' views; the union of their rows.
  bool ReadResults(Server& coord, std::vector<Server>& shards, const std::string& run,
                   const sql::Query& q, const store::Profiles& ps, eval::Result* out,
                   std::string* err) const {
    std::string members, identities;
    for (size_t k = 0; k < shards.size(); ++k) {
      const std::string local = run + "_s" + std::to_string(k);
      std::string server_opts, mapping;
      if (!FdwOptions(shards[k].e->dsn, &server_opts, &mapping)) {
        *err = shards[k].Who() + ": the DSN is not a valid libpq connection string";
        return false;
      }
      std::string sql = "CREATE SERVER " + local +
                        " FOREIGN DATA WRAPPER postgres_fdw OPTIONS (async_capable 'true', "
                        "fetch_size '10000'" +
                        server_opts + ");\nCREATE USER MAPPING FOR CURRENT_USER SERVER " + local +
                        (mapping.empty() ? "" : " OPTIONS (" + mapping + ")") +
                        ";\nCREATE SCHEMA " + local + ";\nIMPORT FOREIGN SCHEMA " + run +
                        " LIMIT TO (aud_members, aud_identities) FROM SERVER " + local + " INTO " +
                        local;
      // Never echo the statement: it holds the shard's password.
      if (!coord.Exec(sql, "creating the foreign tables of " + shards[k].role, err)) return false;
      members += std::string(k ? "\nUNION ALL " : "") + "SELECT * FROM " + local + ".aud_members";
      identities +=
          std::string(k ? "\nUNION ALL " : "") + "SELECT * FROM " + local + ".aud_identities";
    }
    if (e_.members_plan) {
      Rows plan;
      if (!coord.Query("EXPLAIN (VERBOSE) " + members, "EXPLAIN of the members query", 1, &plan,
                       err))
        return false;
      e_.members_plan->clear();
      for (const auto& row : plan) *e_.members_plan += (row[0] ? *row[0] : "") + "\n";
    }
    Rows rows;
    if (!coord.Query(members, "the members query", 1 + q.formulas.size(), &rows, err)) return false;
    if (!FillResult(p_, uses_, q, rows, ps.count, out)) {
      *err = coord.Who() + ": " + out->error;
      return false;
    }
    Rows idrows;
    if (!coord.Query(identities, "the identities query", 3, &idrows, err)) return false;
    ids_ = ParseIdentities(p_, idrows);
    ids_for_ = &ps;
    ids_as_of_ = ps.as_of;
    // Imported lists: an entry is matched when some profile, on any shard, has it.
    out->imports.assign(p_.imports.size(), eval::ImportStats{});
    for (uint32_t i : q.used_imports) {
      const uint32_t identity = p_.imports[i].identity;
      std::set<std::string> have;
      for (const auto& [pid, v] : ids_)
        if (identity < v.size()) have.insert(v[identity].begin(), v[identity].end());
      eval::ImportStats& st = out->imports[i];
      st.entries = imports_[i].size();
      for (const std::string& v : imports_[i]) st.matched += have.count(v);
      st.unmatched = st.entries - st.matched;
    }
    return true;
  }

  const ir::Program& p_;
  const store::EventStore& s_;
  eval::Options o_;
  ShardedOptions e_;
  ir::Uses uses_;
  std::string error_;
  std::vector<std::vector<std::string>> imports_;
  mutable std::map<uint32_t, std::vector<std::vector<std::string>>> ids_;
  mutable const store::Profiles* ids_for_ = nullptr;
  mutable int64_t ids_as_of_ = 0;
};

}  // namespace

std::unique_ptr<eval::Evaluator> MakePostgresSharded(const ir::Program& program,
                                                     const store::EventStore& store,
                                                     const eval::Options& options,
                                                     const ShardedOptions& engine) {
  return std::make_unique<ShardedEvaluator>(program, store, options, engine);
}

}  // namespace aud::sql_engine
