#pragma once
// The driver: the one library-level pipeline every command, benchmark and
// test calls instead of wiring the stages by hand. Stages: load (read the
// project's `.aud` files and `aud.toml`) → check → lower (ir::Program) →
// bind (an evaluator for the chosen executor), and for commands that read
// data, the data load (ingest through `.aud/cache/events.store`, profiles
// at as_of). Nothing here prints: diagnostics and errors are returned for
// the caller (the CLI) to render.
//
// Options is where later choices plug in: the executor (`engine`: jit,
// interp; a SQL executor becomes one more value) and the environment
// (`env`, for `--env NAME`: which aud.toml settings apply).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/eval/eval.h"
#include "runtime/ingest/ingest.h"
#include "runtime/store/profiles.h"
#include "runtime/warehouse/warehouse.h"

namespace aud::driver {

// How to run the pipeline.
struct Options {
  std::string dir = ".";       // the project root (`-C DIR`)
  std::string engine = "jit";  // the executor: "jit" (interpreter fallback) or "interp"
  std::string env;             // the environment (`--env NAME`); "" is the default one
  bool require_config = true;  // a missing aud.toml is an error
  bool strict = false;         // data load: any bad input line is an error
  std::string jit_tier;        // "fast", "full", or "" (automatic by store size)
  // engine "postgres": the DSN (a secret, never printed) and the variable it
  // came from (`[engine.postgres] dsn = { env = "VAR" }`), set by ResolveEngine.
  std::string engine_dsn;
  std::string engine_dsn_var;
  bool jit_cache = true;  // Bind: cache compiled code in `.aud/cache/jit` (`aud test`: off)
  unsigned threads = 0;   // ingest parse threads (`--threads`; 0: $AUD_THREADS, else all)
  // engine "postgres-sharded" (docs/scale.md): `engine_dsn` is the
  // coordinator; per shard, its DSN (a secret) and variable
  // (`[engine.postgres] shards = [{ env = "VAR" }, …]`).
  std::vector<std::pair<std::string, std::string>> engine_shards;
};

// For engine "postgres": reads `[engine.postgres] dsn` of `config` into
// options->engine_dsn; "" when ready (or another engine), else an error
// naming the setting or the variable (never the DSN).
std::string ResolveEngine(const config::ProjectConfig* config, Options* options);

// The executors `engine` may name.
const std::vector<std::string>& Engines();

// True when `engine` is one of Engines().
bool KnownEngine(const std::string& engine);

// The front end's result: the checked project (diagnostics inside, rendered
// by the caller) and, once lowered, its program.
struct Compiled {
  std::unique_ptr<check::Project> project;
  ir::Program program;
  bool lowered = false;
  std::string error;  // why lowering failed ("" when it did not run or succeeded)
  // Checked without errors and lowered.
  bool ok() const { return project && project->ok() && lowered; }
};

// Where to stop.
enum class Until : uint8_t { Check, Lower };

// Loads and checks the project in `options.dir`, then (when `until` is
// Lower and the check has no error) lowers it.
Compiled Compile(const Options& options, Until until = Until::Lower);

// The same for sources in memory (tests, benchmarks): `tree` instead of a folder.
Compiled CompileTree(const check::SourceTree& tree, const Options& options,
                     Until until = Until::Lower);

// Lowers a checked project into `out`; false with `error`.
bool Lower(const check::Project& project, ir::Program* out, std::string* error);

// An `--as-of` value: an RFC 3339 date or date-time, `@` optional; false
// with `why` (e.g. "month must be 1–12").
bool ParseAsOf(const std::string& text, int64_t* millis, std::string* why);

// The canonical project folder (realpath; `dir` itself when that fails),
// so every spelling of a project shares its cache and data fingerprint.
std::string CanonicalDir(const std::string& dir);

// The files of the collected log `aud serve` writes (runtime/serve),
// relative to the project: read by every command with the sources.
inline constexpr std::string_view kCollectedGlob = ".aud/collected/*.jsonl";

// The ingest options of a project: its `[sources.*]` globs, the collected
// log (kCollectedGlob) and the quarantine folder `.aud/quarantine`.
ingest::Options IngestOptions(const Options& options, const check::Project& project);

// The warehouse request of a project whose sources are `type = "postgres"`:
// its declared events (one table each: snake_case of the Segment event
// name, `pages`, `screens`) with their properties and `context.*` paths,
// its declared traits, the DSNs read from their variables. False with
// `error` when a DSN's variable is not set.
bool WarehouseRequest(const Options& options, const check::Project& project,
                      warehouse::Request* out, std::string* error);

// The path of the event cache of a project: DIR/.aud/cache/events.store.
std::string EventCachePath(const Options& options);

// The data of a project at an instant.
struct Data {
  ingest::Result ingest;
  ingest::CacheStatus cache;
  // Warehouse sources (`type = "postgres"`): what this run read from the
  // database (`warehouse_used` false for JSON-lines sources).
  bool warehouse_used = false;
  warehouse::Counters warehouse;
  store::Profiles profiles;
};

// Ingest progress: bytes done, bytes in all, lines read (a terminal's progress line).
using IngestProgress = std::function<void(uint64_t, uint64_t, uint64_t)>;

// Ingests the project's sources through the cache (`progress`, when set,
// reports ingest progress) into `out->ingest` and `out->cache`. False with
// `error` (the ingest error); warnings stay in `out->ingest.warnings` and
// `out->cache.save_error` for the caller to show.
bool Ingest(const Options& options, const check::Project& project, IngestProgress progress,
            Data* out, std::string* error);

// Ingest, then the profiles at `as_of` (`out->profiles`).
bool LoadData(const Options& options, const check::Project& project, int64_t as_of,
              IngestProgress progress, Data* out, std::string* error);

// Bind: the evaluator of `options.engine` for `program` over `store`. The
// JIT falls back to the interpreter (`notice` says why). Never null; check
// its error().
std::unique_ptr<eval::Evaluator> Bind(const Options& options, const ir::Program& program,
                                      const store::EventStore& store,
                                      const eval::Options& eval_options, std::string* notice);

}  // namespace aud::driver
