// State on SQLite (README.md: tables, serial rules, lock rules). One
// connection per State; every write is one `BEGIN IMMEDIATE` transaction so
// that concurrent aud processes queue on the busy timeout instead of failing
// half-way, and a crash leaves either the whole write or none of it.

#include <pwd.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "runtime/state/read_error.h"
#include "runtime/state/state.h"
#include "runtime/state/uuid.h"

namespace aud::state {

namespace {

// The schema this build writes. An older file is migrated on open; a newer
// one is refused (an older aud must not rewrite what it does not understand).
constexpr int64_t kSchemaVersion = 1;
// PRAGMA application_id: 'AUDS', so `file(1)` and we can tell our files apart.
constexpr int64_t kApplicationId = 0x41554453;
// How long a write waits for another aud process before giving up.
constexpr int kBusyTimeoutMs = 15000;

const char* kSchemaV1 = R"sql(
CREATE TABLE schema_version (version INTEGER NOT NULL);
CREATE TABLE meta (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  lineage TEXT NOT NULL,
  serial INTEGER NOT NULL CHECK (serial >= 0),
  created_at INTEGER NOT NULL
);
CREATE TABLE audiences (
  name TEXT PRIMARY KEY,
  definition_hash TEXT NOT NULL,
  labels TEXT NOT NULL,
  refresh TEXT NOT NULL,
  last_evaluated INTEGER NOT NULL,
  last_published INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE publications (
  id INTEGER PRIMARY KEY,
  audience TEXT NOT NULL,
  destination TEXT NOT NULL,
  definition_hash TEXT NOT NULL,
  labels TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  members INTEGER NOT NULL CHECK (members >= 0),
  UNIQUE (audience, destination)
);
CREATE TABLE members (
  publication INTEGER NOT NULL REFERENCES publications (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  payload_hash TEXT NOT NULL,
  visitor INTEGER NOT NULL CHECK (visitor IN (0, 1)),
  status TEXT NOT NULL CHECK (status IN ('realized', 'existing', 'exited')),
  entered_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (publication, key)
) WITHOUT ROWID;
CREATE TABLE journal (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  plan_id TEXT NOT NULL,
  audience TEXT NOT NULL,
  destination TEXT NOT NULL,
  batch INTEGER NOT NULL,
  idempotency_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'failed')),
  created_at INTEGER NOT NULL
);
CREATE INDEX journal_by_status ON journal (status, id);
CREATE TABLE lock (
  slot INTEGER PRIMARY KEY CHECK (slot = 1),
  id TEXT NOT NULL,
  operation TEXT NOT NULL,
  who TEXT NOT NULL,
  pid INTEGER NOT NULL,
  pid_start INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
)sql";

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

// This process's user@host, recorded in the lock row.
std::string HostName() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf[0] ? std::string(buf) : std::string("unknown");
}

// From the password database, not $USER: the lock row must not carry values
// of environment variables (aud.toml may reference any of them as secrets).
std::string UserName() {
  struct passwd pw;
  struct passwd* found = nullptr;
  char buf[4096];
  if (getpwuid_r(geteuid(), &pw, buf, sizeof buf, &found) == 0 && found && found->pw_name &&
      *found->pw_name)
    return found->pw_name;
  return "uid" + std::to_string(geteuid());
}

// A process's start time (clock ticks since boot, field 22 of
// /proc/PID/stat), so a lock whose pid was reused by an unrelated process is
// still seen as dead. 0 when unknown (no /proc): then only the pid is checked.
int64_t ProcessStart(int64_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  if (!in) return 0;
  std::string line;
  std::getline(in, line);
  // The command name (field 2) is parenthesized and may hold spaces or ')'.
  size_t close = line.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(line.substr(close + 1));
  std::string field;
  // Fields 3..22 follow the name; the start time is the 20th of them.
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  char* end = nullptr;
  long long v = std::strtoll(field.c_str(), &end, 10);
  return (end && *end == '\0' && v > 0) ? v : 0;
}

// A prepared statement; finalized on destruction.
class Stmt {
 public:
  Stmt() = default;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt() {
    if (st_) sqlite3_finalize(st_);
  }
  bool Prepare(sqlite3* db, const char* sql, std::string* error) {
    db_ = db;
    if (sqlite3_prepare_v2(db, sql, -1, &st_, nullptr) != SQLITE_OK) {
      if (error) *error = sqlite3_errmsg(db);
      return false;
    }
    return true;
  }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
  }
  // SQLITE_ROW, SQLITE_DONE or an error code (its message in `error`).
  int Step(std::string* error) {
    int rc = sqlite3_step(st_);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE && error) *error = sqlite3_errmsg(db_);
    return rc;
  }
  // Runs a statement that returns no rows; false with `error` on failure.
  bool Run(std::string* error) {
    int rc = Step(error);
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
  }
  void Reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  int64_t Int(int col) { return sqlite3_column_int64(st_, col); }
  std::string Text(int col) {
    const void* p = sqlite3_column_blob(st_, col);
    int n = sqlite3_column_bytes(st_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
};

class SqliteState final : public State {
 public:
  explicit SqliteState(std::string path) : path_(std::move(path)) {}
  ~SqliteState() override {
    if (db_) sqlite3_close_v2(db_);
  }

  bool Init(std::string* error);

  std::string lineage() override { return lineage_; }
  uint64_t serial() override;

  bool Lock(const std::string& operation, LockInfo* acquired, LockInfo* holder,
            std::string* error) override;
  void Unlock(const std::string& id) override { ForceUnlock(id); }
  bool ForceUnlock(const std::string& id) override;
  std::optional<LockInfo> CurrentLock() override;

  std::vector<AudienceRecord> Audiences() override;
  std::optional<AudienceRecord> Audience(const std::string& name) override;
  std::vector<PublicationRecord> Publications() override;
  std::map<std::string, Member> Members(const std::string& audience,
                                        const std::string& destination) override;
  std::map<std::string, Member> MembersIn(const std::string& audience,
                                          const std::string& destination,
                                          const std::set<std::string>& keys) override;
  uint64_t MemberCount(const std::string& audience, const std::string& destination) override;

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
  std::string Shown() const override { return "state `" + path_ + "`"; }

  std::string TakeReadError() {
    std::string out;
    out.swap(read_error_);
    return out;
  }

 private:
  // One write transaction: BEGIN IMMEDIATE takes the write lock up front
  // (waiting on the busy timeout), rolled back unless committed.
  class Txn {
   public:
    explicit Txn(SqliteState* s) : s_(s) {}
    ~Txn() {
      if (open_) sqlite3_exec(s_->db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    bool Begin(std::string* error) {
      if (!s_->Exec("BEGIN IMMEDIATE", error)) return false;
      open_ = true;
      return true;
    }
    bool Commit(std::string* error) {
      if (!s_->Exec("COMMIT", error)) return false;  // still open: the destructor rolls back
      open_ = false;
      return true;
    }

   private:
    SqliteState* s_;
    bool open_ = false;
  };

  bool Exec(const char* sql, std::string* error) {
    char* msg = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &msg);
    last_rc_ = rc;
    if (rc != SQLITE_OK) {
      if (error) *error = Describe(rc, msg ? msg : sqlite3_errmsg(db_));
      sqlite3_free(msg);
      return false;
    }
    return true;
  }

  // An error message that names the file (never values from the data).
  std::string Describe(int rc, const std::string& msg) const {
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
      return "state `" + path_ + "` is busy (another aud process is writing it): " + msg;
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
      return "state `" + path_ + "` is not a valid aud state database: " + msg;
    return "state `" + path_ + "`: " + msg;
  }
  bool Fail(std::string* error, const std::string& msg) {
    last_rc_ = sqlite3_extended_errcode(db_);
    if (error) *error = Describe(last_rc_, msg);
    return false;
  }
  bool Prepare(Stmt* st, const char* sql, std::string* error) {
    std::string msg;
    if (st->Prepare(db_, sql, &msg)) return true;
    return Fail(error, msg);
  }
  bool Run(Stmt* st, std::string* error) {
    std::string msg;
    if (st->Run(&msg)) return true;
    return Fail(error, msg);
  }
  bool BumpSerial(std::string* error) {
    return Exec("UPDATE meta SET serial = serial + 1 WHERE id = 1", error);
  }
  // Reads cannot return an error through the contract: a failed read
  // returns what it has and leaves its message for TakeReadError.
  bool ReadPrepare(Stmt* st, const char* sql) {
    std::string msg;
    if (st->Prepare(db_, sql, &msg)) return true;
    read_error_ = Describe(sqlite3_extended_errcode(db_), msg);
    return false;
  }
  int ReadStep(Stmt* st) {
    std::string msg;
    int rc = st->Step(&msg);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) read_error_ = Describe(rc, msg);
    return rc;
  }
  bool Setup(std::string* error);
  bool CreateSchema(std::string* error);
  bool FindPublication(const std::string& a, const std::string& d, int64_t* id, std::string* error);

  std::string path_;
  sqlite3* db_ = nullptr;
  std::string lineage_;
  uint64_t last_serial_ = 0;
  std::string read_error_;   // the last failed read's message, until taken
  int last_rc_ = SQLITE_OK;  // of the last failed Exec / Fail
};

bool SqliteState::Init(std::string* error) {
  int rc =
      sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    *error = "cannot open state `" + path_ +
             "`: " + (db_ ? std::string(sqlite3_errmsg(db_)) : std::string(sqlite3_errstr(rc)));
    return false;
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, kBusyTimeoutMs);
  // Processes opening a new file at the same moment can get SQLITE_BUSY
  // without the busy handler being called (switching the fresh file to WAL
  // needs an exclusive lock, and SQLite refuses to wait where waiting could
  // deadlock), so the whole setup is retried for as long as the busy timeout.
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    last_rc_ = SQLITE_OK;
    if (Setup(error)) return true;
    const int primary = last_rc_ & 0xff;
    if (primary != SQLITE_BUSY && primary != SQLITE_LOCKED) return false;
    if (std::chrono::steady_clock::now() - start > std::chrono::milliseconds(kBusyTimeoutMs))
      return false;
    ::usleep(5000);
  }
}

