// The built-in profile store on PostgreSQL (`[connections.profile_store]
// dsn = ...`): the same tables, rules and status transitions as the SQLite
// store (profile_store.cpp, README.md "profile_store"), in the schema
// `aud_profiles` (`aud_profiles_<env>` for an environment), written through
// libpq. Every batch is one transaction; times are the publication's
// applied_at, so a re-sent batch writes identical rows.

#include <nlohmann/json.hpp>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/pg_session.h"
#include "runtime/connectors/postgres.h"
#include "runtime/connectors/profile_store.h"

namespace aud::connectors {

namespace {

std::string SchemaOf(const std::string& environment) {
  return environment.empty() ? "aud_profiles" : "aud_profiles_" + environment;
}

std::string Q(const std::string& schema) { return "\"" + schema + "\""; }

std::string CreateSql(const std::string& schema) {
  const std::string s = Q(schema);
  return "CREATE SCHEMA IF NOT EXISTS " + s + ";" + "CREATE TABLE IF NOT EXISTS " + s +
         ".profiles(key text PRIMARY KEY, updated_at bigint NOT NULL);"
         "CREATE TABLE IF NOT EXISTS " +
         s +
         ".identities(namespace text NOT NULL, value text NOT NULL, profile text NOT NULL, kind "
         "text NOT NULL CHECK (kind IN ('declared', 'visitor')), PRIMARY KEY (namespace, value));"
         "CREATE INDEX IF NOT EXISTS identities_profile ON " +
         s + ".identities(profile);CREATE INDEX IF NOT EXISTS identities_value ON " + s +
         ".identities(value);CREATE TABLE IF NOT EXISTS " + s +
         ".traits(profile text NOT NULL, name text NOT NULL, value text NOT NULL, PRIMARY KEY "
         "(profile, name));CREATE TABLE IF NOT EXISTS " +
         s +
         ".audiences(name text PRIMARY KEY, description text NOT NULL, labels text NOT NULL, "
         "updated_at bigint NOT NULL);CREATE TABLE IF NOT EXISTS " +
         s +
         ".memberships(audience text NOT NULL, profile text NOT NULL, status text NOT NULL CHECK "
         "(status IN ('realized', 'existing', 'exited')), qualified_at bigint NOT NULL, exited_at "
         "bigint, updated_at bigint NOT NULL, attributes text NOT NULL, PRIMARY KEY (audience, "
         "profile));CREATE INDEX IF NOT EXISTS memberships_profile ON " +
         s + ".memberships(profile);";
}

std::string LabelsJsonOf(const std::vector<std::string>& labels) {
  nlohmann::json j = labels;
  return j.dump();
}

std::vector<std::string> ParseLabelsOf(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

class PgProfileStore final : public Connector {
 public:
  PgProfileStore(const std::string& name, const PgTarget& target, Secret dsn,
                 const std::string& environment)
      : name_(name),
        schema_(SchemaOf(environment)),
        session_("connection `" + name + "`", target.dsn_var, std::move(dsn), target.timeout_s) {}

  Limits limits() const override { return Limits{1000, 1}; }

  std::string Begin(const Publication& pub) override {
    std::string error;
    if (!Ready(&error)) return error;
    if (!Transaction([&](std::string* e) { return UpsertAudience(pub, e); }, &error)) return error;
    return "";
  }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    BatchResult result;
    for (int attempt = 1;; ++attempt) {
      result = BatchResult{};
      result.attempts = static_cast<uint32_t>(attempt);
      std::string error;
      if (Ready(&error) &&
          Transaction([&](std::string* e) { return ApplyBatch(pub, batch, &result, e); }, &error))
        return result;
      result = BatchResult{};
      result.error = error;
      result.auth_error = session_.failure() == PgFailure::Auth;
      if (attempt == 2 || session_.failure() != PgFailure::Lost) return result;
    }
  }

 private:
  bool Ready(std::string* error) {
    if (!session_.Connect(error)) return false;
    if (created_) return true;
    if (!session_.Exec("BEGIN; SELECT pg_advisory_xact_lock(hashtext('aud profile store " +
                           schema_ + "'));" + CreateSql(schema_) + "COMMIT",
                       error)) {
      std::string ignored;
      session_.Exec("ROLLBACK", &ignored);
      return false;
    }
    created_ = true;
    return true;
  }

  template <typename F>
  bool Transaction(F body, std::string* error) {
    if (!session_.Exec("BEGIN", error)) return false;
    if (body(error) && session_.Exec("COMMIT", error)) return true;
    std::string ignored;
    session_.Exec("ROLLBACK", &ignored);
    return false;
  }

  bool Run(const std::string& sql, const std::vector<std::optional<std::string>>& params,
           std::string* error, PgRows* rows = nullptr) {
    return session_.Exec(sql, params, rows, error);
  }
  std::string T(const std::string& table) const { return Q(schema_) + "." + table; }

  bool UpsertAudience(const Publication& pub, std::string* error) {
    return Run("INSERT INTO " + T("audiences") +
                   "(name, description, labels, updated_at) VALUES($1, $2, $3, $4::bigint) ON "
                   "CONFLICT(name) DO UPDATE SET description = $2, labels = $3, updated_at = "
                   "$4::bigint",
               {pub.audience, pub.audience_description, LabelsJsonOf(pub.labels),
                std::to_string(pub.applied_at)},
               error);
  }

  bool UpsertRow(const Publication& pub, const Row& row, std::string* error) {
    const std::string t = std::to_string(pub.applied_at);
    if (!Run("INSERT INTO " + T("profiles") +
                 "(key, updated_at) VALUES($1, $2::bigint) ON CONFLICT(key) DO UPDATE SET "
                 "updated_at = $2::bigint",
             {row.key, t}, error))
      return false;
    for (const IdentityValues& iv : row.identities) {
      if (!Run("DELETE FROM " + T("identities") + " WHERE profile = $1 AND namespace = $2",
               {row.key, iv.ns}, error))
        return false;
      for (const std::string& v : iv.values)
        if (!Run("INSERT INTO " + T("identities") +
                     "(namespace, value, profile, kind) VALUES($1, $2, $3, $4) ON "
                     "CONFLICT(namespace, value) DO UPDATE SET profile = $3, kind = $4",
                 {iv.ns, v, row.key, std::string(iv.visitor ? "visitor" : "declared")}, error))
          return false;
    }
    if (!Run("DELETE FROM " + T("traits") + " WHERE profile = $1", {row.key}, error)) return false;
    for (const Field& f : row.traits)
      if (f.value.kind != Value::Null &&
          !Run("INSERT INTO " + T("traits") +
                   "(profile, name, value) VALUES($1, $2, $3) ON CONFLICT(profile, name) DO "
                   "UPDATE SET value = $3",
               {row.key, f.name, ValueToJson(f.value)}, error))
        return false;
    std::string status = "realized";
    std::string qualified_at = t;
    PgRows rows;
    if (!Run("SELECT status, qualified_at FROM " + T("memberships") +
                 " WHERE audience = $1 AND profile = $2",
             {pub.audience, row.key}, error, &rows))
      return false;
    if (!rows.empty() && rows[0][0] != "exited" && rows[0][1] != t) {
      status = "existing";
      qualified_at = rows[0][1];
    }
    return Run("INSERT INTO " + T("memberships") +
                   "(audience, profile, status, qualified_at, exited_at, updated_at, attributes) "
                   "VALUES($1, $2, $3, $4::bigint, NULL, $5::bigint, $6) ON CONFLICT(audience, "
                   "profile) DO UPDATE SET status = $3, qualified_at = $4::bigint, exited_at = "
                   "NULL, updated_at = $5::bigint, attributes = $6",
               {pub.audience, row.key, status, qualified_at, t, FieldsJson(row.fields)}, error);
  }

  bool ApplyBatch(const Publication& pub, const Batch& batch, BatchResult* result,
                  std::string* error) {
    if (!batch.drop && !UpsertAudience(pub, error)) return false;
    for (const Row& row : batch.upserts) {
      if (row.key.empty() || row.key.find('\0') != std::string::npos) {
        result->rejected.push_back({row.key, "empty profile key or a NUL character"});
        continue;
      }
      if (!UpsertRow(pub, row, error)) return false;
    }
    for (const std::string& key : batch.removes)
      if (key.find('\0') == std::string::npos &&
          !Run("UPDATE " + T("memberships") +
                   " SET status = 'exited', exited_at = $3::bigint, updated_at = $3::bigint "
                   "WHERE audience = $1 AND profile = $2 AND status <> 'exited'",
               {pub.audience, key, std::to_string(pub.applied_at)}, error))
        return false;
    if (batch.drop) {
      if (!Run("DELETE FROM " + T("memberships") + " WHERE audience = $1", {pub.audience}, error) ||
          !Run("DELETE FROM " + T("audiences") + " WHERE name = $1", {pub.audience}, error) ||
          !Run("DELETE FROM " + T("identities") + " WHERE profile NOT IN (SELECT profile FROM " +
                   T("memberships") + ")",
               {}, error) ||
          !Run("DELETE FROM " + T("traits") + " WHERE profile NOT IN (SELECT profile FROM " +
                   T("memberships") + ")",
               {}, error) ||
          !Run("DELETE FROM " + T("profiles") + " WHERE key NOT IN (SELECT profile FROM " +
                   T("memberships") + ")",
               {}, error))
        return false;
    }
    return true;
  }

  std::string name_, schema_;
  PgSession session_;
  bool created_ = false;
};

class PgReader final : public ProfileStoreReader {
 public:
  PgReader(std::unique_ptr<PgSession> session, std::string schema)
      : session_(std::move(session)), schema_(std::move(schema)) {}

