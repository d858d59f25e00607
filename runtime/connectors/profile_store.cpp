// The `profile_store` connector: the real-time profile store in SQLite
// `.aud/profiles.db` (WAL, synchronous=FULL), and its read-only reader.
// Schema and status rules: runtime/connectors/README.md. Every batch is one
// transaction, and every time written is the publication's applied_at (never
// the wall clock), so a batch re-sent after a crash leaves identical rows.
#include "runtime/connectors/profile_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <system_error>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/postgres.h"

namespace aud::connectors {

namespace {

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS profiles(
  key TEXT PRIMARY KEY,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS identities(
  namespace TEXT NOT NULL,
  value TEXT NOT NULL,
  profile TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('declared', 'visitor')),
  PRIMARY KEY (namespace, value)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS identities_profile ON identities(profile);
CREATE INDEX IF NOT EXISTS identities_value ON identities(value);
CREATE TABLE IF NOT EXISTS traits(
  profile TEXT NOT NULL,
  name TEXT NOT NULL,
  value TEXT NOT NULL,
  PRIMARY KEY (profile, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audiences(
  name TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  labels TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS memberships(
  audience TEXT NOT NULL,
  profile TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('realized', 'existing', 'exited')),
  qualified_at INTEGER NOT NULL,
  exited_at INTEGER,
  updated_at INTEGER NOT NULL,
  attributes TEXT NOT NULL,
  PRIMARY KEY (audience, profile)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS memberships_profile ON memberships(profile);
)sql";

// A prepared statement, reset for every use.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(s_); }

  bool Prepare(sqlite3* db, const char* sql) {
    return sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
  }
  Stmt& Reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
    return *this;
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& BindNull(int i) {
    sqlite3_bind_null(s_, i);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(s_); }
  bool Run() {
    int rc = Step();
    sqlite3_reset(s_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }
  std::string Text(int col) const {
    auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  int Columns() const { return sqlite3_column_count(s_); }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string DbError(sqlite3* db) { return db ? sqlite3_errmsg(db) : "out of memory"; }

bool Exec(sqlite3* db, const char* sql, std::string* error) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) == SQLITE_OK) return true;
  *error = msg ? msg : DbError(db);
  sqlite3_free(msg);
  return false;
}

std::string LabelsJson(const std::vector<std::string>& labels) {
  std::string out = "[";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out.push_back(',');
    AppendJsonString(labels[i], &out);
  }
  out.push_back(']');
  return out;
}

std::vector<std::string> ParseLabels(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& e : j)
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

int SchemaVersion(sqlite3* db) {
  Stmt s;
  if (!s.Prepare(db, "PRAGMA user_version") || s.Step() != SQLITE_ROW) return -1;
  return static_cast<int>(s.Int(0));
}

class ProfileStore final : public Connector {
 public:
  explicit ProfileStore(sqlite3* db) : db_(db) {}
  ~ProfileStore() override {
    // Statements first: a connection with live statements does not close.
    stmts_.reset();
    sqlite3_close(db_);
  }

  bool Init(std::string* error) {
    stmts_ = std::make_unique<Statements>();
    Statements& s = *stmts_;
    const std::pair<Stmt*, const char*> all[] = {
        {&s.begin, "BEGIN IMMEDIATE"},
        {&s.commit, "COMMIT"},
        {&s.rollback, "ROLLBACK"},
        {&s.upsert_audience,
         "INSERT INTO audiences(name, description, labels, updated_at) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(name) DO UPDATE SET description = ?2, labels = ?3, updated_at = ?4"},
        {&s.upsert_profile,
         "INSERT INTO profiles(key, updated_at) VALUES(?1, ?2) "
         "ON CONFLICT(key) DO UPDATE SET updated_at = ?2"},
        {&s.delete_identities, "DELETE FROM identities WHERE profile = ?1 AND namespace = ?2"},
        {&s.insert_identity,
         "INSERT INTO identities(namespace, value, profile, kind) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(namespace, value) DO UPDATE SET profile = ?3, kind = ?4"},
        {&s.delete_traits, "DELETE FROM traits WHERE profile = ?1"},
        {&s.insert_trait,
         "INSERT INTO traits(profile, name, value) VALUES(?1, ?2, ?3) "
         "ON CONFLICT(profile, name) DO UPDATE SET value = ?3"},
        {&s.get_membership,
         "SELECT status, qualified_at FROM memberships WHERE audience = ?1 AND profile = ?2"},
        {&s.put_membership,
         "INSERT INTO memberships(audience, profile, status, qualified_at, exited_at, updated_at, "
         "attributes) VALUES(?1, ?2, ?3, ?4, NULL, ?5, ?6) ON CONFLICT(audience, profile) DO "
         "UPDATE SET status = ?3, qualified_at = ?4, exited_at = NULL, updated_at = ?5, "
         "attributes = ?6"},
        {&s.exit_membership,
         "UPDATE memberships SET status = 'exited', exited_at = ?3, updated_at = ?3 "
         "WHERE audience = ?1 AND profile = ?2 AND status <> 'exited'"},
        {&s.drop_memberships, "DELETE FROM memberships WHERE audience = ?1"},
        {&s.drop_audience, "DELETE FROM audiences WHERE name = ?1"},
        {&s.drop_orphans_identities,
         "DELETE FROM identities WHERE profile NOT IN (SELECT profile FROM memberships)"},
        {&s.drop_orphans_traits,
         "DELETE FROM traits WHERE profile NOT IN (SELECT profile FROM memberships)"},
        {&s.drop_orphans_profiles,
         "DELETE FROM profiles WHERE key NOT IN (SELECT profile FROM memberships)"},
    };
    for (const auto& [stmt, sql] : all)
      if (!stmt->Prepare(db_, sql)) {
        *error = DbError(db_);
        return false;
      }
    return true;
  }

  Limits limits() const override { return Limits{1000, 1}; }

  std::string Begin(const Publication& pub) override {
    std::lock_guard<std::mutex> lock(mu_);
    std::string error;
    if (!Transaction([&] { return UpsertAudience(pub); }, &error))
      return "profile store: audience `" + pub.audience + "`: " + error;
    return "";
  }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    std::lock_guard<std::mutex> lock(mu_);
    BatchResult result;
    std::string error;
    bool ok = Transaction([&] { return ApplyBatch(pub, batch, &result); }, &error);
    if (!ok) {
      result = BatchResult{};
      result.error = "profile store: audience `" + pub.audience + "`: " + error;
    }
    return result;
  }

 private:
  struct Statements {
    Stmt begin, commit, rollback, upsert_audience, upsert_profile, delete_identities,
        insert_identity, delete_traits, insert_trait, get_membership, put_membership,
        exit_membership, drop_memberships, drop_audience, drop_orphans_identities,
        drop_orphans_traits, drop_orphans_profiles;
  };

  // Runs `body` in one IMMEDIATE transaction; rolls back when it fails.
  template <typename F>
  bool Transaction(F body, std::string* error) {
    Statements& s = *stmts_;
    if (!s.begin.Run()) {
      *error = DbError(db_);
      return false;
    }
    if (body() && s.commit.Run()) return true;
    *error = DbError(db_);
    s.rollback.Run();
    return false;
  }

  bool UpsertAudience(const Publication& pub) {
    return stmts_->upsert_audience.Reset()
        .Bind(1, pub.audience)
        .Bind(2, pub.audience_description)
        .Bind(3, LabelsJson(pub.labels))
        .Bind(4, pub.applied_at)
        .Run();
  }

  bool UpsertRow(const Publication& pub, const Row& row) {
    Statements& s = *stmts_;
    const int64_t t = pub.applied_at;
    if (!s.upsert_profile.Reset().Bind(1, row.key).Bind(2, t).Run()) return false;
    // Identities are replaced per namespace the audience sends, so that
    // audiences declaring different identities do not erase each other's.
    // An identity value belongs to one profile: a value now stitched into
    // this profile moves here from the profile that had it.
    for (const IdentityValues& iv : row.identities) {
      if (!s.delete_identities.Reset().Bind(1, row.key).Bind(2, iv.ns).Run()) return false;
      for (const std::string& v : iv.values)
        if (!s.insert_identity.Reset()
                 .Bind(1, iv.ns)
                 .Bind(2, v)
                 .Bind(3, row.key)
                 .Bind(4, std::string(iv.visitor ? "visitor" : "declared"))
                 .Run())
          return false;
    }
    if (!s.delete_traits.Reset().Bind(1, row.key).Run()) return false;
    for (const Field& f : row.traits)
      if (f.value.kind != Value::Null &&  // an absent trait is not stored
          !s.insert_trait.Reset()
               .Bind(1, row.key)
               .Bind(2, f.name)
               .Bind(3, ValueToJson(f.value))
               .Run())
        return false;

    // New or re-entering -> realized at applied_at; already a member ->
    // existing, unless it entered in this very apply (a re-sent batch).
    std::string status = "realized";
    int64_t qualified_at = t;
    Stmt& get = s.get_membership.Reset().Bind(1, pub.audience).Bind(2, row.key);
    int rc = get.Step();
    if (rc == SQLITE_ROW) {
      std::string old = get.Text(0);
      int64_t old_qualified = get.Int(1);
      if (old != "exited" && old_qualified != t) {
        status = "existing";
        qualified_at = old_qualified;
      }
    }
    get.Reset();
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return false;
    return s.put_membership.Reset()
        .Bind(1, pub.audience)
        .Bind(2, row.key)
        .Bind(3, status)
        .Bind(4, qualified_at)
        .Bind(5, t)
        .Bind(6, FieldsJson(row.fields))
        .Run();
  }

  bool ApplyBatch(const Publication& pub, const Batch& batch, BatchResult* result) {
    Statements& s = *stmts_;
    if (!batch.drop && !UpsertAudience(pub)) return false;
    for (const Row& row : batch.upserts) {
      if (row.key.empty()) {
        result->rejected.push_back({row.key, "empty profile key"});
        continue;
      }
      if (!UpsertRow(pub, row)) return false;
    }
    for (const std::string& key : batch.removes)
      if (!s.exit_membership.Reset()
               .Bind(1, pub.audience)
               .Bind(2, key)
               .Bind(3, pub.applied_at)
               .Run())
        return false;
    if (batch.drop) {
      // Nothing of the publication remains: its memberships, the audience,
      // and the profiles (with identities and traits) no audience refers to.
      if (!s.drop_memberships.Reset().Bind(1, pub.audience).Run() ||
          !s.drop_audience.Reset().Bind(1, pub.audience).Run() ||
          !s.drop_orphans_identities.Reset().Run() || !s.drop_orphans_traits.Reset().Run() ||
          !s.drop_orphans_profiles.Reset().Run())
        return false;
    }
    return true;
  }

  sqlite3* db_;
  std::unique_ptr<Statements> stmts_;
  std::mutex mu_;
};

// Opens (creating when `create`) the store and checks its schema version.
sqlite3* OpenDb(const std::string& path, bool create, std::string* error) {
  sqlite3* db = nullptr;
  int flags = create ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_FULLMUTEX, nullptr) != SQLITE_OK) {
    *error = "cannot open " + path + ": " + DbError(db);
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 10000);
  auto fail = [&](const std::string& why) {
    *error = path + ": " + why;
    sqlite3_close(db);
    return nullptr;
  };
  std::string e;
  if (create) {
    if (!Exec(db, "PRAGMA journal_mode=WAL", &e) || !Exec(db, "PRAGMA synchronous=FULL", &e))
      return fail(e);
    int version = SchemaVersion(db);
    if (version == 0) {
      std::string script = std::string("BEGIN IMMEDIATE;") + kSchema +
                           "PRAGMA user_version = " + std::to_string(kSchemaVersion) + ";COMMIT;";
      if (!Exec(db, script.c_str(), &e)) {
        Exec(db, "ROLLBACK", &e);
        return fail("cannot create the profile store: " + e);
      }
      version = SchemaVersion(db);
    }
    if (version != kSchemaVersion)
      return fail("not a profile store of this version of aud (schema version " +
                  std::to_string(version) + ", expected " + std::to_string(kSchemaVersion) + ")");
  } else {
    int version = SchemaVersion(db);
    if (version < 0) return fail("not a profile store: " + DbError(db));
    if (version != kSchemaVersion)
      return fail("not a profile store of this version of aud (schema version " +
                  std::to_string(version) + ", expected " + std::to_string(kSchemaVersion) + ")");
  }
  return db;
}