bool SqliteState::Setup(std::string* error) {
  // The first read of the header tells a garbage file from a database.
  if (!Exec("SELECT count(*) FROM sqlite_master", error)) return false;
  // WAL: readers never block the writer; FULL: a commit survives power loss.
  // A file system without WAL support keeps its rollback journal, still atomic.
  if (!Exec("PRAGMA journal_mode = WAL", error)) return false;
  if (!Exec("PRAGMA synchronous = FULL", error)) return false;
  if (!Exec("PRAGMA foreign_keys = ON", error)) return false;

  Txn txn(this);
  if (!txn.Begin(error)) return false;
  Stmt app;
  if (!Prepare(&app, "PRAGMA application_id", error)) return false;
  int64_t app_id = app.Step(nullptr) == SQLITE_ROW ? app.Int(0) : 0;
  app.Reset();
  Stmt has;
  if (!Prepare(&has,
               "SELECT (SELECT count(*) FROM sqlite_master),"
               " (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
               "'schema_version')",
               error))
    return false;
  std::string msg;
  if (has.Step(&msg) != SQLITE_ROW) return Fail(error, msg);
  int64_t objects = has.Int(0), versioned = has.Int(1);
  has.Reset();  // no statement stays active while the schema is created
  if (app_id != 0 && app_id != kApplicationId) {
    *error = "state `" + path_ + "` is an SQLite database of another application";
    return false;
  }
  if (objects == 0) {
    if (!CreateSchema(error)) return false;
  } else if (!versioned) {
    *error = "state `" + path_ + "` is an SQLite database but not an aud state file";
    return false;
  }
  Stmt ver;
  if (!Prepare(&ver, "SELECT max(version), count(*) FROM schema_version", error)) return false;
  if (ver.Step(&msg) != SQLITE_ROW) return Fail(error, msg);
  int64_t version = ver.Int(0);
  if (ver.Int(1) == 0 || version < 1) {
    *error = "state `" + path_ + "` has no schema version (not an aud state file?)";
    return false;
  }
  if (version > kSchemaVersion) {
    *error = "state `" + path_ + "` has schema version " + std::to_string(version) +
             ", newer than this aud supports (" + std::to_string(kSchemaVersion) +
             "); use a newer aud";
    return false;
  }
  // (Migrations from older versions go here when a version 2 exists.)
  // The destination identity of a publication (README "Destination
  // identity"): a column added in place, without a version bump, since an
  // older aud names its columns and never reads it.
  Stmt col;
  if (!Prepare(&col, "SELECT count(*) FROM pragma_table_info('publications') WHERE name = 'target'",
               error))
    return false;
  if (col.Step(&msg) != SQLITE_ROW) return Fail(error, msg);
  const bool has_target = col.Int(0) != 0;
  col.Reset();
  if (!has_target &&
      !Exec("ALTER TABLE publications ADD COLUMN target TEXT NOT NULL DEFAULT ''", error))
    return false;
  Stmt meta;
  if (!Prepare(&meta, "SELECT lineage, serial FROM meta WHERE id = 1", error)) return false;
  int step = meta.Step(&msg);
  if (step != SQLITE_ROW) {
    if (step == SQLITE_DONE) msg = "no lineage recorded";
    return Fail(error, msg);
  }
  lineage_ = meta.Text(0);
  last_serial_ = static_cast<uint64_t>(meta.Int(1));
  meta.Reset();
  ver.Reset();
  if (!LooksLikeUuid(lineage_)) {
    *error = "state `" + path_ + "` has a malformed lineage";
    return false;
  }
  return txn.Commit(error);
}