  std::vector<std::string> FindProfiles(const std::string& text, std::string* error) override {
    std::vector<std::string> out;
    PgRows rows;
    if (!Q1("SELECT key FROM " + T("profiles") + " WHERE key = $1", {text}, &rows, error))
      return out;
    if (!rows.empty()) out.push_back(text);
    if (!Q1("SELECT DISTINCT profile FROM " + T("identities") + " WHERE value = $1 ORDER BY 1",
            {text}, &rows, error))
      return out;
    for (const auto& r : rows)
      if (r[0] != text) out.push_back(r[0]);
    return out;
  }

  std::optional<StoredProfile> GetProfile(const std::string& key, std::string* error) override {
    StoredProfile p;
    p.key = key;
    PgRows rows;
    if (!Q1("SELECT updated_at FROM " + T("profiles") + " WHERE key = $1", {key}, &rows, error) ||
        rows.empty())
      return std::nullopt;
    p.updated_at = std::stoll(rows[0][0]);
    if (!Q1("SELECT namespace, value, kind FROM " + T("identities") +
                " WHERE profile = $1 ORDER BY namespace COLLATE \"C\", value COLLATE \"C\"",
            {key}, &rows, error))
      return std::nullopt;
    for (const auto& r : rows) p.identities.push_back({r[0], r[1], r[2] == "visitor"});
    if (!Q1("SELECT name, value FROM " + T("traits") +
                " WHERE profile = $1 ORDER BY name COLLATE \"C\"",
            {key}, &rows, error))
      return std::nullopt;
    for (const auto& r : rows) p.traits.push_back({r[0], r[1]});
    if (!Q1("SELECT m.audience, m.status, m.qualified_at, m.exited_at, m.updated_at, "
            "m.attributes, a.labels, a.description, m.exited_at IS NULL, a.labels IS NULL FROM " +
                T("memberships") + " m LEFT JOIN " + T("audiences") +
                " a ON a.name = m.audience WHERE m.profile = $1 ORDER BY m.audience COLLATE \"C\"",
            {key}, &rows, error))
      return std::nullopt;
    for (const auto& r : rows) {
      StoredMembership sm;
      sm.audience = r[0];
      sm.status = r[1];
      sm.qualified_at = std::stoll(r[2]);
      if (r[8] != "t") sm.exited_at = std::stoll(r[3]);
      sm.updated_at = std::stoll(r[4]);
      sm.attributes_json = r[5];
      if (r[9] != "t") sm.labels = ParseLabelsOf(r[6]);
      sm.description = r[7];
      p.memberships.push_back(std::move(sm));
    }
    return p;
  }