class Reader final : public ProfileStoreReader {
 public:
  explicit Reader(sqlite3* db) : db_(db) {}
  ~Reader() override { sqlite3_close(db_); }

  std::vector<std::string> FindProfiles(const std::string& text, std::string* error) override {
    std::vector<std::string> out;
    Stmt key;
    if (!key.Prepare(db_, "SELECT key FROM profiles WHERE key = ?1")) return Fail(error, out);
    key.Bind(1, text);
    int rc = key.Step();
    if (rc == SQLITE_ROW) out.push_back(text);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, out);
    Stmt ids;
    if (!ids.Prepare(db_, "SELECT DISTINCT profile FROM identities WHERE value = ?1 ORDER BY 1"))
      return Fail(error, out);
    ids.Bind(1, text);
    while ((rc = ids.Step()) == SQLITE_ROW)
      if (ids.Text(0) != text) out.push_back(ids.Text(0));
    if (rc != SQLITE_DONE) return Fail(error, out);
    return out;
  }

  std::optional<StoredProfile> GetProfile(const std::string& key, std::string* error) override {
    StoredProfile p;
    p.key = key;
    Stmt s;
    if (!s.Prepare(db_, "SELECT updated_at FROM profiles WHERE key = ?1")) return Fail(error);
    s.Bind(1, key);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::nullopt;
    if (rc != SQLITE_ROW) return Fail(error);
    p.updated_at = s.Int(0);

    Stmt ids;
    if (!ids.Prepare(db_,
                     "SELECT namespace, value, kind FROM identities WHERE profile = ?1 "
                     "ORDER BY namespace, value"))
      return Fail(error);
    ids.Bind(1, key);
    while ((rc = ids.Step()) == SQLITE_ROW)
      p.identities.push_back({ids.Text(0), ids.Text(1), ids.Text(2) == "visitor"});
    if (rc != SQLITE_DONE) return Fail(error);

    Stmt traits;
    if (!traits.Prepare(db_, "SELECT name, value FROM traits WHERE profile = ?1 ORDER BY name"))
      return Fail(error);
    traits.Bind(1, key);
    while ((rc = traits.Step()) == SQLITE_ROW) p.traits.push_back({traits.Text(0), traits.Text(1)});
    if (rc != SQLITE_DONE) return Fail(error);

    Stmt m;
    if (!m.Prepare(db_,
                   "SELECT m.audience, m.status, m.qualified_at, m.exited_at, m.updated_at, "
                   "m.attributes, a.labels, a.description FROM memberships m LEFT JOIN audiences a "
                   "ON a.name = m.audience WHERE m.profile = ?1 ORDER BY m.audience"))
      return Fail(error);
    m.Bind(1, key);
    while ((rc = m.Step()) == SQLITE_ROW) {
      StoredMembership sm;
      sm.audience = m.Text(0);
      sm.status = m.Text(1);
      sm.qualified_at = m.Int(2);
      if (!m.IsNull(3)) sm.exited_at = m.Int(3);
      sm.updated_at = m.Int(4);
      sm.attributes_json = m.Text(5);
      if (!m.IsNull(6)) sm.labels = ParseLabels(m.Text(6));
      sm.description = m.Text(7);
      p.memberships.push_back(std::move(sm));
    }
    if (rc != SQLITE_DONE) return Fail(error);
    return p;
  }

  std::vector<std::string> CurrentMembers(const std::string& audience,
                                          std::string* error) override {
    std::vector<std::string> out;
    Stmt s;
    if (!s.Prepare(db_,
                   "SELECT profile FROM memberships WHERE audience = ?1 AND status <> "
                   "'exited' ORDER BY profile"))
      return Fail(error, out);
    s.Bind(1, audience);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(s.Text(0));
    if (rc != SQLITE_DONE) return Fail(error, out);
    return out;
  }

  std::vector<StoredAudience> Audiences(std::string* error) override {
    std::vector<StoredAudience> out;
    Stmt s;
    if (!s.Prepare(db_,
                   "SELECT name, description, labels, updated_at FROM audiences ORDER BY "
                   "name"))
      return Fail(error, out);
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW)
      out.push_back({s.Text(0), s.Text(1), ParseLabels(s.Text(2)), s.Int(3)});
    if (rc != SQLITE_DONE) return Fail(error, out);
    return out;
  }

  std::string Dump(std::string* error) override {
    static const char* const kQueries[] = {
        "SELECT 'profiles', key, updated_at FROM profiles ORDER BY key",
        "SELECT 'identities', namespace, value, profile, kind FROM identities ORDER BY "
        "namespace, value",
        "SELECT 'traits', profile, name, value FROM traits ORDER BY profile, name",
        "SELECT 'audiences', name, description, labels, updated_at FROM audiences ORDER BY name",
        "SELECT 'memberships', audience, profile, status, qualified_at, exited_at, updated_at, "
        "attributes FROM memberships ORDER BY audience, profile",
    };
    std::string out;
    for (const char* q : kQueries) {
      Stmt s;
      if (!s.Prepare(db_, q)) return Fail(error, out);
      int rc;
      while ((rc = s.Step()) == SQLITE_ROW) {
        std::string line;
        for (int c = 0; c < s.Columns(); ++c) {
          if (c) line += '|';
          line += s.IsNull(c) ? "NULL" : s.Text(c);
        }
        out += line + "\n";
      }
      if (rc != SQLITE_DONE) return Fail(error, out);
    }
    return out;
  }

 private:
  template <typename T>
  T Fail(std::string* error, T value) {
    *error = DbError(db_);
    return value;
  }
  std::nullopt_t Fail(std::string* error) {
    *error = DbError(db_);
    return std::nullopt;
  }

  sqlite3* db_;
};

}  // namespace