bool SqliteState::CreateSchema(std::string* error) {
  std::string lineage;
  if (!NewUuid(&lineage, error)) return false;
  if (!Exec(kSchemaV1, error)) return false;
  Stmt v;
  if (!Prepare(&v, "INSERT INTO schema_version (version) VALUES (?)", error)) return false;
  v.Bind(1, kSchemaVersion);
  if (!Run(&v, error)) return false;
  Stmt m;
  if (!Prepare(&m, "INSERT INTO meta (id, lineage, serial, created_at) VALUES (1, ?, 0, ?)", error))
    return false;
  m.Bind(1, lineage).Bind(2, NowMs());
  if (!Run(&m, error)) return false;
  std::string pragma = "PRAGMA application_id = " + std::to_string(kApplicationId);
  return Exec(pragma.c_str(), error);
}

uint64_t SqliteState::serial() {
  Stmt st;
  if (!ReadPrepare(&st, "SELECT serial FROM meta WHERE id = 1")) return last_serial_;
  if (ReadStep(&st) == SQLITE_ROW) last_serial_ = static_cast<uint64_t>(st.Int(0));
  return last_serial_;
}

// ---- lock ------------------------------------------------------------------

bool SqliteState::Lock(const std::string& operation, LockInfo* acquired, LockInfo* holder,
                       std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  Stmt cur;
  if (!Prepare(&cur, "SELECT id, operation, who, pid, pid_start, created_at FROM lock", error))
    return false;
  std::string msg;
  int rc = cur.Step(&msg);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, msg);
  const std::string host = HostName();
  const std::string who = UserName() + "@" + host;
  if (rc == SQLITE_ROW) {
    LockInfo held;
    held.id = cur.Text(0);
    held.operation = cur.Text(1);
    held.who = cur.Text(2);
    held.pid = cur.Int(3);
    int64_t pid_start = cur.Int(4);
    held.created_at = cur.Int(5);
    cur.Reset();
    size_t at = held.who.rfind('@');
    std::string held_host = at == std::string::npos ? held.who : held.who.substr(at + 1);
    bool alive;
    if (held_host != host) {
      alive = true;  // another machine: its processes cannot be checked from here
    } else if (held.pid <= 0 || held.pid > INT32_MAX) {
      alive = false;  // not a process (kill(0) or kill(-n) would mean a group)
    } else if (::kill(static_cast<pid_t>(held.pid), 0) == 0 || errno == EPERM) {
      // The pid exists; when both start times are known, a different one
      // means the pid was reused after the holder died.
      int64_t now_start = ProcessStart(held.pid);
      alive = !(pid_start != 0 && now_start != 0 && now_start != pid_start);
    } else {
      alive = false;
    }
    if (alive) {
      if (holder) *holder = held;
      *error = "state is locked by " + held.who + " (pid " + std::to_string(held.pid) +
               ", operation `" + held.operation + "`, lock id " + held.id +
               (held_host != host ? "; held from another host" : "") + ")";
      return false;
    }
    Stmt del;
    if (!Prepare(&del, "DELETE FROM lock", error) || !Run(&del, error)) return false;
  }
  LockInfo info;
  if (!NewUuid(&info.id, error)) return false;
  info.operation = operation;
  info.who = who;
  info.pid = static_cast<int64_t>(::getpid());
  info.created_at = NowMs();
  Stmt ins;
  if (!Prepare(&ins,
               "INSERT INTO lock (slot, id, operation, who, pid, pid_start, created_at)"
               " VALUES (1, ?, ?, ?, ?, ?, ?)",
               error))
    return false;
  ins.Bind(1, info.id).Bind(2, info.operation).Bind(3, info.who).Bind(4, info.pid);
  ins.Bind(5, ProcessStart(info.pid)).Bind(6, info.created_at);
  if (!Run(&ins, error)) return false;
  if (!txn.Commit(error)) return false;
  if (acquired) *acquired = info;
  return true;
}

