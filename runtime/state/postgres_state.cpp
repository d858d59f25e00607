// State in PostgreSQL (README.md "PostgreSQL"): the SQLite protocol (lineage,
// serial, publications, members, journal, lock) in one schema shared by
// several projects and environments, each a row of `meta`. One libpq
// connection per State; every write is one transaction. The lock is a
// session-level advisory lock (it dies with the connection) plus a row that
// names the holder. Access control: grants in `access`, enforced by
// PostgreSQL itself through GRANTs and row-level security (docs/teams.md).
// The DSN is a secret: no message carries it or its password.

#include <libpq-fe.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "runtime/state/backend.h"
#include "runtime/state/read_error.h"
#include "runtime/state/state.h"
#include "runtime/state/uuid.h"

namespace aud::state {

namespace {

// The schema version this build writes; a newer one is refused.
constexpr int64_t kPgSchemaVersion = 1;
// The first half of the advisory lock key: 'AUDS'.
constexpr int64_t kLockClass = 0x41554453;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string LabelsToText(std::vector<std::string> labels) {
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  return nlohmann::json(labels).dump();
}

std::vector<std::string> LabelsFromText(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) return out;
  for (const auto& e : j)
    if (e.is_string()) out.push_back(e.get<std::string>());
  std::sort(out.begin(), out.end());
  return out;
}

MemberStatus StatusFromText(const std::string& s) {
  if (s == "existing") return MemberStatus::Existing;
  if (s == "exited") return MemberStatus::Exited;
  return MemberStatus::Realized;
}

bool ValidJournalStatus(const std::string& s) {
  return s == "pending" || s == "done" || s == "failed";
}

std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf[0] ? std::string(buf) : std::string("unknown");
}

std::string UserName() {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name &&
      *found->pw_name)
    return found->pw_name;
  return "uid" + std::to_string(geteuid());
}

int64_t ToInt(const char* s) { return s && *s ? std::strtoll(s, nullptr, 10) : 0; }

// The connection string keys whose values never appear in a message.
bool SecretKeyword(const std::string& k) {
  return k == "password" || k == "dbname" || k == "passfile" || k == "sslpassword";
}

