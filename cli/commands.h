#pragma once
// The `aud` subcommands. Each returns the process exit code (0 success,
// 1 errors; 2 only with --detailed-exitcode). Rendering lives here, never in
// the compiler stages.

#include <cstdint>
#include <string>
#include <vector>

namespace aud::cli {

// Options shared by every command.
struct GlobalOptions {
  std::string dir = ".";  // -C DIR
  bool color = false;     // diagnostics in colour (stderr is a terminal)
  // The environment whose state is used (`--env NAME` / AUD_ENV); a
  // PostgreSQL state keys its rows by project name and environment.
  std::string environment = "default";
  unsigned threads = 0;  // `--threads N`: ingest parse threads (0: $AUD_THREADS, else every core)
  // How diagnostics are written (`--diagnostic-format`, `check --format`):
  // text, json, sarif or github (docs/diagnostics-json.md).
  std::string diagnostic_format = "text";
  // Machine-readable diagnostics go to stdout (`aud check --format`), else stderr.
  bool diagnostics_to_stdout = false;
};

// `aud check [--emit=ast] [--format text|json|sarif|github]`: parse, resolve,
// type-check, governance.
int RunCheck(const GlobalOptions& g, const std::string& emit);
// `aud fmt [--check] [FILE...]`: canonical formatting.
int RunFmt(const GlobalOptions& g, bool check_only, const std::vector<std::string>& files);
// `aud lsp`: the language server (LSP 3.17 over stdio) until `exit`.
int RunLsp(const GlobalOptions& g);
// `aud graph`: the dependency graph as DOT.
int RunGraph(const GlobalOptions& g);
// `aud init [DIR]`: scaffold a working project.
int RunInit(const GlobalOptions& g, const std::string& target);

// Options of `aud gen-events`.
struct GenEventsOptions {
  uint64_t profiles = 1000;
  uint64_t events = 10000;  // lines in total
  uint64_t seed = 1;
  double bad_fraction = 0.0;
  std::string out;  // empty: stdout
};
// `aud gen-events --profiles N --events M --seed S [--out FILE] [--bad-fraction F]`.
int RunGenEvents(const GlobalOptions& g, const GenEventsOptions& o);

// Options of `aud eval`.
struct EvalOptions {
  std::string name;              // the segment or audience
  std::string as_of;             // RFC 3339 date or date-time, `@` optional; empty: now
  std::string format = "table";  // table | jsonl
  std::string engine = "jit";    // jit (falls back to interp when the JIT cannot run) | interp
  bool strict = false;           // --strict: any bad input line is an error

  // --disable-pass NAME, repeatable (compiler/ir/passes.h).
  std::vector<std::string> disabled_passes;
};
// `aud eval NAME [--as-of T] [--format table|jsonl] [--engine interp|jit]`.
int RunEval(const GlobalOptions& g, const EvalOptions& o);
// Options of `aud test`.
struct TestOptions {
  std::vector<std::string> names;  // the tests to run (empty: all)
  bool json = false;               // --json: one JSON document (docs/aud-test.md)
  std::string engine = "jit";      // jit | interp
};
// `aud test [NAME...] [--json] [--engine jit|interp]`: run the `test` declarations.
int RunTest(const GlobalOptions& g, const TestOptions& o);
// Options of `aud explain`.
struct ExplainOptions {
  std::string name;                  // the segment, audience or consent
  std::string form = "ir";           // ir | llvm | sql
  bool passes = false;               // --passes: the IR passes, which ran, the facts each added
  std::string dialect = "postgres";  // --dialect (with --sql): postgres | duckdb
  std::string as_of;                 // --as-of (with --sql): the instant written into the query

