#pragma once
// The planner (docs/architecture.md §5, docs/reference/language.md §7–§8): evaluates the
// published audiences, derives each publication's desired members (members
// ∩ the destination's consents, keyed by its `key` identity, payload from
// `map`), diffs them against recorded state and produces a Plan: data that is
// rendered like Terraform's, printed as JSON, or saved and applied later.
// A Plan never holds secrets.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/connectors/connector.h"
#include "runtime/eval/eval.h"
#include "runtime/state/state.h"
#include "runtime/store/profiles.h"
#include "runtime/store/store.h"

namespace aud::plan {

// Version of the saved plan file. 2: a `checksum` over the content and
// `allow_mass_exit`; version 1 files (no checksum) are refused.
inline constexpr int kFormatVersion = 2;

// What happens to a publication (audience x destination).
//   Create: not in state yet; Update: members enter, exit or change;
//   NoOp: nothing to send; Delete: its `publish` was removed from code (every
//   member exits, the record is dropped); Replace: a `refresh once` audience
//   whose definition changed (every current member exits, every desired one
//   enters: Terraform's -/+).
enum class Action : uint8_t { Create, Update, NoOp, Delete, Replace };
const char* ActionName(Action a);  // "create", "update", "no-op", "delete", "replace"

// Members left out of a publication, by reason.
struct Skipped {
  uint64_t no_key = 0;         // no value in the destination's `key` identity
  uint64_t no_consent = 0;     // a destination consent does not hold
  uint64_t duplicate_key = 0;  // another member (earlier profile key) has the same key value
};

// What the refresh step found at a publication's destination (docs/plan.md
// "Refresh and drift"): keys whose destination content disagrees with state.
// Each has a row in the plan that repairs it.
struct Drift {
  bool checked = false;              // the destination was read back
  std::string where;                 // what was read (`exports/gold.csv`), "" when not checked
  std::vector<std::string> missing;  // current in state, absent at the destination (sorted)
  std::vector<std::string> changed;  // present with other content than the one recorded (sorted)
  std::vector<std::string> extra;    // present at the destination, not current in state (sorted)
  bool any() const { return !missing.empty() || !changed.empty() || !extra.empty(); }
};

struct PublicationPlan {
  std::string audience;
  std::string destination;      // "profile_store" for the built-in store
  std::string connection;       // [connections.NAME], "" for the built-in profile store
  std::string connection_type;  // profile_store | file | http | autopilot | postgres
  Action action = Action::NoOp;
  std::vector<connectors::Row> enter;   // sorted by key
  std::vector<connectors::Row> update;  // sorted by key
  std::vector<std::string> exit;        // keys, sorted
  Skipped skipped;
  uint64_t desired = 0;                  // members after the change
  std::vector<std::string> labels;       // sorted: the publication's governance labels
  std::vector<std::string> actions;      // the destination's marketing actions (sorted)
  std::vector<std::string> field_names;  // destination field names in `map` order
  std::vector<std::string> field_types;  // aud type of each mapped value (connectors::Publication)
  std::string key_namespace;
  std::string definition_hash;  // the audience's
  std::string refresh;          // "every 1d" | "once" | ""
  bool frozen = false;          // `refresh once`, published, definition unchanged: not evaluated
  bool not_due = false;         // --due and its refresh interval has not elapsed: not evaluated
  Drift drift;                  // found by the refresh step
  std::string target;           // connectors::DestinationIdentity ("" none)
  bool moved = false;           // recorded at another target: every member enters again
};

// Per audience, what apply records in state after its publications.
struct AudiencePlan {
  std::string name;
  std::string description;
  std::string definition_hash;
  std::vector<std::string> labels;
  std::string refresh;
  bool evaluated = false;
  uint64_t members = 0;
};

// Fingerprints of the inputs (hex). Apply warns when definitions or data differ.
struct Fingerprints {
  std::string definitions;  // every published audience's definition hash
  std::string data;         // the event files (paths, sizes, mtimes) and the store
  std::string policies;     // policies, labels and destination actions
  std::string config;       // aud.toml without secret values
};

struct IngestSummary {
  uint64_t files = 0, events = 0, identifies = 0, aliases = 0, bad = 0, duplicates = 0;
  uint64_t profiles = 0;  // at as_of
  bool cached = false;
  // The incremental store: files parsed by this run, files whose cached
  // segment (or the whole cached store) was used.
  uint64_t files_read = 0, files_reused = 0;
  // Per source file (plan --json and the table view; not kept in a saved plan).
  struct File {
    std::string file;
    uint64_t lines = 0, accepted = 0, quarantined = 0, duplicates = 0;
  };
  std::vector<File> per_file;
  // `event.property` -> events at as_of whose value has another JSON type
  // than the program reads (missing on those events; docs/reference/language.md §5).
  std::map<std::string, uint64_t> type_mismatches;
};

struct Plan {
  int format_version = kFormatVersion;
  std::string id;       // UUID of this plan
  std::string lineage;  // of the state it was made against
  // The environment it was made for (`--env NAME`; "" the default one): a
  // saved plan applies only in it.
  std::string environment;
  uint64_t serial = 0;  // of the state it was made against
  int64_t as_of = 0;    // UTC ms
  int64_t created_at = 0;
  Fingerprints fingerprints;
  IngestSummary ingest;
  std::vector<PublicationPlan> publications;  // by (audience, destination)
  std::vector<AudiencePlan> audiences;        // by name
  std::vector<std::string> warnings;
  // Made with `--allow-mass-exit`: the mass-exit guard did not apply.
  bool allow_mass_exit = false;
  // The refresh step: "on" (destinations read back), "off" (--refresh=false)
  // or "only" (--refresh-only: the plan repairs drift and nothing else).
  std::string refresh = "on";

