// aud: audiences as code. The command line wires the stages together.

#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/progress.h"

namespace {

// Removes the group and other permission bits of `dir` and of every folder
// and regular file below it (symbolic links are neither followed nor
// changed), so a `.aud/` written by an older aud or under a permissive umask
// becomes private too. Best effort: what cannot be changed is left as is.
void MakePrivate(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return;
  constexpr fs::perms kShared = fs::perms::group_all | fs::perms::others_all;
  fs::permissions(dir, kShared, fs::perm_options::remove | fs::perm_options::nofollow, ec);
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(st) || fs::is_regular_file(st))
      fs::permissions(it->path(), kShared, fs::perm_options::remove | fs::perm_options::nofollow,
                      ec);
    ec.clear();
  }
}

}  // namespace
#include "compiler/base/diagnostics.h"

int main(int argc, char** argv) try {
  // Personal data is private on disk whatever the user's umask: everything
  // aud creates (.aud/ with the state, profile store, cache, JIT objects and
  // quarantine; plan files; file-destination exports; SQLite's -wal/-shm
  // files, which take their database's mode) is 0600, folders 0700. `init`
  // and `fmt` write the project's own sources and get the user's umask back.
  const mode_t user_umask = ::umask(077);
  CLI::App app{"aud: audiences as code (segments, audiences, governance and destinations)"};
  app.require_subcommand(1);
  app.fallthrough();
  aud::cli::GlobalOptions g;
  // Colour on a terminal unless NO_COLOR is set or the terminal is `dumb`.
  const char* term = std::getenv("TERM");
  g.color =
      isatty(2) && std::getenv("NO_COLOR") == nullptr && !(term && std::string(term) == "dumb");
  aud::cli::Progress::Get();  // progress is timed from the start of the command
  app.add_option("-C", g.dir, "run in this project folder instead of the current one")
      ->type_name("DIR");
  if (const char* e = std::getenv("AUD_ENV"); e && *e) g.environment = e;
  app.add_option("--threads", g.threads,
                 "threads that parse event files (default $AUD_THREADS, else every core)")
      ->type_name("N")
      ->check(CLI::Range(1, 256));
  app.add_option("--env", g.environment,
                 "the environment (an `[env.NAME]` table of aud.toml) to use; default $AUD_ENV")
      ->type_name("NAME");

  app.add_option("--diagnostic-format", g.diagnostic_format,
                 "how every command writes diagnostics: text (default), json, sarif or github "
                 "(to stderr; docs/diagnostics-json.md)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));

  std::string emit;
  std::string check_format;
  auto* check = app.add_subcommand("check", "parse, resolve, type-check and enforce governance");
  auto* check_emit = check->add_option("--emit", emit, "also print an intermediate form (ast)")
                         ->check(CLI::IsMember({"ast"}));
  check
      ->add_option("--format", check_format,
                   "text (default), json, sarif or github: the diagnostics, to stdout "
                   "(docs/diagnostics-json.md)")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}))
      ->excludes(check_emit);

  bool fmt_check = false;
  std::vector<std::string> fmt_files;
  auto* fmt = app.add_subcommand("fmt", "rewrite .aud files in the canonical layout");
  fmt->add_flag("--check", fmt_check, "change nothing; exit 1 if a file is not formatted");
  fmt->add_option("files", fmt_files, "files to format (default: every .aud file of the project)");

  auto* graph = app.add_subcommand("graph",
                                   "print the dependency graph (events, traits -> segments -> "
                                   "audiences -> destinations) as DOT");

  auto* lsp = app.add_subcommand(
      "lsp", "run the language server (LSP over stdin/stdout) for editors (editors/README.md)");

  std::string init_dir = ".";
  auto* init =
      app.add_subcommand("init", "create a working project (aud.toml, main.aud, sample data)");
  init->add_option("dir", init_dir, "the folder to create it in (default: the current one)");

  aud::cli::EvalOptions eval_opts;
  auto* eval = app.add_subcommand("eval", "evaluate one segment or audience and print its members");
  eval->add_option("name", eval_opts.name, "the segment or audience")->required();
  eval->add_option("--as-of", eval_opts.as_of, "the evaluation instant (default: now)")
      ->type_name("T");
  eval->add_option("--format", eval_opts.format, "table (default) or jsonl")
      ->check(CLI::IsMember({"table", "jsonl"}));
  eval->add_option("--engine", eval_opts.engine,
                   "jit (default), interp, postgres or postgres-sharded")
      ->check(CLI::IsMember({"interp", "jit", "postgres", "postgres-sharded"}));
  eval->add_flag("--strict", eval_opts.strict, "any bad input line is an error");
  eval->add_option("--disable-pass", eval_opts.disabled_passes,
                   "skip this IR pass (repeatable; results do not change)")
      ->type_name("NAME");

  aud::cli::TestOptions test_opts;
  auto* test = app.add_subcommand(
      "test", "run the project's `test` declarations on their fixtures (no data, no state)");
  test->add_option("names", test_opts.names, "the tests to run (default: all)");
  test->add_flag("--json", test_opts.json, "print the results as one JSON document");
  test->add_option("--engine", test_opts.engine, "jit (default) or interp")
      ->check(CLI::IsMember({"interp", "jit"}));

  aud::cli::ExplainOptions explain_opts;
  bool explain_ir = false;
  auto* explain =
      app.add_subcommand("explain", "show the compiled form of a segment, audience or consent");
  explain->add_option("name", explain_opts.name, "the segment, audience or consent")->required();
  explain->add_flag("--ir", explain_ir, "the IR: slots and formulas (the default)");
  bool explain_llvm = false;
  explain->add_flag("--llvm", explain_llvm, "the LLVM IR the JIT compiles")->excludes("--ir");
  bool explain_sql = false;
  explain->add_flag("--sql", explain_sql, "the SQL the `postgres` engine runs (docs/sql-engine.md)")
      ->excludes("--ir")
      ->excludes("--llvm");
  explain->add_option("--dialect", explain_opts.dialect, "with --sql: postgres (default) or duckdb")
      ->check(CLI::IsMember({"postgres", "duckdb"}));
  explain->add_option("--as-of", explain_opts.as_of, "with --sql: the instant (default: now)")
      ->type_name("T");
  explain
      ->add_flag("--passes", explain_opts.passes,
                 "with --ir: the IR passes in order, which ran and the facts each added")
      ->excludes("--llvm");
  explain
      ->add_option("--disable-pass", explain_opts.disabled_passes,
                   "skip this IR pass (repeatable; results do not change)")
      ->type_name("NAME");

  auto add_plan_options = [](CLI::App* cmd, aud::cli::PlanOptions& o) {
    cmd->add_option("--as-of", o.as_of, "the evaluation instant (default: now)")->type_name("T");
    cmd->add_option("--target", o.targets, "only this audience or destination (repeatable)")
        ->type_name("NAME");
    cmd->add_option("--exclude", o.excludes, "leave out this audience or destination (repeatable)")
        ->type_name("NAME");
    cmd->add_flag("--due", o.due, "only audiences whose `refresh every` interval has elapsed");
    cmd->add_option("--engine", o.engine, "jit (default), interp, postgres or postgres-sharded")
        ->check(CLI::IsMember({"interp", "jit", "postgres", "postgres-sharded"}));
    cmd->add_option("--refresh", o.refresh,
                    "read readable destinations back and repair drift (default true)")
        ->type_name("BOOL");
    cmd->add_flag("--refresh-only", o.refresh_only,
                  "plan only the repair of destinations that drifted from the state");
    cmd->add_flag("--allow-mass-exit", o.allow_mass_exit,
                  "allow a publication to lose more than its `max_exit_fraction` of its members");
    cmd->add_flag("--strict", o.strict, "any bad input line is an error");
    cmd->add_option("--lock-timeout", o.lock_timeout_text,
                    "wait this long for the state lock (default 0: refuse at once)")
        ->type_name("DURATION");
    cmd->add_option("--disable-pass", o.disabled_passes,
                    "skip this IR pass (repeatable; results do not change)")
        ->type_name("NAME");
  };
  aud::cli::PlanOptions plan_opts;
  auto* plan = app.add_subcommand(
      "plan", "evaluate, diff against state and show who enters, exits or changes");
  add_plan_options(plan, plan_opts);
  plan->add_option("--out", plan_opts.out, "save the plan to FILE for `aud apply FILE`")
      ->type_name("FILE");
  plan->add_flag("--json", plan_opts.json, "print the plan as JSON");
  plan->add_flag("--detail", plan_opts.detail, "list every key, not a sample");
  plan->add_flag("--detailed-exitcode", plan_opts.detailed_exitcode,
                 "exit 0 without changes, 1 on errors, 2 with changes");

  aud::cli::ApplyOptions apply_opts;
  auto* apply = app.add_subcommand("apply", "publish a plan through the connectors");
  apply->add_option("planfile", apply_opts.plan_file, "a plan saved by `aud plan --out`");
  apply->add_flag("--auto-approve", apply_opts.auto_approve, "do not ask for confirmation");
  add_plan_options(apply, apply_opts.plan);

  aud::cli::ServeOptions serve_opts;
  std::string serve_batch_window, serve_recheck, serve_recheck_full, serve_lock_timeout;
  auto* serve = app.add_subcommand(
      "serve", "collect events with Segment's Tracking API and publish streaming audiences");
  serve->add_option("--listen", serve_opts.listen, "address to listen on (default 127.0.0.1:8088)")
      ->type_name("HOST:PORT");
  serve->add_option("--engine", serve_opts.engine, "jit (default) or interp")
      ->check(CLI::IsMember({"interp", "jit"}));
  serve
      ->add_option("--batch-window", serve_batch_window,
                   "longest wait of new messages for a streaming cycle (default 200ms)")
      ->type_name("DURATION");
  serve
      ->add_option("--recheck", serve_recheck,
                   "check the sources this often; for time-driven changes that cannot be "
                   "scheduled (days_since), a full cycle (default 1s)")
      ->type_name("DURATION");
  serve
      ->add_option("--recheck-full", serve_recheck_full,
                   "a full streaming cycle (every profile) at least this often (default 60s)")
      ->type_name("DURATION");
  serve
      ->add_option("--publish", serve_opts.publish,
                   "publish streaming audiences (default true; false: collect only)")
      ->type_name("BOOL");
  serve
      ->add_option("--lock-timeout", serve_lock_timeout,
                   "wait this long for the state lock (default 0: refuse at once)")
      ->type_name("DURATION");

  std::string show_file;
  bool show_json = false;
  auto* show = app.add_subcommand("show", "show a saved plan (or, without one, the state)");
  show->add_option("planfile", show_file, "a plan saved by `aud plan --out`");
  show->add_flag("--json", show_json, "as JSON");

  auto* state = app.add_subcommand("state", "inspect the recorded state");
  state->require_subcommand(1);
  auto* state_list = state->add_subcommand("list", "the recorded publications and their members");
  auto* state_adopt = state->add_subcommand(
      "adopt", "trust the state as it is after it was lost, replaced or restored");

  std::string unlock_id;
  auto* unlock = app.add_subcommand("force-unlock", "remove a lock left by a process that is gone");
  unlock->add_option("id", unlock_id, "the lock id (printed by the refused command)")->required();
  std::string unlock_timeout;
  unlock
      ->add_option("--lock-timeout", unlock_timeout,
                   "give the holder this long to release the lock before removing it")
      ->type_name("DURATION");

  aud::cli::AccessOptions access_opts;
  auto* access = app.add_subcommand(
      "access", "who may view, create and publish (PostgreSQL state; docs/teams.md)");
  access->require_subcommand(1);
  auto* access_grant = access->add_subcommand("grant", "give ROLE a capability");
  auto* access_revoke = access->add_subcommand("revoke", "take a capability from ROLE");
  for (auto* sub : {access_grant, access_revoke}) {
    sub->add_option("role", access_opts.role, "a PostgreSQL role")->required();
    sub->add_option("capability", access_opts.capability, "view, create or publish")->required();
    sub->add_option("connection", access_opts.connection,
                    "for publish: the connection (default: every connection)");
  }
  auto* access_list = access->add_subcommand("list", "the administrator and every grant");
  access_list->add_flag("--json", access_opts.json, "as JSON");

  auto* profile = app.add_subcommand("profile", "inspect the profile store");
  profile->require_subcommand(1);
  std::string profile_key;
  auto* profile_show =
      profile->add_subcommand("show", "one profile's identities, traits and audiences");
  profile_show->add_option("key", profile_key, "a profile key or identity value")->required();

  aud::cli::GenEventsOptions gen_opts;
  auto* gen = app.add_subcommand("gen-events", "write deterministic synthetic Segment-spec events");
  gen->add_option("--profiles", gen_opts.profiles, "number of people (default 1000)")
      ->type_name("N");
  gen->add_option("--events", gen_opts.events, "lines to write in total (default 10000)")
      ->type_name("M");
  gen->add_option("--seed", gen_opts.seed, "random seed (default 1)")->type_name("S");
  gen->add_option("--out", gen_opts.out, "write to FILE instead of stdout")->type_name("FILE");
  gen->add_option("--bad-fraction", gen_opts.bad_fraction, "share of malformed lines (default 0)")
      ->type_name("F")
      ->check(CLI::Range(0.0, 1.0));

  app.set_version_flag("--version", "aud " AUD_VERSION, "print the version of aud and exit");

  // An unknown command gets the closest known one, before CLI11 says only
  // that the argument was not expected.
  std::vector<std::string> commands;
  for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    commands.push_back(sub->get_name());
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-C" || arg == "--env" || arg == "--threads" || arg == "--diagnostic-format") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    if (std::find(commands.begin(), commands.end(), arg) != commands.end()) break;
    std::cerr << "error: unknown command `" << arg << "`";
    std::string s = aud::base::Suggest(arg, commands);
    if (!s.empty()) std::cerr << "; did you mean `" << s << "`?";
    std::cerr << "\n(`aud --help` lists the commands)\n";
    return 1;
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;
  }
  for (auto* o : {&plan_opts, &apply_opts.plan}) {
    if (!o->lock_timeout_text.empty() &&
        !aud::cli::ParseLockTimeout(o->lock_timeout_text, &o->lock_timeout_ms)) {
      std::cerr << "error: `--lock-timeout` must be a duration such as `30s`, `5m` or `0`, not `"
                << o->lock_timeout_text << "`\n";
      return 1;
    }
  }
  int64_t unlock_timeout_ms = 0;
  if (!unlock_timeout.empty() && !aud::cli::ParseLockTimeout(unlock_timeout, &unlock_timeout_ms)) {
    std::cerr << "error: `--lock-timeout` must be a duration such as `30s`, `5m` or `0`, not `"
              << unlock_timeout << "`\n";
    return 1;
  }
  for (auto [text, ms] : {std::pair{&serve_batch_window, &serve_opts.batch_window_ms},
                          std::pair{&serve_recheck, &serve_opts.recheck_ms},
                          std::pair{&serve_recheck_full, &serve_opts.recheck_full_ms},
                          std::pair{&serve_lock_timeout, &serve_opts.lock_timeout_ms}}) {
    if (!text->empty() && (!aud::cli::ParseLockTimeout(*text, ms) || *ms <= 0) &&
        text != &serve_lock_timeout) {
      std::cerr << "error: `--batch-window`, `--recheck` and `--recheck-full` must be durations "
                   "above 0 such as "
                   "`200ms` or `1s`, not `"
                << *text << "`\n";
      return 1;
    }
    if (text == &serve_lock_timeout && !text->empty() && !aud::cli::ParseLockTimeout(*text, ms)) {
      std::cerr << "error: `--lock-timeout` must be a duration such as `30s`, `5m` or `0`, not `"
                << *text << "`\n";
      return 1;
    }
  }
  if (g.environment.empty()) g.environment = "default";
  if (*init || *fmt)
    ::umask(user_umask);
  else if (!*test)  // `aud test` leaves `.aud/` alone
    MakePrivate(std::filesystem::path(g.dir) / ".aud");
  if (*check) {
    if (!check_format.empty() && check_format != "text") {
      g.diagnostic_format = check_format;
      g.diagnostics_to_stdout = true;
    }
    return aud::cli::RunCheck(g, emit);
  }
  if (*fmt) return aud::cli::RunFmt(g, fmt_check, fmt_files);
  if (*graph) return aud::cli::RunGraph(g);
  if (*lsp) return aud::cli::RunLsp(g);
  if (*init) return aud::cli::RunInit(g, init_dir);
  if (*gen) return aud::cli::RunGenEvents(g, gen_opts);
  if (*eval) return aud::cli::RunEval(g, eval_opts);
  if (*test) return aud::cli::RunTest(g, test_opts);
  if (*explain) {
    explain_opts.form = explain_llvm ? "llvm" : explain_sql ? "sql" : "ir";
    return aud::cli::RunExplain(g, explain_opts);
  }
  if (*plan) return aud::cli::RunPlan(g, plan_opts);
  if (*apply) return aud::cli::RunApply(g, apply_opts);
  if (*show) return aud::cli::RunShow(g, show_file, show_json);
  if (*state_list) return aud::cli::RunStateList(g);
  if (*state_adopt) return aud::cli::RunStateAdopt(g);
  if (*unlock) return aud::cli::RunForceUnlock(g, unlock_id, unlock_timeout_ms);
  if (*access) {
    access_opts.action = *access_grant ? "grant" : *access_revoke ? "revoke" : "list";
    return aud::cli::RunAccess(g, access_opts);
  }
  if (*profile_show) return aud::cli::RunProfileShow(g, profile_key);
  if (*serve) return aud::cli::RunServe(g, serve_opts);
  return 1;
} catch (const std::exception&) {
  // Out of memory, or a library error no command turned into a diagnostic: a
  // message and exit 1, not an abort. Its text is not printed (it could quote
  // a setting's value).
  std::cerr << "error: internal error: an unexpected exception stopped aud (please report it "
               "with the command that caused it)\n";
  return 1;
}