// The schema, its tables, the access-control functions, row-level security
// policies and the audience trigger. `S` stands for the schema name (checked
// by ValidSchemaName). Idempotent, so a dropped table is re-created.
const char* kDdl = R"sql(
CREATE SCHEMA IF NOT EXISTS S;
CREATE TABLE IF NOT EXISTS S.schema_version (version integer NOT NULL);
CREATE TABLE IF NOT EXISTS S.meta (
  id bigserial PRIMARY KEY,
  project text NOT NULL,
  environment text NOT NULL,
  lineage text NOT NULL,
  serial bigint NOT NULL CHECK (serial >= 0),
  created_at bigint NOT NULL,
  created_by name NOT NULL DEFAULT current_user,
  UNIQUE (project, environment)
);
CREATE TABLE IF NOT EXISTS S.audiences (
  state bigint NOT NULL REFERENCES S.meta (id) ON DELETE CASCADE,
  name text NOT NULL,
  definition_hash text NOT NULL,
  labels text NOT NULL,
  refresh text NOT NULL,
  last_evaluated bigint NOT NULL,
  last_published bigint NOT NULL,
  PRIMARY KEY (state, name)
);
CREATE TABLE IF NOT EXISTS S.publications (
  id bigserial PRIMARY KEY,
  state bigint NOT NULL REFERENCES S.meta (id) ON DELETE CASCADE,
  audience text NOT NULL,
  destination text NOT NULL,
  connection text NOT NULL,
  definition_hash text NOT NULL,
  labels text NOT NULL,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  members bigint NOT NULL CHECK (members >= 0),
  target text NOT NULL DEFAULT '',
  UNIQUE (state, audience, destination)
);
CREATE TABLE IF NOT EXISTS S.members (
  publication bigint NOT NULL REFERENCES S.publications (id) ON DELETE CASCADE,
  key text NOT NULL,
  payload_hash text NOT NULL,
  visitor integer NOT NULL CHECK (visitor IN (0, 1)),
  status text NOT NULL CHECK (status IN ('realized', 'existing', 'exited')),
  entered_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (publication, key)
);
CREATE TABLE IF NOT EXISTS S.journal (
  id bigserial PRIMARY KEY,
  state bigint NOT NULL REFERENCES S.meta (id) ON DELETE CASCADE,
  plan_id text NOT NULL,
  audience text NOT NULL,
  destination text NOT NULL,
  batch bigint NOT NULL,
  idempotency_key text NOT NULL,
  payload text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  created_at bigint NOT NULL
);
CREATE INDEX IF NOT EXISTS journal_by_status ON S.journal (state, status, id);
CREATE TABLE IF NOT EXISTS S.lock (
  state bigint PRIMARY KEY REFERENCES S.meta (id) ON DELETE CASCADE,
  id text NOT NULL,
  operation text NOT NULL,
  who text NOT NULL,
  pid bigint NOT NULL,
  backend_pid integer NOT NULL,
  created_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS S.remote_ids (
  state bigint NOT NULL REFERENCES S.meta (id) ON DELETE CASCADE,
  audience text NOT NULL,
  destination text NOT NULL,
  remote_id text NOT NULL,
  PRIMARY KEY (state, audience, destination)
);
CREATE TABLE IF NOT EXISTS S.access (
  state bigint NOT NULL REFERENCES S.meta (id) ON DELETE CASCADE,
  role name NOT NULL,
  capability text NOT NULL CHECK (capability IN ('view', 'create', 'publish')),
  connection text NOT NULL DEFAULT '',
  PRIMARY KEY (state, role, capability, connection)
);

CREATE OR REPLACE FUNCTION S.aud_is_admin(st bigint) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, S AS $f$
  SELECT EXISTS (SELECT 1 FROM meta m JOIN pg_roles r ON r.rolname = m.created_by
                 WHERE m.id = st AND pg_has_role(current_user, r.oid, 'MEMBER'))
$f$;
-- cap: view (any grant), create, publish (on conn; NULL: on any), write (create or publish).
CREATE OR REPLACE FUNCTION S.aud_can(st bigint, cap text, conn text) RETURNS boolean
LANGUAGE sql STABLE SET search_path = pg_catalog, S AS $f$
  SELECT aud_is_admin(st) OR EXISTS (
    SELECT 1 FROM access a JOIN pg_roles r ON r.rolname = a.role
    WHERE a.state = st AND pg_has_role(current_user, r.oid, 'MEMBER')
      AND (cap = 'view' OR a.capability = cap
           OR (cap = 'write' AND a.capability IN ('create', 'publish')))
      AND (conn IS NULL OR a.connection = '' OR a.connection = conn))
$f$;
CREATE OR REPLACE FUNCTION S.aud_audience_guard() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, S AS $f$
BEGIN
  IF NEW.definition_hash IS DISTINCT FROM OLD.definition_hash
     AND NOT aud_can(NEW.state, 'create', NULL) THEN
    RAISE EXCEPTION 'role % lacks the create capability: it cannot change the definition of audience %',
      current_user, NEW.name USING ERRCODE = '42501';
  END IF;
  RETURN NEW;
END
$f$;
DROP TRIGGER IF EXISTS audience_guard ON S.audiences;
CREATE TRIGGER audience_guard BEFORE UPDATE ON S.audiences
  FOR EACH ROW EXECUTE FUNCTION S.aud_audience_guard();

ALTER TABLE S.meta ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.audiences ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.publications ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.members ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.journal ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.lock ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.remote_ids ENABLE ROW LEVEL SECURITY;
ALTER TABLE S.access ENABLE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS read ON S.meta;
DROP POLICY IF EXISTS add ON S.meta;
DROP POLICY IF EXISTS change ON S.meta;
CREATE POLICY read ON S.meta FOR SELECT USING (true);
CREATE POLICY add ON S.meta FOR INSERT WITH CHECK (created_by = current_user);
CREATE POLICY change ON S.meta FOR UPDATE USING (S.aud_can(id, 'write', NULL))
  WITH CHECK (S.aud_can(id, 'write', NULL));

DROP POLICY IF EXISTS read ON S.audiences;
DROP POLICY IF EXISTS add ON S.audiences;
DROP POLICY IF EXISTS change ON S.audiences;
DROP POLICY IF EXISTS remove ON S.audiences;
CREATE POLICY read ON S.audiences FOR SELECT USING (S.aud_can(state, 'view', NULL));
CREATE POLICY add ON S.audiences FOR INSERT WITH CHECK (S.aud_can(state, 'create', NULL));
CREATE POLICY change ON S.audiences FOR UPDATE USING (S.aud_can(state, 'write', NULL))
  WITH CHECK (S.aud_can(state, 'write', NULL));
CREATE POLICY remove ON S.audiences FOR DELETE USING (S.aud_can(state, 'create', NULL));

DROP POLICY IF EXISTS read ON S.publications;
DROP POLICY IF EXISTS add ON S.publications;
DROP POLICY IF EXISTS change ON S.publications;
DROP POLICY IF EXISTS remove ON S.publications;
CREATE POLICY read ON S.publications FOR SELECT USING (S.aud_can(state, 'view', NULL));
CREATE POLICY add ON S.publications FOR INSERT
  WITH CHECK (S.aud_can(state, 'publish', connection));
CREATE POLICY change ON S.publications FOR UPDATE
  USING (S.aud_can(state, 'publish', connection))
  WITH CHECK (S.aud_can(state, 'publish', connection));
CREATE POLICY remove ON S.publications FOR DELETE
  USING (S.aud_can(state, 'publish', connection));

DROP POLICY IF EXISTS read ON S.members;
DROP POLICY IF EXISTS add ON S.members;
DROP POLICY IF EXISTS change ON S.members;
DROP POLICY IF EXISTS remove ON S.members;
CREATE POLICY read ON S.members FOR SELECT
  USING (EXISTS (SELECT 1 FROM S.publications p WHERE p.id = publication));
CREATE POLICY add ON S.members FOR INSERT WITH CHECK (EXISTS (
  SELECT 1 FROM S.publications p WHERE p.id = publication
  AND S.aud_can(p.state, 'publish', p.connection)));
CREATE POLICY change ON S.members FOR UPDATE USING (EXISTS (
  SELECT 1 FROM S.publications p WHERE p.id = publication
  AND S.aud_can(p.state, 'publish', p.connection)));
CREATE POLICY remove ON S.members FOR DELETE USING (EXISTS (
  SELECT 1 FROM S.publications p WHERE p.id = publication
  AND S.aud_can(p.state, 'publish', p.connection)));

DROP POLICY IF EXISTS read ON S.journal;
DROP POLICY IF EXISTS add ON S.journal;
DROP POLICY IF EXISTS change ON S.journal;
CREATE POLICY read ON S.journal FOR SELECT USING (S.aud_can(state, 'view', NULL));
CREATE POLICY add ON S.journal FOR INSERT WITH CHECK (S.aud_can(state, 'write', NULL));
CREATE POLICY change ON S.journal FOR UPDATE USING (S.aud_can(state, 'write', NULL));

DROP POLICY IF EXISTS read ON S.lock;
DROP POLICY IF EXISTS add ON S.lock;
DROP POLICY IF EXISTS remove ON S.lock;
CREATE POLICY read ON S.lock FOR SELECT USING (true);
CREATE POLICY add ON S.lock FOR INSERT WITH CHECK (S.aud_can(state, 'view', NULL));
CREATE POLICY remove ON S.lock FOR DELETE USING (S.aud_can(state, 'view', NULL));

DROP POLICY IF EXISTS read ON S.remote_ids;
DROP POLICY IF EXISTS add ON S.remote_ids;
DROP POLICY IF EXISTS change ON S.remote_ids;
CREATE POLICY read ON S.remote_ids FOR SELECT USING (S.aud_can(state, 'view', NULL));
CREATE POLICY add ON S.remote_ids FOR INSERT WITH CHECK (S.aud_can(state, 'write', NULL));
CREATE POLICY change ON S.remote_ids FOR UPDATE USING (S.aud_can(state, 'write', NULL));

DROP POLICY IF EXISTS read ON S.access;
DROP POLICY IF EXISTS add ON S.access;
DROP POLICY IF EXISTS remove ON S.access;
CREATE POLICY read ON S.access FOR SELECT USING (true);
CREATE POLICY add ON S.access FOR INSERT WITH CHECK (S.aud_is_admin(state));
CREATE POLICY remove ON S.access FOR DELETE USING (S.aud_is_admin(state));
)sql";

// The tables the DDL creates (a missing one is re-created on open).
const char* kTables[] = {"schema_version", "meta", "audiences",  "publications", "members",
                         "journal",        "lock", "remote_ids", "access"};

