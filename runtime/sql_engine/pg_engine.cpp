// The PostgreSQL evaluator (pg_engine.h).

#include "runtime/sql_engine/pg_engine.h"

#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "compiler/sql/sql.h"
#include "runtime/eval/bound.h"
#include "runtime/sql_engine/layout.h"
#include "runtime/sql_engine/sql_session.h"

namespace aud::sql_engine {

namespace {

bool ParseU32(const std::string& s, uint32_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
bool ParseI64(const std::string& s, int64_t* out) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}
bool ParseFloat(const std::string& s, double* out) {
  if (s == "Infinity")
    *out = HUGE_VAL;
  else if (s == "-Infinity")
    *out = -HUGE_VAL;
  else if (s == "NaN")
    *out = std::nan("");
  else {
    auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }
  return true;
}

}  // namespace

bool FillResult(const ir::Program& p_, const ir::Uses& uses_, const sql::Query& q, const Rows& rows,
                uint32_t count, eval::Result* out) {
  eval::Result& r = *out;
  struct {
    uint32_t count;
  } ps{count};
  r.profiles = ps.count;
  r.evaluated = uses_.formulas;
  r.members.resize(p_.formulas.size());
  r.values.resize(p_.formulas.size());
  for (uint32_t f : q.formulas) {
    const ir::Formula& fm = p_.formulas[f];
    if (fm.kind != ir::FormulaKind::Attribute) {
      r.members[f].Resize(ps.count);
      continue;
    }
    eval::Column& c = r.values[f];
    c.type = fm.type;
    c.valid.Resize(ps.count);
    switch (fm.type) {
      case ir::Type::Float: c.floats.assign(ps.count, 0); break;
      case ir::Type::String: c.strings.assign(ps.count, std::string()); break;
      default: c.ints.assign(ps.count, 0); break;
    }
  }
  for (const auto& row : rows) {
    uint32_t pid = 0;
    if (!row[0] || !ParseU32(*row[0], &pid) || pid >= ps.count) {
      r.error = "the members query returned a row with a bad profile id";
      return false;
    }
    for (size_t k = 0; k < q.formulas.size(); ++k) {
      const uint32_t f = q.formulas[k];
      const ir::Formula& fm = p_.formulas[f];
      const auto& v = row[1 + k];
      if (fm.kind != ir::FormulaKind::Attribute) {
        if (v && *v == "t") r.members[f].Set(pid);
        continue;
      }
      if (!v) continue;
      eval::Column& c = r.values[f];
      bool ok = true;
      switch (fm.type) {
        case ir::Type::Float: ok = ParseFloat(*v, &c.floats[pid]); break;
        case ir::Type::String: c.strings[pid] = *v; break;
        case ir::Type::Bool: c.ints[pid] = *v == "t" ? 1 : 0; break;
        case ir::Type::Int:
        case ir::Type::Timestamp:
        case ir::Type::Duration: ok = ParseI64(*v, &c.ints[pid]); break;
      }
      if (!ok) {
        r.error = "attribute `" + fm.name + "` has a value aud cannot read";
        return false;
      }
      c.valid.Set(pid);
    }
  }
  return true;
}

void FillImports(const ir::Program& p_, const Rows& irows, eval::Result* out) {
  eval::Result& r = *out;
  for (const auto& row : irows) {
    uint32_t i = 0;
    int64_t entries = 0, matched = 0;
    if (!row[0] || !ParseU32(*row[0], &i) || i >= p_.imports.size() || !row[1] ||
        !ParseI64(*row[1], &entries) || !row[2] || !ParseI64(*row[2], &matched))
      continue;
    r.imports[i].entries = static_cast<uint64_t>(entries);
    r.imports[i].matched = static_cast<uint64_t>(matched);
    r.imports[i].unmatched = r.imports[i].entries - r.imports[i].matched;
  }
}

std::map<uint32_t, std::vector<std::vector<std::string>>> ParseIdentities(const ir::Program& p_,
                                                                          const Rows& rows) {
  std::map<uint32_t, std::vector<std::vector<std::string>>> ids_;
  for (const auto& row : rows) {
    uint32_t pid = 0, id = 0;
    if (!row[0] || !row[1] || !row[2] || !ParseU32(*row[0], &pid) || !ParseU32(*row[1], &id) ||
        id >= p_.identities.size())
      continue;
    auto& v = ids_[pid];
    if (v.empty()) v.resize(p_.identities.size());
    v[id].push_back(*row[2]);
  }
  for (auto& [pid, v] : ids_)
    for (auto& values : v) {
      std::sort(values.begin(), values.end());
      values.erase(std::unique(values.begin(), values.end()), values.end());
    }
  return ids_;
}

Prepared Prepare(const ir::Program& p, const eval::Options& o) {
  Prepared out;
  std::vector<uint32_t> roots;
  if (o.only.empty()) {
    for (uint32_t f = 0; f < p.formulas.size(); ++f) roots.push_back(f);
  } else {
    for (const std::string& n : o.only) {
      if (p.FindFormula(n) == ir::kNone) {
        out.error = "unknown segment, audience or consent `" + n + "`";
        return out;
      }
      roots.push_back(static_cast<uint32_t>(p.FindFormula(n)));
    }
  }
  out.uses = ir::UsesOfFormulas(p, roots);
  // Imported lists: read and normalized by the coordinator, like the interpreter.
  out.imports.assign(p.imports.size(), {});
  for (size_t i = 0; i < p.imports.size(); ++i) {
    if (!out.uses.imports[i]) continue;
    std::string path = p.imports[i].path;
    if (!path.empty() && path[0] != '/') path = o.project_dir + "/" + path;
    eval::BoundImport b;
    if (!eval::ReadImport(path, p.identities[p.imports[i].identity].normalize, &b, &out.error))
      return out;
    out.imports[i] = std::move(b.entries);
  }
  return out;
}

namespace {

class PgEvaluator final : public eval::Evaluator {
 public:
  PgEvaluator(const ir::Program& p, const store::EventStore& s, const eval::Options& o,
              const EngineOptions& e)
      : p_(p), s_(s), o_(o), e_(e) {
    Prepared prep = Prepare(p, o);
    error_ = prep.error;
    uses_ = std::move(prep.uses);
    imports_ = std::move(prep.imports);
  }

