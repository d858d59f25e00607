#pragma once
// Recorded state (docs/architecture.md §5): what the destinations have confirmed.
// SQLite `.aud/state.db` (WAL, synchronous=FULL). Every write is one
// transaction; every confirmed change bumps `serial`, which saved plans
// record so that a stale plan (or one applied twice) is refused.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace aud::state {

// A member's status at a destination (AEP's segment membership statuses):
// realized: entered in the last change of it; existing: still a member;
// exited: left (kept as history, not a current member).
enum class MemberStatus : uint8_t { Realized, Existing, Exited };
const char* MemberStatusName(MemberStatus s);

// A member record of one publication.
struct Member {
  std::string key;           // destination key
  std::string payload_hash;  // of what was sent
  bool visitor = false;
  MemberStatus status = MemberStatus::Realized;
  int64_t entered_at = 0;  // UTC ms: when it (last) entered
  int64_t updated_at = 0;  // UTC ms: last confirmed change
};

// What is recorded per audience.
struct AudienceRecord {
  std::string name;
  std::string definition_hash;
  std::vector<std::string> labels;  // sorted
  std::string refresh;              // "every 1d", "once" or "" (none given)
  int64_t last_evaluated = 0;       // UTC ms, 0: never
  int64_t last_published = 0;       // UTC ms, 0: never
};

// What is recorded per publication (audience x destination).
struct PublicationRecord {
  std::string audience, destination;
  std::string definition_hash;      // the audience's, when last published
  std::vector<std::string> labels;  // sorted
  int64_t created_at = 0, updated_at = 0;
  uint64_t members = 0;  // current (non-exited) members
  // Where the destination was when last published (hex fingerprint of a
  // file connection's dir and format; "" unknown): a change re-publishes.
  std::string target;
  // The destination's `[connections.NAME]` ("" for the built-in profile
  // store): what the `publish` capability of a PostgreSQL state is checked
  // against. Not kept by the SQLite state (no permissions there).
  std::string connection;
};

// One confirmed batch, recorded in one transaction with the serial bump.
struct Confirmed {
  std::string audience, destination;
  struct Upsert {
    std::string key, payload_hash;
    bool visitor = false;
  };
  std::vector<Upsert> upserts;       // become realized (new or re-entered) or existing (updated)
  std::vector<std::string> removes;  // become exited
  int64_t now = 0;
  int64_t journal_id = 0;  // marked done in the same transaction (0: none)
  std::string connection;  // the destination's connection (PublicationRecord::connection)
};

// One apply-journal step: a batch about to be sent.
struct JournalEntry {
  int64_t id = 0;
  std::string plan_id;
  std::string audience, destination;
  uint32_t batch = 0;
  std::string idempotency_key;
  std::string payload;  // the batch as JSON (no secrets), to re-send it identically
  std::string status;   // "pending" | "done" | "failed"
  int64_t created_at = 0;
};

// The lock row.
struct LockInfo {
  std::string id;         // UUID
  std::string operation;  // "apply", "plan", ...
  std::string who;        // user@host
  int64_t pid = 0;
  int64_t created_at = 0;
};

// One grant of a capability (`view`, `create`, `publish`) to a database role,
// on one connection ("" = every connection).
struct AccessGrant {
  std::string role, capability, connection;
};

class State {
 public:
  // Opens (creating the file, schema and lineage if absent) `path`. Null
  // with `error` on failure (a newer schema version, a corrupt file).
  static std::unique_ptr<State> Open(const std::string& path, std::string* error);
  virtual ~State() = default;

  virtual std::string lineage() = 0;
  virtual uint64_t serial() = 0;

  // Takes the lock. A lock held by a live process (same host, pid alive) is
  // refused: false, with `holder` filled. A dead holder's lock is reclaimed.
  virtual bool Lock(const std::string& operation, LockInfo* acquired, LockInfo* holder,
                    std::string* error) = 0;
  virtual void Unlock(const std::string& id) = 0;
  // `aud force-unlock ID`: false when no lock with that id exists.
  virtual bool ForceUnlock(const std::string& id) = 0;
  virtual std::optional<LockInfo> CurrentLock() = 0;