// Replaces every `S.` / `S;` / ` S ` schema placeholder of kDdl.
std::string DdlFor(const std::string& schema) {
  std::string out;
  const std::string ddl = kDdl;
  for (size_t i = 0; i < ddl.size(); ++i) {
    const bool word_start =
        i == 0 || !(std::isalnum(static_cast<unsigned char>(ddl[i - 1])) || ddl[i - 1] == '_');
    const bool word_end =
        i + 1 >= ddl.size() ||
        !(std::isalnum(static_cast<unsigned char>(ddl[i + 1])) || ddl[i + 1] == '_');
    if (ddl[i] == 'S' && word_start && word_end) {
      out += schema;
    } else {
      out += ddl[i];
    }
  }
  return out;
}

// A query result; cleared on destruction.
class Result {
 public:
  explicit Result(PGresult* r = nullptr) : r_(r) {}
  Result(Result&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
  Result& operator=(Result&& o) noexcept {
    if (this != &o) {
      if (r_) PQclear(r_);
      r_ = o.r_;
      o.r_ = nullptr;
    }
    return *this;
  }
  Result(const Result&) = delete;
  Result& operator=(const Result&) = delete;
  ~Result() {
    if (r_) PQclear(r_);
  }
  bool ok() const {
    if (!r_) return false;
    auto s = PQresultStatus(r_);
    return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
  }
  int rows() const { return r_ ? PQntuples(r_) : 0; }
  std::string Text(int row, int col) const {
    return PQgetisnull(r_, row, col) ? std::string() : std::string(PQgetvalue(r_, row, col));
  }
  int64_t Int(int row, int col) const { return ToInt(PQgetvalue(r_, row, col)); }
  int64_t Affected() const { return ToInt(PQcmdTuples(r_)); }
  PGresult* get() const { return r_; }

 private:
  PGresult* r_;
};

class PostgresState final : public State {
 public:
  explicit PostgresState(Location where) : where_(std::move(where)) {}
  ~PostgresState() override {
    if (conn_) PQfinish(conn_);
  }

  bool Init(std::string* error, bool* missing);

  std::string lineage() override { return lineage_; }
  uint64_t serial() override;

  bool Lock(const std::string& operation, LockInfo* acquired, LockInfo* holder,
            std::string* error) override;
  void Unlock(const std::string& id) override;
  bool ForceUnlock(const std::string& id) override;
  std::optional<LockInfo> CurrentLock() override;

  std::vector<AudienceRecord> Audiences() override;
  std::optional<AudienceRecord> Audience(const std::string& name) override;
  std::vector<PublicationRecord> Publications() override;
  std::map<std::string, Member> Members(const std::string& audience,
                                        const std::string& destination) override;

  bool RecordBatch(const Confirmed& c, std::string* error) override;
  bool RecordAudience(const AudienceRecord& a, std::string* error) override;
  bool RecordPublication(const PublicationRecord& p, std::string* error) override;
  bool DropPublication(const std::string& audience, const std::string& destination,
                       std::string* error) override;

  std::string RemoteId(const std::string& audience, const std::string& destination) override;
  bool RecordRemoteId(const std::string& audience, const std::string& destination,
                      const std::string& id, std::string* error) override;
  int64_t JournalAdd(const JournalEntry& e, std::string* error) override;
  bool JournalSet(int64_t id, const std::string& status, std::string* error) override;
  std::vector<JournalEntry> JournalPending() override;

  std::string Shown() const override { return ShownLocation(where_); }
  bool HasAccessControl() const override { return true; }
  bool Can(const std::string& capability, const std::string& connection,
           std::string* error) override;
  std::string Role() override;
  std::string Administrator() override;
  bool Grant(const AccessGrant& g, bool revoke, std::string* error) override;
  std::vector<AccessGrant> AccessList(std::string* error) override;

  std::string TakeReadError() {
    std::string out;
    out.swap(read_error_);
    return out;
  }

 private:
  // Runs `sql` with text parameters. On failure the result is not ok and
  // `error` holds a message naming the backend (scrubbed of the DSN).
  Result Run(const std::string& sql, const std::vector<std::string>& params, std::string* error) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    Result r(PQexecParams(conn_, sql.c_str(), static_cast<int>(params.size()), nullptr,
                          values.data(), nullptr, nullptr, 0));
    if (!r.ok() && error) *error = Describe(r.get());
    return r;
  }
  bool Exec(const std::string& sql, std::string* error) {
    Result r(PQexec(conn_, sql.c_str()));
    if (!r.ok()) {
      if (error) *error = Describe(r.get());
      return false;
    }
    return true;
  }
  // A read: failures are kept for TakeReadError.
  Result Read(const std::string& sql, const std::vector<std::string>& params) {
    std::string msg;
    Result r = Run(sql, params, &msg);
    if (!r.ok()) read_error_ = msg;
    return r;
  }

  // The server's (or libpq's) message, one line, prefixed with the backend.
  std::string Describe(PGresult* r) const {
    std::string msg;
    if (r && PQresultErrorMessage(r) && *PQresultErrorMessage(r))
      msg = PQresultErrorMessage(r);
    else if (conn_)
      msg = PQerrorMessage(conn_);
    if (conn_ && PQstatus(conn_) == CONNECTION_BAD)
      msg = "lost the connection to the database: " + msg;
    return Prefix() + Scrub(msg);
  }
  std::string Prefix() const { return ShownLocation(where_) + ": "; }
  // Removes secret values (password, the whole DSN) from a message and
  // keeps its first line.
  std::string Scrub(std::string msg) const {
    for (const auto& s : secrets_) {
      if (s.size() < 3) continue;
      for (size_t at; (at = msg.find(s)) != std::string::npos;) msg.replace(at, s.size(), "***");
    }
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    for (char& c : msg)
      if (c == '\n' || c == '\t') c = ' ';
    return msg;
  }
  bool Begin(std::string* error) { return Exec("BEGIN", error); }
  bool Commit(std::string* error) {
    if (Exec("COMMIT", error)) return true;
    Rollback();
    return false;
  }
  void Rollback() { Result r(PQexec(conn_, "ROLLBACK")); }
  bool Fail(std::string* error, const std::string& msg) {
    Rollback();
    if (error && error->empty()) *error = msg;
    return false;
  }
  bool BumpSerial(std::string* error) {
    return Run("UPDATE meta SET serial = serial + 1 WHERE id = $1", {id_}, error).ok();
  }
  bool Setup(std::string* error, bool* missing);
  bool FindPublication(const std::string& a, const std::string& d, std::string* pub,
                       std::string* error);
  std::string LockKey() const { return std::to_string(kLockClass) + ", " + id_; }
  static std::string Conn(const std::string& c) { return c.empty() ? "profile_store" : c; }