bool SqliteState::ForceUnlock(const std::string& id) {
  Stmt del;
  if (!del.Prepare(db_, "DELETE FROM lock WHERE id = ?", nullptr)) return false;
  del.Bind(1, id);
  if (!del.Run(nullptr)) return false;
  return sqlite3_changes(db_) > 0;
}

std::optional<LockInfo> SqliteState::CurrentLock() {
  Stmt st;
  if (!ReadPrepare(&st, "SELECT id, operation, who, pid, created_at FROM lock"))
    return std::nullopt;
  if (ReadStep(&st) != SQLITE_ROW) return std::nullopt;
  LockInfo l;
  l.id = st.Text(0);
  l.operation = st.Text(1);
  l.who = st.Text(2);
  l.pid = st.Int(3);
  l.created_at = st.Int(4);
  return l;
}

// ---- reads -----------------------------------------------------------------

// One row of `SELECT name, definition_hash, labels, refresh, last_evaluated,
// last_published FROM audiences`.
AudienceRecord AudienceFromRow(Stmt& st) {
  AudienceRecord a;
  a.name = st.Text(0);
  a.definition_hash = st.Text(1);
  a.labels = LabelsFromText(st.Text(2));
  a.refresh = st.Text(3);
  a.last_evaluated = st.Int(4);
  a.last_published = st.Int(5);
  return a;
}