  struct Summary {
    uint64_t add = 0, change = 0, destroy = 0;
  };
  // Terraform's counting: create -> add; update -> change; delete -> destroy;
  // replace -> add + destroy.
  Summary summary() const;
  bool has_changes() const;  // any publication that is not a no-op
};

// What to plan.
struct PlanOptions {
  int64_t as_of = 0;
  int64_t now = 0;
  std::vector<std::string> targets;   // --target AUDIENCE or DESTINATION (empty: all)
  std::vector<std::string> excludes;  // --exclude AUDIENCE or DESTINATION
  bool due = false;                   // evaluate only audiences whose refresh interval elapsed
  bool allow_mass_exit = false;       // --allow-mass-exit: no mass-exit guard
  bool refresh = true;                // read back readable destinations and repair drift
  bool refresh_only = false;          // plan the drift repair alone (implies refresh)
  // A partial plan (`aud serve`'s fast cycles, docs/serve.md "Streaming
  // audiences"): `PlanInput::profiles` hold only some profiles. Per
  // publication, only the recorded keys in `scope` and the keys the
  // evaluated profiles want are diffed; every other recorded member keeps its
  // state. `max_profiles` counts recorded members + enters - exits;
  // expectations are left to full plans; the mass-exit guard compares the
  // exits with every recorded member; no publication is deleted.
  bool partial = false;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> scope;
  // Called with each evaluated publication's desired rows (by key), before the diff.
  std::function<void(const std::string& audience, const std::string& destination,
                     const std::map<std::string, connectors::Row>& desired)>
      on_desired;
};

// Everything the planner reads. The project must have checked without errors.
struct PlanInput {
  const check::Project* project = nullptr;
  const ir::Program* program = nullptr;
  const store::EventStore* store = nullptr;
  const store::Profiles* profiles = nullptr;
  state::State* state = nullptr;
  IngestSummary ingest;
  std::string data_fingerprint;
  // Creates the evaluator (jit or interpreter) for `options.only`.
  std::function<std::unique_ptr<eval::Evaluator>(const eval::Options&)> make_evaluator;
  std::string project_dir = ".";
  std::string environment;  // `--env NAME` ("" the default): recorded in the plan
};

// Builds the plan. On failure returns false with one error per line in
// `errors` (e.g. `max_profiles` exceeded: names the audience, the
// destination, the count and the cap) and plans nothing.
bool MakePlan(const PlanInput& in, const PlanOptions& options, Plan* out,
              std::vector<std::string>* errors);

// Rendering. `detail`: every key instead of a few samples.
std::string RenderHuman(const Plan& plan, bool detail, bool color);
// The documented `--json` object (docs/plan.md); `detail` adds key lists.
std::string RenderJson(const Plan& plan, bool detail);

// The saved plan file (`--out`): versioned JSON with every row, ending with
// a `checksum` (SHA-256 of every byte before it). Deserialize refuses a file
// whose checksum is missing or does not match (any byte changed) and never
// throws or crashes on any input.
std::string Serialize(const Plan& plan);
bool Deserialize(const std::string& text, Plan* out, std::string* error);
// A plan file from its content `body` (a JSON object text ending with `}`
// and without a `checksum` member): `body` with the checksum member added
// last and a newline. Serialize uses it; tests and the fuzzer re-seal with it.
std::string WithChecksum(std::string body);

// The mass-exit guard (docs/plan.md). Default largest fraction of a
// publication's recorded members one plan may remove.
inline constexpr double kDefaultMaxExitFraction = 0.5;
// Fewer lost members than this never trip the guard.
inline constexpr uint64_t kMassExitMinimum = 100;

// One sentence per publication of `plan` that would lose more than its
// destination's `max_exit_fraction` (default 0.5) of the members `state`
// records for it, and at least kMassExitMinimum of them (whatever
// `plan.allow_mass_exit` says). Deletes (a removed `publish`) are exempt.
std::vector<std::string> MassExits(const Plan& plan, const check::Project& project,
                                   state::State& state);
// What to do about a mass exit: the flag and the setting.
inline constexpr const char* kMassExitHint =
    "if the data and definitions are right, pass --allow-mass-exit or raise the destination's "
    "`max_exit_fraction` (0-1); otherwise check `[sources.*]` in aud.toml and the audience's "
    "definition";

// Definition hash of an audience: its lowered IR (members, attributes,
// identities) plus its refresh, as hex.
std::string DefinitionHash(const ir::Program& program, const std::string& audience);

// ---- Added by the plan stage (helpers shared with apply and tests) ----

// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);
// The text a value is hashed from (`hashed` in `map`): strings trimmed (ASCII
// whitespace) and ASCII lower-cased; numbers and booleans as their text;
// null as "".
std::string NormalizedText(const connectors::Value& v);
// `hashed`: a String value holding Sha256Hex(NormalizedText(v)); null stays null.
connectors::Value HashedValue(const connectors::Value& v);
// The payload hash of a row: identities + fields + traits (not the key, op or
// profile), hex. Equal payloads <=> equal hashes.
std::string PayloadHash(const connectors::Row& row);

// The fingerprints of the current project (what MakePlan records); `data` is
// the data fingerprint computed by the caller (file paths, sizes, mtimes).
Fingerprints CurrentFingerprints(const check::Project& project, const ir::Program& program,
                                 const std::string& data);

}  // namespace aud::plan