  const std::string& error() const override { return error_; }

  eval::Result Run(const store::Profiles& ps) const override {
    eval::Result r;
    if (!error_.empty()) {
      r.error = error_;
      return r;
    }
    const sql::Dialect& d = *sql::FindDialect("postgres");
    sql::Query q = sql::Generate(p_, uses_, d, ps.as_of);
    if (!q.error.empty()) {
      r.error = q.error;
      return r;
    }
    SqlSession conn;
    std::string err;
    if (!Load(ps, conn, &err)) {
      r.error = err;
      return r;
    }
    // Members and attributes.
    Rows rows;
    if (!conn.Query(q.members, "the members query", 1 + q.formulas.size(), &rows, &err)) {
      r.error = err;
      return r;
    }
    if (!FillResult(p_, uses_, q, rows, ps.count, &r)) {
      r.error = Who() + ": " + r.error;
      return r;
    }
    // Imported lists.
    r.imports.assign(p_.imports.size(), eval::ImportStats{});
    if (!q.imports.empty()) {
      Rows irows;
      if (!conn.Query(q.imports, "the imported-lists query", 3, &irows, &err)) {
        r.error = err;
        return r;
      }
      FillImports(p_, irows, &r);
    }
    // Identities of every profile (for Identities()).
    if (!LoadIdentities(conn, q, ps, &err)) {
      r.error = err;
      return r;
    }
    if (o_.profiles_done) o_.profiles_done->fetch_add(ps.count);
    return r;
  }

  std::vector<std::vector<std::string>> Identities(const store::Profiles& ps,
                                                   uint32_t profile) const override {
    if (ids_for_ != &ps || ids_as_of_ != ps.as_of) {
      // Not loaded by Run for these profiles: load and query now.
      ids_.clear();
      sql::Query q = sql::Generate(p_, uses_, *sql::FindDialect("postgres"), ps.as_of);
      SqlSession conn;
      std::string err;
      if (!Load(ps, conn, &err) || !LoadIdentities(conn, q, ps, &err)) {
        ids_error_ = err;
        return std::vector<std::vector<std::string>>(p_.identities.size());
      }
    }
    auto it = ids_.find(profile);
    if (it == ids_.end()) return std::vector<std::vector<std::string>>(p_.identities.size());
    return it->second;
  }

 private:
  std::string Who() const {
    return "engine `postgres`" +
           (e_.dsn_var.empty() ? std::string() : " (DSN in `" + e_.dsn_var + "`)");
  }

  // Connects and loads the layout's tables (temporary: they go with the session).
  bool Load(const store::Profiles& ps, SqlSession& conn, std::string* err) const {
    conn.who = Who();
    const sql::Dialect& d = *sql::FindDialect("postgres");
    std::string setup = "SET client_min_messages = warning; SET search_path = pg_temp;\n";
    if (e_.timeout_s > 0)
      setup +=
          "SET statement_timeout = " + std::to_string(static_cast<int64_t>(e_.timeout_s * 1000)) +
          ";\n";
    if (!conn.Connect(e_.dsn, setup, err) ||
        !conn.Exec(d.CreateTables() + d.Prelude(), "creating the tables", err))
      return false;
    for (const Table& t : BuildTables(p_, s_, ps, imports_))
      if (!conn.Copy(t.name, CopyText(t), err)) return false;
    return conn.Exec("ANALYZE aud_events; ANALYZE aud_traits; ANALYZE aud_ids;",
                     "analyzing the tables", err);
  }

  bool LoadIdentities(const SqlSession& conn, const sql::Query& q, const store::Profiles& ps,
                      std::string* err) const {
    Rows rows;
    if (!conn.Query(q.identities, "the identities query", 3, &rows, err)) return false;
    ids_ = ParseIdentities(p_, rows);
    ids_for_ = &ps;
    ids_as_of_ = ps.as_of;
    return true;
  }

  const ir::Program& p_;
  const store::EventStore& s_;
  eval::Options o_;
  EngineOptions e_;
  ir::Uses uses_;
  std::string error_;
  std::vector<std::vector<std::string>> imports_;
  mutable std::map<uint32_t, std::vector<std::vector<std::string>>> ids_;
  mutable const store::Profiles* ids_for_ = nullptr;
  mutable int64_t ids_as_of_ = 0;
  mutable std::string ids_error_;
};

}  // namespace

std::unique_ptr<eval::Evaluator> MakePostgres(const ir::Program& program,
                                              const store::EventStore& store,
                                              const eval::Options& options,
                                              const EngineOptions& engine) {
  return std::make_unique<PgEvaluator>(program, store, options, engine);
}

}  // namespace aud::sql_engine