std::vector<AudienceRecord> SqliteState::Audiences() {
  std::vector<AudienceRecord> out;
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT name, definition_hash, labels, refresh, last_evaluated, "
                   "last_published FROM audiences ORDER BY name"))
    return out;
  while (ReadStep(&st) == SQLITE_ROW) out.push_back(AudienceFromRow(st));
  return out;
}

std::optional<AudienceRecord> SqliteState::Audience(const std::string& name) {
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT name, definition_hash, labels, refresh, last_evaluated, "
                   "last_published FROM audiences WHERE name = ?"))
    return std::nullopt;
  st.Bind(1, name);
  if (ReadStep(&st) != SQLITE_ROW) return std::nullopt;
  return AudienceFromRow(st);
}

std::vector<PublicationRecord> SqliteState::Publications() {
  std::vector<PublicationRecord> out;
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT audience, destination, definition_hash, labels, created_at, "
                   "updated_at, members, target FROM publications ORDER BY audience, destination"))
    return out;
  while (ReadStep(&st) == SQLITE_ROW) {
    PublicationRecord p;
    p.audience = st.Text(0);
    p.destination = st.Text(1);
    p.definition_hash = st.Text(2);
    p.labels = LabelsFromText(st.Text(3));
    p.created_at = st.Int(4);
    p.updated_at = st.Int(5);
    p.members = static_cast<uint64_t>(std::max<int64_t>(0, st.Int(6)));
    p.target = st.Text(7);
    out.push_back(std::move(p));
  }
  return out;
}

std::map<std::string, Member> SqliteState::Members(const std::string& audience,
                                                   const std::string& destination) {
  std::map<std::string, Member> out;
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT m.key, m.payload_hash, m.visitor, m.status, m.entered_at, m.updated_at"
                   " FROM members m JOIN publications p ON p.id = m.publication"
                   " WHERE p.audience = ? AND p.destination = ?"))
    return out;
  st.Bind(1, audience).Bind(2, destination);
  while (ReadStep(&st) == SQLITE_ROW) {
    Member m;
    m.key = st.Text(0);
    m.payload_hash = st.Text(1);
    m.visitor = st.Int(2) != 0;
    m.status = StatusFromText(st.Text(3));
    m.entered_at = st.Int(4);
    m.updated_at = st.Int(5);
    std::string key = m.key;
    out.emplace(std::move(key), std::move(m));
  }
  return out;
}

std::map<std::string, Member> SqliteState::MembersIn(const std::string& audience,
                                                     const std::string& destination,
                                                     const std::set<std::string>& keys) {
  std::map<std::string, Member> out;
  int64_t id = 0;
  {
    Stmt pub;
    if (!ReadPrepare(&pub, "SELECT id FROM publications WHERE audience = ? AND destination = ?"))
      return out;
    pub.Bind(1, audience).Bind(2, destination);
    if (ReadStep(&pub) != SQLITE_ROW) return out;
    id = pub.Int(0);
  }
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT payload_hash, visitor, status, entered_at, updated_at FROM members"
                   " WHERE publication = ? AND key = ?"))
    return out;
  for (const auto& key : keys) {
    st.Bind(1, id).Bind(2, key);
    if (ReadStep(&st) == SQLITE_ROW) {
      Member m;
      m.key = key;
      m.payload_hash = st.Text(0);
      m.visitor = st.Int(1) != 0;
      m.status = StatusFromText(st.Text(2));
      m.entered_at = st.Int(3);
      m.updated_at = st.Int(4);
      out.emplace(key, std::move(m));
    }
    st.Reset();
  }
  return out;
}

uint64_t SqliteState::MemberCount(const std::string& audience, const std::string& destination) {
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT count(*) FROM members m JOIN publications p ON p.id = m.publication"
                   " WHERE p.audience = ? AND p.destination = ? AND m.status <> 'exited'"))
    return 0;
  st.Bind(1, audience).Bind(2, destination);
  return ReadStep(&st) == SQLITE_ROW ? static_cast<uint64_t>(st.Int(0)) : 0;
}