  // Reads.
  virtual std::vector<AudienceRecord> Audiences() = 0;
  virtual std::optional<AudienceRecord> Audience(const std::string& name) = 0;
  virtual std::vector<PublicationRecord> Publications() = 0;
  // Every member record of a publication (exited ones included), by key.
  virtual std::map<std::string, Member> Members(const std::string& audience,
                                                const std::string& destination) = 0;
  // The member records of a publication whose key is in `keys` (a partial
  // plan's scope); a backend may read only those.
  virtual std::map<std::string, Member> MembersIn(const std::string& audience,
                                                  const std::string& destination,
                                                  const std::set<std::string>& keys) {
    std::map<std::string, Member> out;
    for (auto& [key, m] : Members(audience, destination))
      if (keys.count(key)) out.emplace(key, std::move(m));
    return out;
  }
  // The number of current (not exited) members of a publication.
  virtual uint64_t MemberCount(const std::string& audience, const std::string& destination) {
    uint64_t n = 0;
    for (const auto& [key, m] : Members(audience, destination))
      n += m.status != MemberStatus::Exited ? 1 : 0;
    return n;
  }

  // Writes: each is one transaction and bumps the serial when it changes
  // anything. Return false with `error` on failure (nothing written).
  virtual bool RecordBatch(const Confirmed& c, std::string* error) = 0;
  virtual bool RecordAudience(const AudienceRecord& a, std::string* error) = 0;
  virtual bool RecordPublication(const PublicationRecord& p, std::string* error) = 0;
  // Removes a publication and its members (after a confirmed delete).
  virtual bool DropPublication(const std::string& audience, const std::string& destination,
                               std::string* error) = 0;

  // The id a destination gave a publication (the Autopilot list id), so a
  // later apply finds it even when its title changed; "" when none. Kept in
  // table `remote_ids`, created on first record (older state files are read
  // as having none); kept when the publication is dropped. Recording does not
  // bump the serial: plans do not depend on it.
  virtual std::string RemoteId(const std::string& audience, const std::string& destination) = 0;
  virtual bool RecordRemoteId(const std::string& audience, const std::string& destination,
                              const std::string& id, std::string* error) = 0;

  // The journal.
  virtual int64_t JournalAdd(const JournalEntry& e,
                             std::string* error) = 0;  // returns id (0 on error)
  virtual bool JournalSet(int64_t id, const std::string& status, std::string* error) = 0;
  virtual std::vector<JournalEntry> JournalPending() = 0;  // status "pending", by id

  // How messages name this state: "state `.aud/state.db`" or "PostgreSQL
  // state (schema `aud`, project `p`, environment `default`)"; never a DSN.
  virtual std::string Shown() const = 0;

  // Access control (docs/teams.md): only a PostgreSQL state has it; an SQLite
  // state is one local user's and allows everything.
  virtual bool HasAccessControl() const { return false; }
  // Whether the login role holds `capability` ("view", "create", "publish")
  // on `connection` ("" for none / any); false with `error` when the check
  // itself failed.
  virtual bool Can(const std::string& capability, const std::string& connection,
                   std::string* error) {
    (void)capability, (void)connection, (void)error;
    return true;
  }
  // The login role: "" without access control.
  virtual std::string Role() { return ""; }
  // The administrator (the role that created the state): "" without access control.
  virtual std::string Administrator() { return ""; }
  // Grants or revokes a capability; false with `error` (not the administrator,
  // no such role, no access control).
  virtual bool Grant(const AccessGrant& g, bool revoke, std::string* error) {
    (void)g, (void)revoke;
    if (error) *error = "an SQLite state has no permissions (one local user)";
    return false;
  }
  // Every grant, by role, capability, connection.
  virtual std::vector<AccessGrant> AccessList(std::string* error) {
    (void)error;
    return {};
  }
};

}  // namespace aud::state
