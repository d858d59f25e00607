#pragma once
// Connectors (docs/architecture.md §6): how a publication's changes reach a
// destination. The apply stage cuts each publication's deltas into batches
// and sends them one by one; a connector answers per batch with what the
// destination confirmed. Only confirmed rows are recorded in state, so every
// connector must be idempotent in effect: a batch sent twice (after a crash,
// with the same idempotency key) leaves the destination as if sent once.
//
// Implementations: profile_store (SQLite `.aud/profiles.db`), file (CSV /
// JSONL snapshot + delta), http (JSON webhook), autopilot (email tool),
// postgres (a PostgreSQL table).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "compiler/config/config.h"

namespace aud::connectors {

// A secret read from the environment at plan/apply time. It cannot be
// printed, streamed or serialised: the only way to the bytes is reveal(),
// used where a request is built. Error messages name the connection and the
// environment variable, never the value.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

// A field value sent to a destination.
struct Value {
  enum Kind : uint8_t { Null, Bool, Int, Float, String } kind = Null;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // String (timestamps arrive as RFC 3339 strings, hashed fields as hex)
  bool operator==(const Value&) const = default;
};

// One mapped field: its destination name (from `map`) and value.
struct Field {
  std::string name;
  Value value;
  bool operator==(const Field&) const = default;
};

// One identity namespace's values of a member.
struct IdentityValues {
  std::string ns;                   // e.g. "email"
  bool visitor = false;             // a visitor namespace (else declared)
  std::vector<std::string> values;  // normalized, distinct, sorted
  bool operator==(const IdentityValues&) const = default;
};

// A member as the destination sees it.
struct Row {
  enum Op : uint8_t { Enter, Update } op = Enter;
  std::string key;  // the value of the destination's `key` identity (profile key for profile_store)
  bool visitor = false;                    // identity kind of the key: visitor (else declared)
  std::string profile;                     // the profile key (docs/reference/language.md §5)
  std::vector<IdentityValues> identities;  // the audience's identities, by namespace name
  std::vector<Field> fields;               // `map` order (profile_store: the audience's attributes)
  std::vector<Field> traits;  // profile_store only: the profile's current traits, by name
  std::string payload_hash;   // hex; equal payloads <=> equal hashes
  bool operator==(const Row&) const = default;
};

// The publication a batch belongs to.
struct Publication {
  std::string audience;
  std::string audience_description;      // may be empty
  std::string destination;               // `profile_store` for the built-in store
  std::vector<std::string> labels;       // governance labels, sorted (recorded with the audience)
  std::vector<std::string> field_names;  // the destination field names, in `map` order
  // The aud type of each mapped value, parallel to `field_names` ("int",
  // "float", "bool", "string", "timestamp", "duration"; a `hashed` field is
  // "string"). Empty when unknown (a plan saved before types were recorded).
  std::vector<std::string> field_types;
  std::string key_namespace;  // the `key` identity ("" for profile_store)
  // The id the destination gave this publication earlier (the Autopilot list
  // id), as recorded in state; "" when none.
  std::string remote_id;
  // When this apply started (UTC ms), fixed per plan and recorded in the
  // journal, so a re-sent batch produces the same output (e.g. the file
  // connector's delta file name).
  int64_t applied_at = 0;
  // The state serial when this publication's apply began, kept with
  // applied_at for a re-sent batch: with it, two applies in the same
  // millisecond still name their outputs apart (the file connector's delta).
  uint64_t serial = 0;
};

// One batch of changes to one publication.
struct Batch {
  uint32_t index = 0;  // 0, 1, ... within the publication in this apply
  // Deterministic: hex SHA-256 (32 chars) of (state lineage, state serial
  // before the batch, audience, destination, every op:key:payload_hash of the
  // batch). A batch cut again after a crash (same remaining rows, same
  // serial) gets the same key, so the destination can deduplicate it.
  std::string idempotency_key;
  std::vector<Row> upserts;          // enters and updates
  std::vector<std::string> removes;  // keys that exit
  bool last = false;                 // the publication's final batch in this apply
  // The publication is being deleted (its `publish` was removed from code):
  // after this batch nothing of it should remain at the destination.
  bool drop = false;
};

// A row the destination refused (not retried within this apply).
struct Rejection {
  std::string key;
  std::string reason;  // from the destination's response, secrets removed
};

// What the destination confirmed for one batch.
struct BatchResult {
  // Empty: the batch was delivered; every row not in `rejected` is confirmed.
  // Non-empty: nothing of the batch is confirmed (e.g. retries exhausted).
  std::string error;
  bool auth_error = false;  // 401/403: stop this publication
  std::vector<Rejection> rejected;
  uint32_t attempts = 1;  // requests made, retries included
  bool ok() const { return error.empty(); }
};

// Static limits the apply stage honours when cutting batches.
struct Limits {
  uint32_t batch_size = 0;  // rows (upserts + removes) per batch; 0: unbounded
  uint32_t concurrency = 1;
};

// Where a connector runs and how it reads secrets.
struct Context {
  std::string project_dir = ".";
  // Reads an environment variable; unset -> false. Tests substitute it.
  std::function<bool(const std::string& name, std::string* value)> getenv;
  // Overrides the deadline of one batch including retries, in seconds (tests);
  // 0: the connection's `deadline_s`, else its default (http_options.h).
  double batch_deadline_s = 0;
  // The project's environment (`--env`, "" the default): the built-in
  // profile store of `--env NAME` is `.aud/env/NAME/profiles.db`.
  std::string environment;
};

class Connector {
 public:
  virtual ~Connector() = default;
  virtual Limits limits() const = 0;
  // Called before a publication's first batch in an apply (e.g. find or
  // create the Autopilot list). Returns an error message or "".
  virtual std::string Begin(const Publication& pub) = 0;
  // Sends one batch; never throws.
  virtual BatchResult Apply(const Publication& pub, const Batch& batch) = 0;
  // The id the destination has for `pub` once Begin or Apply found or made
  // it (the Autopilot list id), for the apply stage to record in state; ""
  // when the connector has none.
  virtual std::string RemoteId(const Publication& pub) {
    (void)pub;
    return "";
  }
};

// Creates the connector of a `[connections.NAME]` table (or the built-in
// profile store when `connection` is null: `.aud/profiles.db`). Reads its
// secrets through ctx.getenv; a missing variable is an error naming the
// variable. Returns null with `error` set on failure.
std::unique_ptr<Connector> Make(const config::Connection* connection, const Context& ctx,
                                std::string* error);

// Implementations (one file each; Make dispatches on connection->type).
std::unique_ptr<Connector> MakeProfileStore(const config::Connection* connection,
                                            const Context& ctx, std::string* error);
std::unique_ptr<Connector> MakeFile(const config::Connection& connection, const Context& ctx,
                                    std::string* error);
std::unique_ptr<Connector> MakeHttp(const config::Connection& connection, const Context& ctx,
                                    std::string* error);
std::unique_ptr<Connector> MakeAutopilot(const config::Connection& connection, const Context& ctx,
                                         std::string* error);
std::unique_ptr<Connector> MakePostgres(const config::Connection& connection, const Context& ctx,
                                        std::string* error);

}  // namespace aud::connectors