// ---- writes ----------------------------------------------------------------

bool SqliteState::FindPublication(const std::string& a, const std::string& d, int64_t* id,
                                  std::string* error) {
  Stmt st;
  if (!Prepare(&st, "SELECT id FROM publications WHERE audience = ? AND destination = ?", error))
    return false;
  st.Bind(1, a).Bind(2, d);
  std::string msg;
  int rc = st.Step(&msg);
  if (rc == SQLITE_ROW) {
    *id = st.Int(0);
    return true;
  }
  if (rc == SQLITE_DONE) {
    *id = 0;
    return true;
  }
  return Fail(error, msg);
}

bool SqliteState::RecordBatch(const Confirmed& c, std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  int64_t pub = 0;
  if (!FindPublication(c.audience, c.destination, &pub, error)) return false;

  Stmt get, ins, reenter, update, keep, leave;
  if (!Prepare(&get, "SELECT status FROM members WHERE publication = ? AND key = ?", error) ||
      !Prepare(&ins,
               "INSERT INTO members (publication, key, payload_hash, visitor, status, "
               "entered_at, updated_at) VALUES (?, ?, ?, ?, 'realized', ?, ?)",
               error) ||
      !Prepare(&reenter,
               "UPDATE members SET payload_hash = ?, visitor = ?, status = 'realized', "
               "entered_at = ?, updated_at = ? WHERE publication = ? AND key = ?",
               error) ||
      !Prepare(&update,
               "UPDATE members SET payload_hash = ?, visitor = ?, status = 'existing', "
               "updated_at = ? WHERE publication = ? AND key = ?",
               error) ||
      // A key that entered earlier in this same batch stays realized.
      !Prepare(&keep,
               "UPDATE members SET payload_hash = ?, visitor = ?, updated_at = ? "
               "WHERE publication = ? AND key = ?",
               error) ||
      !Prepare(&leave,
               "UPDATE members SET status = 'exited', updated_at = ? "
               "WHERE publication = ? AND key = ?",
               error))
    return false;

  int64_t delta = 0;  // change of the current-member count
  bool changed = false;
  std::set<std::string> entered;  // keys that (re-)entered in this batch
  std::string msg;
  for (const auto& u : c.upserts) {
    if (pub == 0) {
      Stmt np;
      if (!Prepare(&np,
                   "INSERT INTO publications (audience, destination, definition_hash, labels, "
                   "created_at, updated_at, members) VALUES (?, ?, '', '[]', ?, ?, 0)",
                   error))
        return false;
      np.Bind(1, c.audience).Bind(2, c.destination).Bind(3, c.now).Bind(4, c.now);
      if (!Run(&np, error)) return false;
      pub = sqlite3_last_insert_rowid(db_);
    }
    get.Bind(1, pub).Bind(2, u.key);
    int rc = get.Step(&msg);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, msg);
    std::string status = rc == SQLITE_ROW ? get.Text(0) : "";
    get.Reset();
    int64_t visitor = u.visitor ? 1 : 0;
    if (rc == SQLITE_DONE) {
      ins.Bind(1, pub).Bind(2, u.key).Bind(3, u.payload_hash).Bind(4, visitor);
      ins.Bind(5, c.now).Bind(6, c.now);
      if (!Run(&ins, error)) return false;
      entered.insert(u.key);
      ++delta;
    } else if (status == "exited") {
      reenter.Bind(1, u.payload_hash).Bind(2, visitor).Bind(3, c.now).Bind(4, c.now);
      reenter.Bind(5, pub).Bind(6, u.key);
      if (!Run(&reenter, error)) return false;
      entered.insert(u.key);
      ++delta;
    } else {
      Stmt& st = entered.count(u.key) ? keep : update;
      st.Bind(1, u.payload_hash).Bind(2, visitor).Bind(3, c.now).Bind(4, pub).Bind(5, u.key);
      if (!Run(&st, error)) return false;
    }
    changed = true;
  }
  if (pub != 0) {
    for (const auto& key : c.removes) {
      get.Bind(1, pub).Bind(2, key);
      int rc = get.Step(&msg);
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, msg);
      bool current = rc == SQLITE_ROW && get.Text(0) != "exited";
      get.Reset();
      if (!current) continue;  // unknown or already exited: nothing to record
      leave.Bind(1, c.now).Bind(2, pub).Bind(3, key);
      if (!Run(&leave, error)) return false;
      --delta;
      changed = true;
    }
  }
  if (changed) {
    Stmt upd;
    if (!Prepare(&upd, "UPDATE publications SET members = members + ?, updated_at = ? WHERE id = ?",
                 error))
      return false;
    upd.Bind(1, delta).Bind(2, c.now).Bind(3, pub);
    if (!Run(&upd, error)) return false;
    if (!BumpSerial(error)) return false;
  }
  if (c.journal_id != 0) {
    Stmt j;
    if (!Prepare(&j, "UPDATE journal SET status = 'done' WHERE id = ?", error)) return false;
    j.Bind(1, c.journal_id);
    if (!Run(&j, error)) return false;
    if (sqlite3_changes(db_) == 0) {
      *error = "no journal entry " + std::to_string(c.journal_id) + " to mark done";
      return false;
    }
  }
  return txn.Commit(error);
}