  std::vector<std::string> CurrentMembers(const std::string& audience,
                                          std::string* error) override {
    std::vector<std::string> out;
    PgRows rows;
    if (!Q1("SELECT profile FROM " + T("memberships") +
                " WHERE audience = $1 AND status <> 'exited' ORDER BY profile COLLATE \"C\"",
            {audience}, &rows, error))
      return out;
    for (const auto& r : rows) out.push_back(r[0]);
    return out;
  }

  std::vector<StoredAudience> Audiences(std::string* error) override {
    std::vector<StoredAudience> out;
    PgRows rows;
    if (!Q1("SELECT name, description, labels, updated_at FROM " + T("audiences") +
                " ORDER BY name COLLATE \"C\"",
            {}, &rows, error))
      return out;
    for (const auto& r : rows) out.push_back({r[0], r[1], ParseLabelsOf(r[2]), std::stoll(r[3])});
    return out;
  }

  std::string Dump(std::string* error) override {
    const std::string c = " COLLATE \"C\"";
    const std::string queries[] = {
        "SELECT 'profiles', key, updated_at FROM " + T("profiles") + " ORDER BY key" + c,
        "SELECT 'identities', namespace, value, profile, kind FROM " + T("identities") +
            " ORDER BY namespace" + c + ", value" + c,
        "SELECT 'traits', profile, name, value FROM " + T("traits") + " ORDER BY profile" + c +
            ", name" + c,
        "SELECT 'audiences', name, description, labels, updated_at FROM " + T("audiences") +
            " ORDER BY name" + c,
        "SELECT 'memberships', audience, profile, status, qualified_at, coalesce(exited_at::text, "
        "'NULL'), updated_at, attributes FROM " +
            T("memberships") + " ORDER BY audience" + c + ", profile" + c,
    };
    std::string out;
    for (const auto& q : queries) {
      PgRows rows;
      if (!Q1(q, {}, &rows, error)) return out;
      for (const auto& r : rows) {
        std::string line;
        for (size_t i = 0; i < r.size(); ++i) line += (i ? "|" : "") + r[i];
        out += line + "\n";
      }
    }
    return out;
  }