  // --disable-pass NAME, repeatable (compiler/ir/passes.h).
  std::vector<std::string> disabled_passes;
};
// `aud explain NAME --ir [--passes]|--llvm|--sql [--dialect D] [--disable-pass NAME]`: the compiled
// form of NAME.
int RunExplain(const GlobalOptions& g, const ExplainOptions& o);
// Options of `aud plan` (and the planning half of `aud apply`).
struct PlanOptions {
  std::string as_of;                    // empty: now
  std::string out;                      // --out FILE: save the plan
  bool json = false;                    // --json
  bool detail = false;                  // --detail: every key, not samples
  bool detailed_exitcode = false;       // 0 no changes, 1 error, 2 changes
  std::vector<std::string> targets;     // --target NAME (audience or destination)
  std::vector<std::string> excludes;    // --exclude NAME
  bool due = false;                     // --due
  std::string engine = "jit";           // jit | interp
  bool refresh = true;                  // --refresh=false: do not read destinations back
  bool refresh_only = false;            // --refresh-only: plan the drift repair alone
  bool allow_mass_exit = false;         // --allow-mass-exit: no mass-exit guard
  bool strict = false;                  // --strict: any bad input line is an error
  int64_t lock_timeout_ms = 0;          // --lock-timeout DURATION: wait for the state lock
  std::string lock_timeout_text;        // as given
  std::string lock_operation = "plan";  // recorded in the lock while planning

  // --disable-pass NAME, repeatable (compiler/ir/passes.h).
  std::vector<std::string> disabled_passes;
};
// `aud plan`: evaluate, diff against state, show the plan.
int RunPlan(const GlobalOptions& g, const PlanOptions& o);

// Options of `aud apply`.
struct ApplyOptions {
  std::string plan_file;  // empty: plan now, show it, ask (or --auto-approve)
  bool auto_approve = false;
  PlanOptions plan;  // used when there is no plan file
};
// `aud apply [PLANFILE] [--auto-approve]`: publish.
int RunApply(const GlobalOptions& g, const ApplyOptions& o);
// `aud show [PLANFILE] [--json]`: a saved plan (or, without one, the state).
int RunShow(const GlobalOptions& g, const std::string& plan_file, bool json);
// `aud state list`: the recorded publications.
int RunStateList(const GlobalOptions& g);
// `aud state adopt`: trust the state as it is (writes `.aud/state.lineage`).
int RunStateAdopt(const GlobalOptions& g);
// `aud force-unlock ID`: remove a lock left by a process that is gone.
int RunForceUnlock(const GlobalOptions& g, const std::string& id, int64_t lock_timeout_ms = 0);

// `aud access grant|revoke ROLE CAPABILITY [CONNECTION]`, `aud access list
// [--json]`: permissions of a PostgreSQL state (docs/teams.md).
struct AccessOptions {
  std::string action;  // grant | revoke | list
  std::string role, capability, connection;
  bool json = false;
};
int RunAccess(const GlobalOptions& g, const AccessOptions& o);

// Parses a `--lock-timeout` value: `0`, `500ms`, `30s`, `5m`, `1h`. False
// when it is none of those.
bool ParseLockTimeout(const std::string& text, int64_t* ms);
// Options of `aud serve` (docs/serve.md).
struct ServeOptions {
  std::string listen;               // --listen HOST:PORT; "" the `[serve] listen` or 127.0.0.1:8088
  std::string engine = "jit";       // the streaming cycles' executor: jit | interp
  int64_t batch_window_ms = 200;    // --batch-window: new messages wait at most this for a cycle
  int64_t recheck_ms = 1000;        // --recheck: sources checked (unschedulable time: a full cycle)
  int64_t recheck_full_ms = 60000;  // --recheck-full: a full cycle at least this often
  bool publish = true;              // --publish=false: collect only
  uint64_t rotate_bytes = 64ull << 20;  // collected log files rotate at this size
  int64_t lock_timeout_ms = 0;          // --lock-timeout: wait for the state lock
};
// `aud serve [--listen HOST:PORT]`: Segment's Tracking API and streaming audiences.
int RunServe(const GlobalOptions& g, const ServeOptions& o);

// `aud profile show KEY`: one profile of the profile store.
int RunProfileShow(const GlobalOptions& g, const std::string& key);

// The environment as aud.toml, paths and plans name it: "" for `default`
// (the base tables, `.aud/state.db`), else NAME (`[env.NAME]`, `.aud/env/NAME/`).
inline std::string EnvironmentName(const GlobalOptions& g) {
  return g.environment == "default" ? std::string() : g.environment;
}

}  // namespace aud::cli