bool SqliteState::RecordAudience(const AudienceRecord& a, std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  const std::string labels = LabelsToText(a.labels);
  Stmt get;
  if (!Prepare(&get,
               "SELECT definition_hash, labels, refresh, last_evaluated, last_published "
               "FROM audiences WHERE name = ?",
               error))
    return false;
  get.Bind(1, a.name);
  std::string msg;
  int rc = get.Step(&msg);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, msg);
  if (rc == SQLITE_ROW && get.Text(0) == a.definition_hash && get.Text(1) == labels &&
      get.Text(2) == a.refresh && get.Int(3) == a.last_evaluated && get.Int(4) == a.last_published)
    return true;  // identical: no change, no serial bump (the transaction rolls back)
  get.Reset();
  Stmt put;
  if (!Prepare(&put,
               "INSERT INTO audiences (name, definition_hash, labels, refresh, last_evaluated, "
               "last_published) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
               "definition_hash = excluded.definition_hash, labels = excluded.labels, "
               "refresh = excluded.refresh, last_evaluated = excluded.last_evaluated, "
               "last_published = excluded.last_published",
               error))
    return false;
  put.Bind(1, a.name).Bind(2, a.definition_hash).Bind(3, labels).Bind(4, a.refresh);
  put.Bind(5, a.last_evaluated).Bind(6, a.last_published);
  if (!Run(&put, error) || !BumpSerial(error)) return false;
  return txn.Commit(error);
}

bool SqliteState::RecordPublication(const PublicationRecord& p, std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  const std::string labels = LabelsToText(p.labels);
  Stmt get;
  if (!Prepare(&get,
               "SELECT definition_hash, labels, updated_at, target FROM publications "
               "WHERE audience = ? AND destination = ?",
               error))
    return false;
  get.Bind(1, p.audience).Bind(2, p.destination);
  std::string msg;
  int rc = get.Step(&msg);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return Fail(error, msg);
  if (rc == SQLITE_ROW && get.Text(0) == p.definition_hash && get.Text(1) == labels &&
      get.Int(2) == p.updated_at && get.Text(3) == p.target)
    return true;  // identical: no change, no serial bump
  get.Reset();
  // created_at is kept from the existing row (when the publication began);
  // members is kept too: RecordBatch maintains it from the member records.
  Stmt put;
  if (!Prepare(&put,
               "INSERT INTO publications (audience, destination, definition_hash, labels, "
               "created_at, updated_at, members, target) VALUES (?, ?, ?, ?, ?, ?, 0, ?) "
               "ON CONFLICT (audience, destination) DO UPDATE SET "
               "definition_hash = excluded.definition_hash, labels = excluded.labels, "
               "updated_at = excluded.updated_at, target = excluded.target",
               error))
    return false;
  put.Bind(1, p.audience).Bind(2, p.destination).Bind(3, p.definition_hash).Bind(4, labels);
  put.Bind(5, p.created_at != 0 ? p.created_at : p.updated_at).Bind(6, p.updated_at);
  put.Bind(7, p.target);
  if (!Run(&put, error) || !BumpSerial(error)) return false;
  return txn.Commit(error);
}

std::string SqliteState::RemoteId(const std::string& audience, const std::string& destination) {
  Stmt has;
  if (!ReadPrepare(&has,
                   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = "
                   "'remote_ids'"))
    return "";
  if (ReadStep(&has) != SQLITE_ROW || has.Int(0) == 0) return "";
  has.Reset();
  Stmt st;
  if (!ReadPrepare(&st, "SELECT remote_id FROM remote_ids WHERE audience = ? AND destination = ?"))
    return "";
  st.Bind(1, audience).Bind(2, destination);
  if (ReadStep(&st) != SQLITE_ROW) return "";
  return st.Text(0);
}