 private:
  bool Q1(const std::string& sql, const std::vector<std::optional<std::string>>& params,
          PgRows* rows, std::string* error) {
    return session_->Exec(sql, params, rows, error);
  }
  std::string T(const std::string& table) const { return Q(schema_) + "." + table; }

  std::unique_ptr<PgSession> session_;
  std::string schema_;
};

}  // namespace

std::unique_ptr<Connector> MakePgProfileStore(const config::Connection& connection,
                                              const Context& ctx, std::string* error) {
  PgTarget target;
  Secret dsn;
  if (!ReadPgTarget(connection, ctx, &target, &dsn, error)) return nullptr;
  return std::make_unique<PgProfileStore>(connection.name, std::move(target), std::move(dsn),
                                          ctx.environment);
}

std::unique_ptr<ProfileStoreReader> OpenPgProfileStore(const config::Connection& connection,
                                                       const Context& ctx, std::string* error) {
  PgTarget target;
  Secret dsn;
  if (!ReadPgTarget(connection, ctx, &target, &dsn, error)) return nullptr;
  auto session = std::make_unique<PgSession>("connection `" + connection.name + "`", target.dsn_var,
                                             std::move(dsn), target.timeout_s);
  if (!session->Connect(error)) return nullptr;
  const std::string schema = SchemaOf(ctx.environment);
  PgRows rows;
  if (!session->Exec("SELECT 1 FROM pg_namespace WHERE nspname = $1", {schema}, &rows, error))
    return nullptr;
  if (rows.empty()) {
    *error = "no profile store in PostgreSQL (connection `" + connection.name + "`, schema `" +
             schema + "`): nothing has been applied to `profile_store`";
    return nullptr;
  }
  return std::make_unique<PgReader>(std::move(session), schema);
}

void ReadBackPgProfileStore(const config::Connection& connection, const Context& ctx,
                            const std::string& audience, ReadBack* out) {
  PgTarget target;
  Secret dsn;
  out->readable = true;
  const std::string schema = SchemaOf(ctx.environment);
  out->where = "schema `" + schema + "` (connection `" + connection.name + "`)";
  if (!ReadPgTarget(connection, ctx, &target, &dsn, &out->error)) return;
  PgSession session("connection `" + connection.name + "`", target.dsn_var, std::move(dsn),
                    target.timeout_s);
  if (!session.Connect(&out->error)) return;
  PgRows rows;
  std::string error;
  if (!session.Exec("SELECT profile, attributes FROM " + Q(schema) +
                        ".memberships WHERE audience = $1 AND status <> 'exited'",
                    {audience}, &rows, &error)) {
    // No store yet: it holds nothing.
    if (session.failure() != PgFailure::UndefinedTable &&
        session.failure() != PgFailure::MissingSchema)
      out->error = error;
    return;
  }
  for (const auto& r : rows) out->rows.emplace(r[0], r[1]);
}

}  // namespace aud::connectors