  Location where_;
  PGconn* conn_ = nullptr;
  std::vector<std::string> secrets_;  // the DSN and its secret values
  std::string id_;                    // meta.id of (project, environment)
  std::string lineage_;
  uint64_t last_serial_ = 0;
  std::string read_error_;
};

void IgnoreNotice(void*, const char*) {}

bool PostgresState::Init(std::string* error, bool* missing) {
  if (!ValidSchemaName(where_.schema)) {
    *error = "`[state] schema` must be a lower-case PostgreSQL name (letters, digits, `_`), not `" +
             where_.schema + "`";
    return false;
  }
  secrets_.push_back(where_.dsn);
  char* parse_error = nullptr;
  PQconninfoOption* opts = PQconninfoParse(where_.dsn.c_str(), &parse_error);
  if (!opts) {
    if (parse_error) PQfreemem(parse_error);
    *error = Prefix() + "the `dsn` (from $" + where_.dsn_env +
             ") is not a PostgreSQL connection string or URI";
    return false;
  }
  for (PQconninfoOption* o = opts; o->keyword; ++o)
    if (o->val && SecretKeyword(o->keyword)) secrets_.push_back(o->val);
  PQconninfoFree(opts);
  // Defaults first: the DSN's own values override them.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* vals[] = {"10", "aud", where_.dsn.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, vals, /*expand_dbname=*/1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    *error = Prefix() + "cannot connect (dsn from $" + where_.dsn_env +
             "): " + Scrub(conn_ ? PQerrorMessage(conn_) : "out of memory");
    return false;
  }
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  Result sp = Run("SELECT set_config('search_path', $1, false)", {where_.schema}, error);
  if (!sp.ok()) return false;
  return Setup(error, missing);
}

bool PostgresState::Setup(std::string* error, bool* missing) {
  const std::string& schema = where_.schema;
  // Which of our tables exist; all of them: no DDL (a role that does not
  // own the schema cannot run it, and needs not).
  Result t =
      Run("SELECT count(*) FILTER (WHERE c.relname = ANY ($2::text[])), "
          "(SELECT count(*) FROM pg_namespace WHERE nspname = $1) "
          "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
          "WHERE n.nspname = $1 AND c.relkind = 'r'",
          {schema,
           "{schema_version,meta,audiences,publications,members,journal,lock,remote_ids,access}"},
          error);
  if (!t.ok()) return false;
  const int64_t tables = t.Int(0, 0);
  const bool schema_exists = t.Int(0, 1) > 0;
  const int64_t all = static_cast<int64_t>(sizeof kTables / sizeof kTables[0]);
  if (!schema_exists && !where_.create) {
    *missing = true;
    return false;
  }
  if (tables < all) {
    if (schema_exists && tables > 0) {
      // Some exist: an aud schema with a dropped table, or someone else's.
      Result v =
          Run("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
              "WHERE n.nspname = $1 AND c.relname = 'schema_version'",
              {schema}, error);
      if (!v.ok()) return false;
      if (v.rows() == 0) {
        *error = Prefix() + "schema `" + schema +
                 "` holds tables but is not an aud state schema; choose another with "
                 "`[state] schema`";
        return false;
      }
    }
    // One creator at a time (two aud processes starting together).
    if (!Begin(error)) return false;
    if (!Run("SELECT pg_advisory_xact_lock($1, hashtext($2))",
             {std::to_string(kLockClass), "schema:" + schema}, error)
             .ok() ||
        !Exec(DdlFor(schema), error))
      return Fail(error, *error);
    Result v = Run("SELECT count(*) FROM schema_version", {}, error);
    if (!v.ok()) return Fail(error, *error);
    if (v.Int(0, 0) == 0 && !Run("INSERT INTO schema_version (version) VALUES ($1)",
                                 {std::to_string(kPgSchemaVersion)}, error)
                                 .ok())
      return Fail(error, *error);
    if (!Commit(error)) return false;
  }
  // A role the administrator granted nothing cannot use the schema at all.
  Result use =
      Run("SELECT has_schema_privilege(current_user, $1, 'USAGE'), current_user", {schema}, error);
  if (!use.ok()) return false;
  if (use.Text(0, 0) != "t") {
    *error = "role `" + use.Text(0, 1) + "` lacks the `view` capability on the " +
             ShownLocation(where_) + " (no access to schema `" + schema +
             "`); the administrator can run `aud access grant " + use.Text(0, 1) + " view`";
    return false;
  }
  Result v = Run("SELECT max(version) FROM schema_version", {}, error);
  if (!v.ok()) return false;
  const int64_t version = v.Int(0, 0);
  if (version < 1) {
    *error = Prefix() + "schema `" + schema + "` has no schema version (not an aud state schema?)";
    return false;
  }
  if (version > kPgSchemaVersion) {
    *error = Prefix() + "schema `" + schema + "` has version " + std::to_string(version) +
             ", newer than this aud supports (" + std::to_string(kPgSchemaVersion) +
             "); use a newer aud";
    return false;
  }
  // (Migrations from older versions run here when a version 2 exists.)
  Result m = Run("SELECT id, lineage, serial FROM meta WHERE project = $1 AND environment = $2",
                 {where_.project, where_.environment}, error);
  if (!m.ok()) return false;
  if (m.rows() == 0) {
    if (!where_.create) {
      *missing = true;
      return false;
    }
    std::string lineage;
    if (!NewUuid(&lineage, error)) return false;
    Result ins =
        Run("INSERT INTO meta (project, environment, lineage, serial, created_at) "
            "VALUES ($1, $2, $3, 0, $4) ON CONFLICT (project, environment) DO NOTHING",
            {where_.project, where_.environment, lineage, std::to_string(NowMs())}, error);
    if (!ins.ok()) return false;
    m = Run("SELECT id, lineage, serial FROM meta WHERE project = $1 AND environment = $2",
            {where_.project, where_.environment}, error);
    if (!m.ok()) return false;
    if (m.rows() == 0) {
      *error = Prefix() + "the state row could not be created";
      return false;
    }
  }
  id_ = m.Text(0, 0);
  lineage_ = m.Text(0, 1);
  last_serial_ = static_cast<uint64_t>(m.Int(0, 2));
  if (!LooksLikeUuid(lineage_)) {
    *error = Prefix() + "malformed lineage";
    return false;
  }
  return true;
}