bool SqliteState::RecordRemoteId(const std::string& audience, const std::string& destination,
                                 const std::string& id, std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  // Created on first use, so state files written before it stay as they were.
  if (!Exec("CREATE TABLE IF NOT EXISTS remote_ids (audience TEXT NOT NULL, destination TEXT NOT "
            "NULL, remote_id TEXT NOT NULL, PRIMARY KEY (audience, destination)) WITHOUT ROWID",
            error))
    return false;
  Stmt put;
  if (!Prepare(&put,
               "INSERT INTO remote_ids (audience, destination, remote_id) VALUES (?, ?, ?) "
               "ON CONFLICT (audience, destination) DO UPDATE SET remote_id = excluded.remote_id",
               error))
    return false;
  put.Bind(1, audience).Bind(2, destination).Bind(3, id);
  if (!Run(&put, error)) return false;
  return txn.Commit(error);
}

bool SqliteState::DropPublication(const std::string& audience, const std::string& destination,
                                  std::string* error) {
  std::string err;
  if (!error) error = &err;
  Txn txn(this);
  if (!txn.Begin(error)) return false;
  int64_t pub = 0;
  if (!FindPublication(audience, destination, &pub, error)) return false;
  if (pub == 0) return true;  // nothing recorded: nothing to drop, no bump
  // Members first, explicitly: correct even if foreign keys were off.
  Stmt dm, dp;
  if (!Prepare(&dm, "DELETE FROM members WHERE publication = ?", error) ||
      !Prepare(&dp, "DELETE FROM publications WHERE id = ?", error))
    return false;
  dm.Bind(1, pub);
  dp.Bind(1, pub);
  if (!Run(&dm, error) || !Run(&dp, error) || !BumpSerial(error)) return false;
  return txn.Commit(error);
}

// ---- journal ---------------------------------------------------------------

int64_t SqliteState::JournalAdd(const JournalEntry& e, std::string* error) {
  std::string err;
  if (!error) error = &err;
  const std::string status = e.status.empty() ? "pending" : e.status;
  if (!ValidJournalStatus(status)) {
    *error = "invalid journal status `" + status + "` (expected pending, done or failed)";
    return 0;
  }
  Stmt ins;
  if (!Prepare(&ins,
               "INSERT INTO journal (plan_id, audience, destination, batch, idempotency_key, "
               "payload, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               error))
    return 0;
  ins.Bind(1, e.plan_id).Bind(2, e.audience).Bind(3, e.destination);
  ins.Bind(4, static_cast<int64_t>(e.batch)).Bind(5, e.idempotency_key).Bind(6, e.payload);
  ins.Bind(7, status).Bind(8, e.created_at != 0 ? e.created_at : NowMs());
  // A single statement is its own (durable) transaction.
  if (!Run(&ins, error)) return 0;
  return sqlite3_last_insert_rowid(db_);
}

bool SqliteState::JournalSet(int64_t id, const std::string& status, std::string* error) {
  std::string err;
  if (!error) error = &err;
  if (!ValidJournalStatus(status)) {
    *error = "invalid journal status `" + status + "` (expected pending, done or failed)";
    return false;
  }
  Stmt st;
  if (!Prepare(&st, "UPDATE journal SET status = ? WHERE id = ?", error)) return false;
  st.Bind(1, status).Bind(2, id);
  if (!Run(&st, error)) return false;
  if (sqlite3_changes(db_) == 0) {
    *error = "no journal entry " + std::to_string(id);
    return false;
  }
  return true;
}

std::vector<JournalEntry> SqliteState::JournalPending() {
  std::vector<JournalEntry> out;
  Stmt st;
  if (!ReadPrepare(&st,
                   "SELECT id, plan_id, audience, destination, batch, idempotency_key, payload, "
                   "status, created_at FROM journal WHERE status = 'pending' ORDER BY id"))
    return out;
  while (ReadStep(&st) == SQLITE_ROW) {
    JournalEntry e;
    e.id = st.Int(0);
    e.plan_id = st.Text(1);
    e.audience = st.Text(2);
    e.destination = st.Text(3);
    e.batch = static_cast<uint32_t>(st.Int(4));
    e.idempotency_key = st.Text(5);
    e.payload = st.Text(6);
    e.status = st.Text(7);
    e.created_at = st.Int(8);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

std::string TakeReadError(State* state) {
  if (auto* s = dynamic_cast<SqliteState*>(state)) return s->TakeReadError();
  return TakePostgresReadError(state);
}

std::unique_ptr<State> State::Open(const std::string& path, std::string* error) {
  std::string err;
  if (!error) error = &err;
  error->clear();
  auto s = std::make_unique<SqliteState>(path);
  if (!s->Init(error)) {
    if (error->empty()) *error = "cannot open state `" + path + "`";
    return nullptr;
  }
  return s;
}

}  // namespace aud::state
