#pragma once
// The planning pipeline shared by `aud plan` and `aud apply`: check (printing
// diagnostics) -> lower -> ingest (through `.aud/cache/events.store`) ->
// profiles at as_of -> state (`.aud/state.db`) -> plan::MakePlan with the
// engine chosen by `--engine` (jit falls back to the interpreter; its notice
// is printed once to stderr).

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/connectors/connector.h"
#include "runtime/driver/driver.h"
#include "runtime/ingest/ingest.h"
#include "runtime/plan/plan.h"
#include "runtime/state/backend.h"
#include "runtime/state/state.h"
#include "runtime/store/profiles.h"

namespace aud::cli {

// The state lock while held; released on destruction.
struct HeldLock {
  state::State* state = nullptr;
  std::string id;
  HeldLock() = default;
  HeldLock(const HeldLock&) = delete;
  HeldLock& operator=(const HeldLock&) = delete;
  ~HeldLock() {
    if (state && !id.empty()) state->Unlock(id);
  }
};

// Everything a plan was made from; the plan's pointers (project, program,
// store, profiles) point into it, so keep it alive while applying.
struct Planned {
  std::unique_ptr<check::Project> project;
  ir::Program program;
  ingest::Result ingest;
  // What the warehouse sources read in this run (`warehouse_used` false
  // for JSON-lines sources).
  bool warehouse_used = false;
  warehouse::Counters warehouse;
  store::Profiles profiles;
  std::unique_ptr<state::State> state;
  // The lock the plan was made under (`plan`/`apply` hold it while they
  // read the state; `apply` keeps it until it has published).
  std::unique_ptr<HeldLock> lock;
  plan::Plan plan;
  int64_t as_of = 0;
  int64_t now = 0;
};

// Runs the pipeline. On failure prints every error to stderr (diagnostics,
// `error: ...` lines) and returns false; `out` is then partially filled
// (e.g. `project` for a failed plan, `state` may be null).
bool PlanProject(const GlobalOptions& g, const PlanOptions& o, Planned* out);

// The pieces, for apply (which checks a saved plan against the current
// project without planning again).

// The folder of the environment's state and profile store: DIR/.aud for
// the default environment, DIR/.aud/env/NAME for `--env NAME`.
std::string StateDir(const GlobalOptions& g);

// Path of the state database: StateDir/state.db.
std::string StatePath(const GlobalOptions& g);

// Where the project's state is (`[state]` of aud.toml, the environment of
// `g`): `.aud/state.db`, or PostgreSQL with the DSN read from its variable.
// False with `error` when the DSN's variable is not set.
bool StateLocationOf(const GlobalOptions& g, const config::ProjectConfig* config, bool create,
                     state::Location* out, std::string* error);

// Takes the state lock for `operation`, waiting up to `timeout_ms`
// (printing `Acquiring state lock…` to stderr when it waits). Null with
// `error` when it cannot.
std::unique_ptr<HeldLock> LockState(state::State& st, const std::string& operation,
                                    int64_t timeout_ms, std::string* error);

// Why the login role of a PostgreSQL state may not apply `plan`: one
// message per missing capability (`create` for a new or changed audience
// definition, `publish` on each connection with changes), naming it and how
// to get it. Empty when allowed (always for an SQLite state).
std::vector<std::string> MissingCapabilities(state::State& st, const plan::Plan& plan);

// The `view` capability for commands that read members and profiles (`eval`,
// `profile show`): true with SQLite state (no permissions), with a PostgreSQL
// state nothing was applied to yet, or when the DSN's role may view; else
// false with the message to print (naming the role and the grant that fixes it).
bool MayView(const GlobalOptions& g, const config::ProjectConfig* config, std::string* error);

// Opens the state of the project (creating `.aud/` when needed). A
// `[state] backend` other than "sqlite" is an error, and so is a state the
// lineage marker distrusts (missing, replaced, older). Null with `error`.
std::unique_ptr<state::State> OpenState(const GlobalOptions& g, const check::Project& project,
                                        std::string* error);

// Records the state's lineage and serial in `.aud/state.lineage` and in the
// folder of every file connection that exists, after an apply
// (runtime/state/README.md "Lineage trust"). False with the first `error`.
bool RecordLineage(const GlobalOptions& g, const config::ProjectConfig* config, state::State& st,
                   std::string* error);

// The lineage markers of a project: (path, name shown in messages), the
// state's first, then one per distinct file connection folder.
std::vector<std::pair<std::string, std::string>> LineageMarkerPaths(
    const GlobalOptions& g, const config::ProjectConfig* config);

// The driver's options for a command: the project folder of `-C DIR`.
driver::Options DriverOptions(const GlobalOptions& g);

// Prints diagnostics in the format of `g` (text to stderr; json, sarif or
// github to stderr, or stdout for `aud check --format`).
void PrintDiagnostics(const GlobalOptions& g, const base::Diagnostics& diags);

// Prints a checked project's diagnostics (PrintDiagnostics), then, as text,
// "N errors generated" when there are errors. False when there are.
bool ReportDiagnostics(const GlobalOptions& g, const check::Project& project);

// Checks and lowers the project through the driver (diagnostics to
// stderr). False on errors.
bool CheckAndLower(const GlobalOptions& g, std::unique_ptr<check::Project>* project,
                   ir::Program* program);

// Ingests the project's sources through the cache (warnings to stderr).
// False with `error` on failure (with `strict`, also any bad input line).
// With `warehouse`, a warehouse source's counters go there (and
// `*warehouse_used` says whether there was one).
bool IngestProject(const GlobalOptions& g, const check::Project& project, ingest::Result* out,
                   bool* cached, std::string* error, bool strict = false,
                   warehouse::Counters* warehouse = nullptr, bool* warehouse_used = nullptr,
                   ingest::CacheStatus* status = nullptr);

// One line for people: what the warehouse sources read in this run.
std::string WarehouseSummary(const warehouse::Counters& c);

// The ingest options of a project: its `[sources.*]`, the quarantine folder.
ingest::Options ProjectIngestOptions(const GlobalOptions& g, const check::Project& project,
                                     bool strict = false);

// Per-event property type mismatches at `as_of` (docs/reference/language.md §5): for each
// property the program reads, `event.property` -> the events whose value
// has another JSON type (for a timestamp: a string that is not one), which
// evaluation sees as missing. Only non-zero counts.
std::map<std::string, uint64_t> TypeMismatches(const ir::Program& program,
                                               const store::EventStore& store, int64_t as_of);

// One error per `[sources.*]` whose glob matches no file, naming the source,
// its `path` and how to fix it. Plan and apply refuse such a project: an
// empty or misspelled source would otherwise plan every member's exit.
std::vector<std::string> EmptySourceErrors(const GlobalOptions& g, const check::Project& project);

// The connectors' context of a command: the project folder, the environment,
// secrets read from the process environment.
connectors::Context MakeContext(const GlobalOptions& g);

// Plan-time checks of what applying `plan` needs (apply::Preflight with the
// process environment): the secrets of every connection with changes to
// send are set, every file destination's folder can be created and written.
// Prints each error to stderr; false when there is one.
bool PreflightOk(const GlobalOptions& g, const check::Project& project, const plan::Plan& plan);

// Fingerprint of the event data: every source file's canonical path, size
// and mtime plus the store's event count (hex). What
// plan::Fingerprints::data holds.
std::string DataFingerprint(const GlobalOptions& g, const check::Project& project,
                            const ingest::Result& ingest);

// The current definitions fingerprint of a checked project (what
// plan::Fingerprints::definitions holds for a full plan).
std::string DefinitionsFingerprint(const check::Project& project, const ir::Program& program);

// A path given on the command line (e.g. `--out FILE`, `aud apply FILE`,
// `aud show FILE`), relative to `-C DIR` like every project path (git -C).
std::string ProjectPath(const GlobalOptions& g, const std::string& path);

// Current time, UTC ms.
int64_t NowMillis();

}  // namespace aud::cli