uint64_t PostgresState::serial() {
  Result r = Read("SELECT serial FROM meta WHERE id = $1", {id_});
  if (r.ok() && r.rows() == 1) last_serial_ = static_cast<uint64_t>(r.Int(0, 0));
  return last_serial_;
}

// ---- lock ------------------------------------------------------------------

bool PostgresState::Lock(const std::string& operation, LockInfo* acquired, LockInfo* holder,
                         std::string* error) {
  std::string err;
  if (!error) error = &err;
  Result t = Run("SELECT pg_try_advisory_lock(" + LockKey() + ")", {}, error);
  if (!t.ok()) return false;
  if (t.Text(0, 0) != "t") {
    Result cur =
        Run("SELECT id, operation, who, pid, created_at FROM lock WHERE state = $1", {id_}, error);
    if (!cur.ok()) return false;
    LockInfo held;
    if (cur.rows() == 1) {
      held.id = cur.Text(0, 0);
      held.operation = cur.Text(0, 1);
      held.who = cur.Text(0, 2);
      held.pid = cur.Int(0, 3);
      held.created_at = cur.Int(0, 4);
      if (holder) *holder = held;
      *error = "state is locked by " + held.who + " (pid " + std::to_string(held.pid) +
               ", operation `" + held.operation + "`, lock id " + held.id + ")";
    } else {
      *error = Prefix() + "the state is locked by another session that is taking the lock";
      if (holder) {
        holder->id = "(being taken)";
        holder->who = "another session";
        holder->operation = "lock";
      }
    }
    return false;
  }
  // We hold the advisory lock: any row left is a dead session's.
  LockInfo info;
  if (!NewUuid(&info.id, error)) return false;
  info.operation = operation;
  info.who = UserName() + "@" + HostName();
  info.pid = static_cast<int64_t>(::getpid());
  info.created_at = NowMs();
  if (!Begin(error)) return false;
  if (!Run("DELETE FROM lock WHERE state = $1", {id_}, error).ok() ||
      !Run("INSERT INTO lock (state, id, operation, who, pid, backend_pid, created_at) "
           "VALUES ($1, $2, $3, $4, $5, pg_backend_pid(), $6)",
           {id_, info.id, info.operation, info.who, std::to_string(info.pid),
            std::to_string(info.created_at)},
           error)
           .ok()) {
    Fail(error, *error);
    Result u(PQexec(conn_, ("SELECT pg_advisory_unlock(" + LockKey() + ")").c_str()));
    return false;
  }
  if (!Commit(error)) {
    Result u(PQexec(conn_, ("SELECT pg_advisory_unlock(" + LockKey() + ")").c_str()));
    return false;
  }
  if (acquired) *acquired = info;
  return true;
}

void PostgresState::Unlock(const std::string& id) {
  Result d = Run("DELETE FROM lock WHERE state = $1 AND id = $2", {id_, id}, nullptr);
  Result u(PQexec(conn_, ("SELECT pg_advisory_unlock(" + LockKey() + ")").c_str()));
}

bool PostgresState::ForceUnlock(const std::string& id) {
  Result d = Run("DELETE FROM lock WHERE state = $1 AND id = $2 RETURNING backend_pid", {id_, id},
                 nullptr);
  if (!d.ok() || d.rows() == 0) return false;
  // A session that still holds the advisory lock is ended, which releases it.
  Result k =
      Run("SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' "
          "AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid AND l.objsubid = 2 "
          "AND l.granted AND l.pid = $3::integer AND l.pid <> pg_backend_pid()",
          {std::to_string(kLockClass), id_, d.Text(0, 0)}, nullptr);
  return true;
}

std::optional<LockInfo> PostgresState::CurrentLock() {
  Result r = Read("SELECT id, operation, who, pid, created_at FROM lock WHERE state = $1", {id_});
  if (!r.ok() || r.rows() == 0) return std::nullopt;
  LockInfo l;
  l.id = r.Text(0, 0);
  l.operation = r.Text(0, 1);
  l.who = r.Text(0, 2);
  l.pid = r.Int(0, 3);
  l.created_at = r.Int(0, 4);
  return l;
}

// ---- reads -----------------------------------------------------------------

AudienceRecord AudienceFromRow(const Result& r, int i) {
  AudienceRecord a;
  a.name = r.Text(i, 0);
  a.definition_hash = r.Text(i, 1);
  a.labels = LabelsFromText(r.Text(i, 2));
  a.refresh = r.Text(i, 3);
  a.last_evaluated = r.Int(i, 4);
  a.last_published = r.Int(i, 5);
  return a;
}

std::vector<AudienceRecord> PostgresState::Audiences() {
  std::vector<AudienceRecord> out;
  Result r = Read(
      "SELECT name, definition_hash, labels, refresh, last_evaluated, last_published "
      "FROM audiences WHERE state = $1 ORDER BY name",
      {id_});
  for (int i = 0; i < r.rows(); ++i) out.push_back(AudienceFromRow(r, i));
  return out;
}

std::optional<AudienceRecord> PostgresState::Audience(const std::string& name) {
  Result r = Read(
      "SELECT name, definition_hash, labels, refresh, last_evaluated, last_published "
      "FROM audiences WHERE state = $1 AND name = $2",
      {id_, name});
  if (!r.ok() || r.rows() == 0) return std::nullopt;
  return AudienceFromRow(r, 0);
}

std::vector<PublicationRecord> PostgresState::Publications() {
  std::vector<PublicationRecord> out;
  Result r = Read(
      "SELECT audience, destination, definition_hash, labels, created_at, updated_at, members, "
      "target, connection FROM publications WHERE state = $1 ORDER BY audience, destination",
      {id_});
  for (int i = 0; i < r.rows(); ++i) {
    PublicationRecord p;
    p.audience = r.Text(i, 0);
    p.destination = r.Text(i, 1);
    p.definition_hash = r.Text(i, 2);
    p.labels = LabelsFromText(r.Text(i, 3));
    p.created_at = r.Int(i, 4);
    p.updated_at = r.Int(i, 5);
    p.members = static_cast<uint64_t>(std::max<int64_t>(0, r.Int(i, 6)));
    p.target = r.Text(i, 7);
    p.connection = r.Text(i, 8) == "profile_store" ? "" : r.Text(i, 8);
    out.push_back(std::move(p));
  }
  return out;
}