std::string ProfileStorePath(const std::string& project_dir, const std::string& environment) {
  std::filesystem::path dir = std::filesystem::path(project_dir) / ".aud";
  if (!environment.empty()) dir = dir / "env" / environment;
  return (dir / "profiles.db").lexically_normal().string();
}

std::unique_ptr<ProfileStoreReader> ProfileStoreReader::Open(const std::string& project_dir,
                                                             std::string* error,
                                                             const std::string& environment) {
  const std::string path = ProfileStorePath(project_dir, environment);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    *error = "no profile store at " + path + " (nothing has been applied to `profile_store`)";
    return nullptr;
  }
  sqlite3* db = OpenDb(path, false, error);
  if (!db) return nullptr;
  return std::make_unique<Reader>(db);
}

std::unique_ptr<Connector> MakeProfileStore(const config::Connection* connection,
                                            const Context& ctx, std::string* error) {
  if (connection && connection->values.count("dsn"))
    return MakePgProfileStore(*connection, ctx, error);
  const std::string path = ProfileStorePath(ctx.project_dir, ctx.environment);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (ec) {
    *error = "profile store: cannot create " + std::filesystem::path(path).parent_path().string() +
             ": " + ec.message();
    return nullptr;
  }
  sqlite3* db = OpenDb(path, true, error);
  if (!db) {
    *error = "profile store: " + *error;
    return nullptr;
  }
  auto store = std::make_unique<ProfileStore>(db);
  if (!store->Init(error)) {
    *error = "profile store: " + *error;
    return nullptr;
  }
  return store;
}

}  // namespace aud::connectors