std::map<std::string, Member> PostgresState::Members(const std::string& audience,
                                                     const std::string& destination) {
  std::map<std::string, Member> out;
  Result r = Read(
      "SELECT m.key, m.payload_hash, m.visitor, m.status, m.entered_at, m.updated_at "
      "FROM members m JOIN publications p ON p.id = m.publication "
      "WHERE p.state = $1 AND p.audience = $2 AND p.destination = $3",
      {id_, audience, destination});
  for (int i = 0; i < r.rows(); ++i) {
    Member m;
    m.key = r.Text(i, 0);
    m.payload_hash = r.Text(i, 1);
    m.visitor = r.Int(i, 2) != 0;
    m.status = StatusFromText(r.Text(i, 3));
    m.entered_at = r.Int(i, 4);
    m.updated_at = r.Int(i, 5);
    std::string key = m.key;
    out.emplace(std::move(key), std::move(m));
  }
  return out;
}

// ---- writes ----------------------------------------------------------------

bool PostgresState::FindPublication(const std::string& a, const std::string& d, std::string* pub,
                                    std::string* error) {
  Result r =
      Run("SELECT id FROM publications WHERE state = $1 AND audience = $2 AND destination = $3 "
          "FOR UPDATE",
          {id_, a, d}, error);
  if (!r.ok()) return false;
  *pub = r.rows() ? r.Text(0, 0) : "";
  return true;
}

bool PostgresState::RecordBatch(const Confirmed& c, std::string* error) {
  std::string err;
  if (!error) error = &err;
  error->clear();
  if (!Begin(error)) return false;
  std::string pub;
  if (!FindPublication(c.audience, c.destination, &pub, error)) return Fail(error, *error);
  const std::string now = std::to_string(c.now);
  // Every current status of the batch's keys, in one read.
  std::map<std::string, std::string> status;
  if (!pub.empty()) {
    nlohmann::json keys = nlohmann::json::array();
    for (const auto& u : c.upserts) keys.push_back(u.key);
    for (const auto& k : c.removes) keys.push_back(k);
    Result s =
        Run("SELECT m.key, m.status FROM members m WHERE m.publication = $1 AND m.key IN "
            "(SELECT jsonb_array_elements_text($2::jsonb))",
            {pub, keys.dump()}, error);
    if (!s.ok()) return Fail(error, *error);
    for (int i = 0; i < s.rows(); ++i) status[s.Text(i, 0)] = s.Text(i, 1);
  }
  int64_t delta = 0;
  bool changed = false;
  std::set<std::string> entered;
  for (const auto& u : c.upserts) {
    if (pub.empty()) {
      Result np = Run(
          "INSERT INTO publications (state, audience, destination, connection, definition_hash, "
          "labels, created_at, updated_at, members) VALUES ($1, $2, $3, $4, '', '[]', $5, $5, 0) "
          "RETURNING id",
          {id_, c.audience, c.destination, Conn(c.connection), now}, error);
      if (!np.ok()) return Fail(error, *error);
      pub = np.Text(0, 0);
    }
    const std::string visitor = u.visitor ? "1" : "0";
    auto it = status.find(u.key);
    Result w;
    if (it == status.end()) {
      w =
          Run("INSERT INTO members (publication, key, payload_hash, visitor, status, entered_at, "
              "updated_at) VALUES ($1, $2, $3, $4, 'realized', $5, $5)",
              {pub, u.key, u.payload_hash, visitor, now}, error);
      entered.insert(u.key);
      ++delta;
      status[u.key] = "realized";
    } else if (it->second == "exited") {
      w =
          Run("UPDATE members SET payload_hash = $3, visitor = $4, status = 'realized', "
              "entered_at = $5, updated_at = $5 WHERE publication = $1 AND key = $2",
              {pub, u.key, u.payload_hash, visitor, now}, error);
      entered.insert(u.key);
      ++delta;
      it->second = "realized";
    } else if (entered.count(u.key)) {
      w =
          Run("UPDATE members SET payload_hash = $3, visitor = $4, updated_at = $5 "
              "WHERE publication = $1 AND key = $2",
              {pub, u.key, u.payload_hash, visitor, now}, error);
    } else {
      w =
          Run("UPDATE members SET payload_hash = $3, visitor = $4, status = 'existing', "
              "updated_at = $5 WHERE publication = $1 AND key = $2",
              {pub, u.key, u.payload_hash, visitor, now}, error);
      it->second = "existing";
    }
    if (!w.ok()) return Fail(error, *error);
    changed = true;
  }
  if (!pub.empty()) {
    for (const auto& key : c.removes) {
      auto it = status.find(key);
      if (it == status.end() || it->second == "exited") continue;
      Result w = Run(
          "UPDATE members SET status = 'exited', updated_at = $3 WHERE publication = $1 AND key = "
          "$2",
          {pub, key, now}, error);
      if (!w.ok()) return Fail(error, *error);
      it->second = "exited";
      --delta;
      changed = true;
    }
  }
  if (changed) {
    Result u = Run("UPDATE publications SET members = members + $1, updated_at = $2 WHERE id = $3",
                   {std::to_string(delta), now, pub}, error);
    if (!u.ok() || u.Affected() != 1) {
      if (u.ok()) *error = Prefix() + "the publication's row could not be updated (permission?)";
      return Fail(error, *error);
    }
    if (!BumpSerial(error)) return Fail(error, *error);
  }
  if (c.journal_id != 0) {
    Result j = Run("UPDATE journal SET status = 'done' WHERE id = $1 AND state = $2",
                   {std::to_string(c.journal_id), id_}, error);
    if (!j.ok()) return Fail(error, *error);
    if (j.Affected() == 0) {
      *error = "no journal entry " + std::to_string(c.journal_id) + " to mark done";
      Rollback();
      return false;
    }
  }
  return Commit(error);
}

bool PostgresState::RecordAudience(const AudienceRecord& a, std::string* error) {
  std::string err;
  if (!error) error = &err;
  error->clear();
  const std::string labels = LabelsToText(a.labels);
  if (!Begin(error)) return false;
  Result g =
      Run("SELECT definition_hash, labels, refresh, last_evaluated, last_published FROM audiences "
          "WHERE state = $1 AND name = $2 FOR UPDATE",
          {id_, a.name}, error);
  if (!g.ok()) return Fail(error, *error);
  if (g.rows() == 1 && g.Text(0, 0) == a.definition_hash && g.Text(0, 1) == labels &&
      g.Text(0, 2) == a.refresh && g.Int(0, 3) == a.last_evaluated &&
      g.Int(0, 4) == a.last_published) {
    Rollback();
    return true;  // identical: no change, no serial bump
  }
  // An UPDATE when the row exists: a role with `publish` but not `create`
  // may record a new evaluation, not a new audience (row-level security).
  const std::vector<std::string> values = {id_,
                                           a.name,
                                           a.definition_hash,
                                           labels,
                                           a.refresh,
                                           std::to_string(a.last_evaluated),
                                           std::to_string(a.last_published)};
  Result p = g.rows() == 1
                 ? Run("UPDATE audiences SET definition_hash = $3, labels = $4, refresh = $5, "
                       "last_evaluated = $6, last_published = $7 WHERE state = $1 AND name = $2",
                       values, error)
                 : Run("INSERT INTO audiences (state, name, definition_hash, labels, refresh, "
                       "last_evaluated, last_published) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                       values, error);
  if (!p.ok() || !BumpSerial(error)) return Fail(error, *error);
  return Commit(error);
}

bool PostgresState::RecordPublication(const PublicationRecord& p, std::string* error) {
  std::string err;
  if (!error) error = &err;
  error->clear();
  const std::string labels = LabelsToText(p.labels);
  if (!Begin(error)) return false;
  Result g =
      Run("SELECT definition_hash, labels, updated_at, target, connection FROM publications "
          "WHERE state = $1 AND audience = $2 AND destination = $3 FOR UPDATE",
          {id_, p.audience, p.destination}, error);
  if (!g.ok()) return Fail(error, *error);
  if (g.rows() == 1 && g.Text(0, 0) == p.definition_hash && g.Text(0, 1) == labels &&
      g.Int(0, 2) == p.updated_at && g.Text(0, 3) == p.target &&
      g.Text(0, 4) == Conn(p.connection)) {
    Rollback();
    return true;
  }
  // created_at and members are kept from an existing row.
  Result w =
      g.rows() == 1
          ? Run("UPDATE publications SET connection = $4, definition_hash = $5, labels = $6, "
                "updated_at = $7, target = $8 WHERE state = $1 AND audience = $2 AND "
                "destination = $3",
                {id_, p.audience, p.destination, Conn(p.connection), p.definition_hash, labels,
                 std::to_string(p.updated_at), p.target},
                error)
          : Run("INSERT INTO publications (state, audience, destination, connection, "
                "definition_hash, labels, created_at, updated_at, members, target) VALUES ($1, "
                "$2, $3, $4, $5, $6, $7, $8, 0, $9)",
                {id_, p.audience, p.destination, Conn(p.connection), p.definition_hash, labels,
                 std::to_string(p.created_at != 0 ? p.created_at : p.updated_at),
                 std::to_string(p.updated_at), p.target},
                error);
  if (w.ok() && w.Affected() != 1) {
    *error = Prefix() + "the publication's row could not be written (permission?)";
    return Fail(error, *error);
  }
  if (!w.ok() || !BumpSerial(error)) return Fail(error, *error);
  return Commit(error);
}

bool PostgresState::DropPublication(const std::string& audience, const std::string& destination,
                                    std::string* error) {
  std::string err;
  if (!error) error = &err;
  error->clear();
  if (!Begin(error)) return false;
  std::string pub;
  if (!FindPublication(audience, destination, &pub, error)) return Fail(error, *error);
  if (pub.empty()) {
    Rollback();
    return true;
  }
  if (!Run("DELETE FROM members WHERE publication = $1", {pub}, error).ok())
    return Fail(error, *error);
  Result d = Run("DELETE FROM publications WHERE id = $1", {pub}, error);
  if (!d.ok()) return Fail(error, *error);
  if (d.Affected() != 1) {
    *error = Prefix() + "the publication could not be removed (permission?)";
    return Fail(error, *error);
  }
  if (!BumpSerial(error)) return Fail(error, *error);
  return Commit(error);
}

std::string PostgresState::RemoteId(const std::string& audience, const std::string& destination) {
  Result r = Read(
      "SELECT remote_id FROM remote_ids WHERE state = $1 AND audience = $2 AND destination = $3",
      {id_, audience, destination});
  return r.ok() && r.rows() ? r.Text(0, 0) : "";
}

bool PostgresState::RecordRemoteId(const std::string& audience, const std::string& destination,
                                   const std::string& id, std::string* error) {
  return Run("INSERT INTO remote_ids (state, audience, destination, remote_id) VALUES ($1, $2, "
             "$3, $4) ON CONFLICT (state, audience, destination) DO UPDATE SET remote_id = "
             "excluded.remote_id",
             {id_, audience, destination, id}, error)
      .ok();
}

// ---- journal ---------------------------------------------------------------

int64_t PostgresState::JournalAdd(const JournalEntry& e, std::string* error) {
  const std::string status = e.status.empty() ? "pending" : e.status;
  if (!ValidJournalStatus(status)) {
    if (error)
      *error = "invalid journal status `" + status + "` (expected pending, done or failed)";
    return 0;
  }
  Result r =
      Run("INSERT INTO journal (state, plan_id, audience, destination, batch, idempotency_key, "
          "payload, status, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
          {id_, e.plan_id, e.audience, e.destination, std::to_string(e.batch), e.idempotency_key,
           e.payload, status, std::to_string(e.created_at != 0 ? e.created_at : NowMs())},
          error);
  if (!r.ok() || r.rows() != 1) return 0;
  return r.Int(0, 0);
}

bool PostgresState::JournalSet(int64_t id, const std::string& status, std::string* error) {
  if (!ValidJournalStatus(status)) {
    if (error)
      *error = "invalid journal status `" + status + "` (expected pending, done or failed)";
    return false;
  }
  Result r = Run("UPDATE journal SET status = $1 WHERE id = $2 AND state = $3",
                 {status, std::to_string(id), id_}, error);
  if (!r.ok()) return false;
  if (r.Affected() == 0) {
    if (error) *error = "no journal entry " + std::to_string(id);
    return false;
  }
  return true;
}

std::vector<JournalEntry> PostgresState::JournalPending() {
  std::vector<JournalEntry> out;
  Result r = Read(
      "SELECT id, plan_id, audience, destination, batch, idempotency_key, payload, status, "
      "created_at FROM journal WHERE state = $1 AND status = 'pending' ORDER BY id",
      {id_});
  for (int i = 0; i < r.rows(); ++i) {
    JournalEntry e;
    e.id = r.Int(i, 0);
    e.plan_id = r.Text(i, 1);
    e.audience = r.Text(i, 2);
    e.destination = r.Text(i, 3);
    e.batch = static_cast<uint32_t>(r.Int(i, 4));
    e.idempotency_key = r.Text(i, 5);
    e.payload = r.Text(i, 6);
    e.status = r.Text(i, 7);
    e.created_at = r.Int(i, 8);
    out.push_back(std::move(e));
  }
  return out;
}

// ---- access ----------------------------------------------------------------

bool PostgresState::Can(const std::string& capability, const std::string& connection,
                        std::string* error) {
  std::vector<std::string> params = {id_, capability};
  std::string sql = "SELECT aud_can($1, $2, NULL)";
  if (capability == "publish") {
    sql = "SELECT aud_can($1, $2, $3)";
    params.push_back(Conn(connection));
  }
  Result r = Run(sql, params, error);
  if (!r.ok()) return false;
  return r.Text(0, 0) == "t";
}

std::string PostgresState::Role() {
  Result r = Run("SELECT current_user", {}, nullptr);
  return r.ok() && r.rows() ? r.Text(0, 0) : "";
}

std::string PostgresState::Administrator() {
  Result r = Run("SELECT created_by FROM meta WHERE id = $1", {id_}, nullptr);
  return r.ok() && r.rows() ? r.Text(0, 0) : "";
}

bool PostgresState::Grant(const AccessGrant& g, bool revoke, std::string* error) {
  std::string err;
  if (!error) error = &err;
  if (g.capability != "view" && g.capability != "create" && g.capability != "publish") {
    *error = "unknown capability `" + g.capability + "` (expected view, create or publish)";
    return false;
  }
  Result adm = Run("SELECT aud_is_admin($1)", {id_}, error);
  if (!adm.ok()) return false;
  if (adm.Text(0, 0) != "t") {
    *error = "only the administrator of the state (role `" + Administrator() +
             "`) may change access; the DSN logs in as `" + Role() + "`";
    return false;
  }
  Result role = Run("SELECT 1 FROM pg_roles WHERE rolname = $1", {g.role}, error);
  if (!role.ok()) return false;
  if (role.rows() == 0) {
    *error = "no PostgreSQL role `" + g.role + "`; create it first (CREATE ROLE " + g.role +
             " LOGIN PASSWORD ...)";
    return false;
  }
  const std::string conn = g.capability == "publish" ? g.connection : "";
  char* q = PQescapeIdentifier(conn_, g.role.c_str(), g.role.size());
  if (!q) {
    *error = Prefix() + "cannot quote the role name";
    return false;
  }
  const std::string who = q;
  PQfreemem(q);
  const std::string& s = where_.schema;
  const std::string writable = s + ".meta, " + s + ".audiences, " + s + ".publications, " + s +
                               ".members, " + s + ".journal, " + s + ".remote_ids";
  if (!Begin(error)) return false;
  if (!revoke) {
    if (!Run("INSERT INTO access (state, role, capability, connection) VALUES ($1, $2, $3, $4) "
             "ON CONFLICT DO NOTHING",
             {id_, g.role, g.capability, conn}, error)
             .ok() ||
        !Exec("GRANT USAGE ON SCHEMA " + s + " TO " + who, error) ||
        !Exec("GRANT SELECT ON ALL TABLES IN SCHEMA " + s + " TO " + who, error) ||
        !Exec("GRANT INSERT, DELETE ON " + s + ".lock TO " + who, error) ||
        !Exec("GRANT INSERT ON " + s + ".meta TO " + who, error))
      return Fail(error, *error);
    if (g.capability != "view" &&
        (!Exec("GRANT INSERT, UPDATE, DELETE ON " + writable + " TO " + who, error) ||
         !Exec("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + s + " TO " + who, error)))
      return Fail(error, *error);
    return Commit(error);
  }
  Result d = Run(
      "DELETE FROM access WHERE state = $1 AND role = $2 AND capability = $3 AND connection = $4",
      {id_, g.role, g.capability, conn}, error);
  if (!d.ok()) return Fail(error, *error);
  if (d.Affected() == 0) {
    *error = "role `" + g.role + "` holds no `" + g.capability + "`" +
             (conn.empty() ? std::string() : " on `" + conn + "`") + " to revoke";
    Rollback();
    return false;
  }
  // The database privileges follow what is left in every state of the schema.
  Result left = Run(
      "SELECT count(*), count(*) FILTER (WHERE capability <> 'view') FROM access WHERE role = $1",
      {g.role}, error);
  if (!left.ok()) return Fail(error, *error);
  if (left.Int(0, 1) == 0 &&
      (!Exec("REVOKE INSERT, UPDATE, DELETE ON " + writable + " FROM " + who, error) ||
       !Exec("REVOKE USAGE ON ALL SEQUENCES IN SCHEMA " + s + " FROM " + who, error)))
    return Fail(error, *error);
  if (left.Int(0, 0) == 0 &&
      (!Exec("REVOKE ALL ON ALL TABLES IN SCHEMA " + s + " FROM " + who, error) ||
       !Exec("REVOKE USAGE ON SCHEMA " + s + " FROM " + who, error)))
    return Fail(error, *error);
  return Commit(error);
}

std::vector<AccessGrant> PostgresState::AccessList(std::string* error) {
  std::vector<AccessGrant> out;
  Result r =
      Run("SELECT role, capability, connection FROM access WHERE state = $1 "
          "ORDER BY role, capability, connection",
          {id_}, error);
  for (int i = 0; i < r.rows(); ++i) out.push_back({r.Text(i, 0), r.Text(i, 1), r.Text(i, 2)});
  return out;
}

}  // namespace

std::string TakePostgresReadError(State* state) {
  auto* s = dynamic_cast<PostgresState*>(state);
  return s ? s->TakeReadError() : std::string();
}

std::unique_ptr<State> OpenPostgres(const Location& where, std::string* error, bool* missing) {
  std::string err;
  if (!error) error = &err;
  bool ignored = false;
  if (!missing) missing = &ignored;
  *missing = false;
  error->clear();
  if (where.dsn.empty()) {
    *error = ShownLocation(where) + ": the `dsn` is empty (set $" + where.dsn_env + ")";
    return nullptr;
  }
  auto s = std::make_unique<PostgresState>(where);
  if (!s->Init(error, missing)) {
    if (*missing) error->clear();
    if (!*missing && error->empty()) *error = ShownLocation(where) + ": cannot open";
    return nullptr;
  }
  return s;
}

}  // namespace aud::state
