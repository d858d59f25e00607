// The planning pipeline shared by `aud plan` and `aud apply` (pipeline.h).

#include "cli/pipeline.h"

#include <sys/stat.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli/progress.h"
#include "compiler/base/diag_format.h"
#include "compiler/base/escape.h"
#include "compiler/ir/passes.h"
#include "runtime/apply/apply.h"
#include "runtime/jit/jit.h"
#include "runtime/state/backend.h"
#include "runtime/state/lineage_marker.h"

namespace aud::cli {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string ProjectPath(const GlobalOptions& g, const std::string& p) {
  if (p.empty() || p[0] == '/' || g.dir == ".") return p;
  return g.dir + "/" + p;
}

std::string StateDir(const GlobalOptions& g) {
  return EnvironmentName(g).empty() ? g.dir + "/.aud" : g.dir + "/.aud/env/" + EnvironmentName(g);
}

std::string StatePath(const GlobalOptions& g) { return StateDir(g) + "/state.db"; }

bool StateLocationOf(const GlobalOptions& g, const config::ProjectConfig* config, bool create,
                     state::Location* out, std::string* error) {
  out->path = StatePath(g);
  out->create = create;
  out->environment = g.environment.empty() ? "default" : g.environment;
  if (!config || config->state_backend != "postgres") {
    out->backend = "sqlite";
    return true;
  }
  out->backend = "postgres";
  out->schema = config->state_schema;
  out->project = config->name;
  out->dsn_env = config->state_dsn ? config->state_dsn->env : "";
  const char* v = out->dsn_env.empty() ? nullptr : std::getenv(out->dsn_env.c_str());
  if (!v || !*v) {
    *error = "the PostgreSQL state needs its `dsn`: the environment variable `" + out->dsn_env +
             "` (`[state] dsn` in aud.toml) is " + (v ? "empty" : "not set") +
             "; set it to the database's connection string";
    return false;
  }
  out->dsn = v;
  return true;
}

std::unique_ptr<HeldLock> LockState(state::State& st, const std::string& operation,
                                    int64_t timeout_ms, std::string* error) {
  state::LockInfo acquired;
  auto waiting = [](const state::LockInfo& holder) {
    Progress::Get().Done();
    std::cerr << "Acquiring state lock… (held by " << base::TerminalSafe(holder.who) << ", `"
              << base::TerminalSafe(holder.operation) << "`)\n";
  };
  if (!apply::AcquireLock(st, operation, timeout_ms, waiting, &acquired, error)) return nullptr;
  auto held = std::make_unique<HeldLock>();
  held->state = &st;
  held->id = acquired.id;
  return held;
}

std::vector<std::string> MissingCapabilities(state::State& st, const plan::Plan& plan) {
  std::vector<std::string> out;
  if (!st.HasAccessControl()) return out;
  const std::string role = st.Role();
  const std::string admin = st.Administrator();
  auto deny = [&](const std::string& capability, const std::string& connection,
                  const std::string& why) {
    out.push_back("role `" + role + "` lacks the `" + capability + "` capability" +
                  (connection.empty() ? std::string() : " on connection `" + connection + "`") +
                  " (" + why + "); the administrator (`" + admin + "`) can run `aud access grant " +
                  role + " " + capability + (connection.empty() ? "" : " " + connection) + "`");
  };
  std::string error;
  std::set<std::string> asked;
  for (const auto& a : plan.audiences) {
    if (!a.evaluated) continue;
    auto rec = st.Audience(a.name);
    if (rec && rec->definition_hash == a.definition_hash) continue;
    if (asked.insert("create").second && !st.Can("create", "", &error))
      deny("create", "",
           (rec ? "the definition of audience `" : "new audience `") + a.name +
               (rec ? "` changed" : "`"));
  }
  std::map<std::pair<std::string, std::string>, state::PublicationRecord> recorded;
  for (auto& r : st.Publications()) recorded[{r.audience, r.destination}] = std::move(r);
  for (const auto& p : plan.publications) {
    if (p.action == plan::Action::NoOp) {
      auto it = recorded.find({p.audience, p.destination});
      if (p.frozen || p.not_due) continue;
      if (it != recorded.end() && it->second.labels == p.labels &&
          it->second.definition_hash == p.definition_hash && it->second.target == p.target)
        continue;
    }
    const std::string conn = p.connection.empty() ? "profile_store" : p.connection;
    if (!asked.insert("publish:" + conn).second) continue;
    if (!st.Can("publish", conn, &error))
      deny("publish", conn, "publishing `" + p.audience + "` to `" + p.destination + "`");
  }
  if (!error.empty()) out.push_back("checking permissions: " + error);
  return out;
}

bool MayView(const GlobalOptions& g, const config::ProjectConfig* config, std::string* error) {
  if (!config || config->state_backend != "postgres") return true;
  state::Location where;
  if (!StateLocationOf(g, config, false, &where, error)) return false;
  bool missing = false;
  auto st = state::OpenLocation(where, error, &missing);
  if (missing) {
    error->clear();
    return true;
  }
  if (!st) {
    *error = "cannot open the " + state::ShownLocation(where) +
             " to check the `view` capability: " + *error;
    return false;
  }
  std::string why;
  if (!st->HasAccessControl() || st->Can("view", "", &why)) return true;
  *error = why.empty() ? "role `" + st->Role() + "` lacks the `view` capability on the " +
                             st->Shown() + "; the administrator (`" + st->Administrator() +
                             "`) can run `aud access grant " + st->Role() + " view`"
                       : "checking permissions: " + why;
  return false;
}

std::unique_ptr<state::State> OpenState(const GlobalOptions& g, const check::Project& project,
                                        std::string* error) {
  if (project.config && !state::BackendSupported(project.config->state_backend, error))
    return nullptr;
  state::Location where;
  if (!StateLocationOf(g, project.config ? &*project.config : nullptr, true, &where, error))
    return nullptr;
  const bool postgres = where.backend == "postgres";
  std::error_code ec;
  std::filesystem::create_directories(StateDir(g), ec);
  if (ec) {
    *error = "cannot create " + StateDir(g) + ": " + ec.message();
    return nullptr;
  }
  // Lineage trust (runtime/state/README.md): checked against the markers the
  // last apply left, before a missing state could be created anew.
  std::vector<std::pair<std::string, state::LineageMarker>> markers;  // shown name, marker
  for (const auto& [path, shown] :
       LineageMarkerPaths(g, project.config ? &*project.config : nullptr)) {
    state::LineageMarker m;
    bool missing = false;
    std::string why;
    if (state::ReadLineageMarker(path, &m, &missing, &why)) {
      markers.emplace_back(shown, m);
    } else if (!missing) {
      *error = why + "; remove it, or run `aud state adopt` to rewrite it";
      return nullptr;
    }
  }
  if (!postgres && !markers.empty() && !std::filesystem::exists(StatePath(g), ec)) {
    const auto& [shown, m] = markers.front();
    *error = "the state " + StatePath(g) + " is missing, but the last apply here used lineage " +
             m.lineage + " at serial " + std::to_string(m.serial) + " (" + shown +
             "): a new state would not know what the destinations hold; restore the state file, "
             "or run `aud state adopt` to start a new one (the next plan then reads the "
             "destinations back and repairs them)";
    return nullptr;
  }
  std::string why;
  auto st = state::OpenLocation(where, &why);
  if (!st) {
    *error = postgres ? why : "cannot open the state " + StatePath(g) + ": " + why;
    return nullptr;
  }
  const std::string shown_state = postgres ? state::ShownLocation(where) : StatePath(g);
  for (const auto& [shown, m] : markers) {
    *error = state::LineageDistrust(m, st->lineage(), st->serial(), shown_state, shown);
    if (!error->empty()) return nullptr;
  }
  return st;
}

std::vector<std::pair<std::string, std::string>> LineageMarkerPaths(
    const GlobalOptions& g, const config::ProjectConfig* config) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(state::LineageMarkerPath(StatePath(g)),
                   EnvironmentName(g).empty()
                       ? ".aud/state.lineage"
                       : ".aud/env/" + EnvironmentName(g) + "/state.lineage");
  if (!config) return out;
  std::set<std::string> seen;
  for (const auto& [name, c] : config->connections) {
    if (c.type != "file") continue;
    auto it = c.values.find("dir");
    const std::string* dir = it == c.values.end() ? nullptr : std::get_if<std::string>(&it->second);
    if (!dir || dir->empty()) continue;
    std::filesystem::path p(*dir);
    if (p.is_relative()) p = std::filesystem::path(g.dir) / p;
    std::string resolved = (p / state::kDirLineageMarker).lexically_normal().string();
    if (!seen.insert(resolved).second) continue;
    out.emplace_back(resolved, (std::filesystem::path(*dir) / state::kDirLineageMarker).string());
  }
  return out;
}

bool RecordLineage(const GlobalOptions& g, const config::ProjectConfig* config, state::State& st,
                   std::string* error) {
  bool ok = true;
  for (const auto& [path, shown] : LineageMarkerPaths(g, config)) {
    // A connection's folder gets one only when it exists (apply made it).
    std::error_code ec;
    if (!std::filesystem::is_directory(std::filesystem::path(path).parent_path(), ec)) continue;
    std::string e;
    if (!state::WriteLineageMarker(path, {st.lineage(), st.serial()}, false, &e)) {
      if (ok) *error = e;
      ok = false;
    }
  }
  return ok;
}

driver::Options DriverOptions(const GlobalOptions& g) {
  driver::Options o;
  o.dir = g.dir;
  o.env = EnvironmentName(g);
  o.threads = g.threads;
  return o;
}

void PrintDiagnostics(const GlobalOptions& g, const base::Diagnostics& diags) {
  base::DiagFormat format = base::DiagFormat::Text;
  base::ParseDiagFormat(g.diagnostic_format, &format);
  std::ostream& out = g.diagnostics_to_stdout ? std::cout : std::cerr;
  switch (format) {
    case base::DiagFormat::Text: std::cerr << diags.Render(g.color); break;
    case base::DiagFormat::Json: out << base::RenderJson(diags); break;
    case base::DiagFormat::Sarif: out << base::RenderSarif(diags, AUD_VERSION, g.dir); break;
    case base::DiagFormat::Github: out << base::RenderGithub(diags, g.dir); break;
  }
  out.flush();
}

bool ReportDiagnostics(const GlobalOptions& g, const check::Project& project) {
  PrintDiagnostics(g, project.diags);
  if (project.ok()) return true;
  if (g.diagnostic_format != "text") return false;
  size_t n = project.diags.error_count();
  std::cerr << n << (n == 1 ? " error" : " errors") << " generated\n";
  return false;
}

bool CheckAndLower(const GlobalOptions& g, std::unique_ptr<check::Project>* project,
                   ir::Program* program) {
  driver::Compiled c = driver::Compile(DriverOptions(g));
  *project = std::move(c.project);
  if (!ReportDiagnostics(g, **project)) return false;
  if (!c.lowered) {
    std::cerr << "error: " << c.error << "\n";
    return false;
  }
  *program = std::move(c.program);
  return true;
}

ingest::Options ProjectIngestOptions(const GlobalOptions& g, const check::Project& project,
                                     bool strict) {
  driver::Options o = DriverOptions(g);
  o.strict = strict;
  return driver::IngestOptions(o, project);
}

std::vector<std::string> EmptySourceErrors(const GlobalOptions& g, const check::Project& project) {
  std::vector<std::string> errors;
  if (!project.config) return errors;
  ingest::Options io = ProjectIngestOptions(g, project, false);
  for (const auto& src : project.config->sources) {
    if (src.warehouse()) continue;  // (tables, not files: their errors come from the read)
    io.globs = {src.path};
    // A source that resolves to something unreadable is reported by ingest itself.
    if (std::string unreadable;
        !ingest::ResolveSources(io, &unreadable).empty() || !unreadable.empty())
      continue;
    errors.push_back("source `" + src.name + "`: `path = \"" + src.path +
                     "\"` matches no file in " + io.project_dir +
                     ": add the event files, or fix `path` in `[sources." + src.name +
                     "]` of aud.toml (with no events every member would exit)");
  }
  return errors;
}

connectors::Context MakeContext(const GlobalOptions& g) {
  connectors::Context ctx;
  ctx.project_dir = g.dir;
  ctx.environment = EnvironmentName(g);
  ctx.getenv = [](const std::string& name, std::string* value) {
    const char* v = std::getenv(name.c_str());
    if (!v) return false;
    *value = v;
    return true;
  };
  return ctx;
}

bool PreflightOk(const GlobalOptions& g, const check::Project& project, const plan::Plan& plan) {
  if (!project.config) return true;
  const connectors::Context ctx = MakeContext(g);
  std::vector<std::string> errors = apply::Preflight(plan, *project.config, ctx);
  for (const auto& e : errors) std::cerr << "error: " << e << "\n";
  return errors.empty();
}

std::string WarehouseSummary(const warehouse::Counters& c) {
  std::string s = "warehouse: " + std::to_string(c.rows_read) + " rows read (" +
                  std::to_string(c.accepted) + " accepted, " + std::to_string(c.quarantined) +
                  " quarantined, " + std::to_string(c.duplicates) + " duplicates), " +
                  std::to_string(c.rows_cached) + " rows from the cache" +
                  (c.full_reload ? " (full read)" : "");
  if (!c.quarantined_by_reason.empty()) {
    s += "; quarantined:";
    for (const auto& [r, n] : c.quarantined_by_reason) s += " " + r + " " + std::to_string(n);
  }
  return s;
}

bool IngestProject(const GlobalOptions& g, const check::Project& project, ingest::Result* out,
                   bool* cached, std::string* error, bool strict, warehouse::Counters* warehouse,
                   bool* warehouse_used, ingest::CacheStatus* status) {
  driver::Options o = DriverOptions(g);
  o.strict = strict;
  driver::Data data;
  std::string ingest_error;
  driver::Ingest(o, project, StartIngestProgress(), &data, &ingest_error);  // (error in `out`)
  *out = std::move(data.ingest);
  if (warehouse) *warehouse = data.warehouse;
  if (warehouse_used) *warehouse_used = data.warehouse_used;
  if (data.warehouse_used && out->error.empty())
    std::cerr << base::TerminalSafe(WarehouseSummary(data.warehouse)) << "\n";
  const ingest::CacheStatus& cache = data.cache;
  if (status) *status = cache;
  Progress::Get().Done();
  if (out->error.empty())  // (an error names the same problems)
    for (const auto& w : out->warnings) std::cerr << "warning: " << base::TerminalSafe(w) << "\n";
  if (!out->error.empty()) {
    *error = out->error;
    return false;
  }
  if (!cache.save_error.empty())
    std::cerr << "warning: the event cache was not written: "
              << base::TerminalSafe(cache.save_error) << "\n";
  *cached = cache.hit;
  return true;
}

std::string DataFingerprint(const GlobalOptions& g, const check::Project& project,
                            const ingest::Result& ingest) {
  std::string text = "data/1\n";
  for (const auto& f : ingest::ResolveSources(ProjectIngestOptions(g, project))) {
    struct stat sb {};
    text += f;
    if (::stat(f.c_str(), &sb) == 0)
      text += ' ' + std::to_string(sb.st_size) + ' ' + std::to_string(sb.st_mtim.tv_sec) + '.' +
              std::to_string(sb.st_mtim.tv_nsec);
    text += '\n';
  }
  text += "store " + std::to_string(ingest.stats.events) + ' ' +
          std::to_string(ingest.stats.identifies) + ' ' + std::to_string(ingest.stats.aliases) +
          '\n';
  return plan::Sha256Hex(text).substr(0, 32);
}

std::string DefinitionsFingerprint(const check::Project& project, const ir::Program& program) {
  return plan::CurrentFingerprints(project, program, "").definitions;
}

bool PlanProject(const GlobalOptions& g, const PlanOptions& o, Planned* out) {
  out->now = NowMillis();
  out->as_of = out->now;
  if (!o.as_of.empty()) {
    std::string why;
    if (!driver::ParseAsOf(o.as_of, &out->as_of, &why)) {
      std::cerr << "error: invalid --as-of `" << o.as_of << "`: " << why << "\n";
      return false;
    }
  }
  if (!driver::KnownEngine(o.engine)) {
    std::cerr << "error: unknown --engine `" << o.engine
              << "` (jit, interp, postgres or postgres-sharded)\n";
    return false;
  }
  ir::PassOptions passes;
  passes.disabled = o.disabled_passes;
  if (std::string why = ir::CheckPassOptions(passes); !why.empty()) {
    std::cerr << "error: " << why << "\n";
    return false;
  }
  if (o.refresh_only && !o.refresh) {
    std::cerr << "error: --refresh-only needs the refresh: drop --refresh=false\n";
    return false;
  }
  if (!CheckAndLower(g, &out->project, &out->program)) return false;
  const check::Project& project = *out->project;

  std::string error;
  if (auto empty = EmptySourceErrors(g, project); !empty.empty()) {
    for (const auto& e : empty) std::cerr << "error: " << e << "\n";
    std::cerr << "no plan was made\n";
    return false;
  }
  bool cached = false;
  ingest::CacheStatus cache_status;
  if (!IngestProject(g, project, &out->ingest, &cached, &error, o.strict, &out->warehouse,
                     &out->warehouse_used, &cache_status)) {
    std::cerr << "error: " << base::TerminalSafe(error) << "\n";
    return false;
  }
  Progress::Get().Set("building profiles at as_of");
  out->profiles = store::BuildProfiles(out->ingest.store, out->as_of);
  Progress::Get().Done();
  out->state = OpenState(g, project, &error);
  if (!out->state) {
    std::cerr << "error: " << error << "\n";
    return false;
  }
  if (out->state->HasAccessControl() && !out->state->Can("view", "", &error)) {
    const std::string role = out->state->Role();
    std::cerr << "error: "
              << (error.empty() ? "role `" + role + "` lacks the `view` capability on the " +
                                      out->state->Shown() + "; the administrator (`" +
                                      out->state->Administrator() +
                                      "`) can run `aud access grant " + role + " view`"
                                : "checking permissions: " + error)
              << "\n";
    return false;
  }
  // The plan is made under the lock, so it never reads a half-applied state.
  // Beside `aud serve`, which holds the lock while it serves, `aud plan`
  // reads without it (docs/serve.md): it only reads, and a plan saved from
  // it is refused by apply if the state moved.
  std::optional<state::LockInfo> holder;
  if (o.lock_operation == "plan") holder = out->state->CurrentLock();
  if (holder && holder->operation == "serve") {
    std::cerr << "note: `aud serve` holds the state lock (pid " << holder->pid
              << "); planning without it\n";
  } else {
    out->lock = LockState(*out->state, o.lock_operation, o.lock_timeout_ms, &error);
  }
  if (!out->lock && !(holder && holder->operation == "serve")) {
    std::cerr << "error: " << error << "\n";
    return false;
  }

  plan::PlanInput in;
  in.project = out->project.get();
  in.program = &out->program;
  in.store = &out->ingest.store;
  in.profiles = &out->profiles;
  in.state = out->state.get();
  in.project_dir = g.dir;
  in.environment = EnvironmentName(g);
  const ingest::Stats& st = out->ingest.stats;
  in.ingest.files = out->ingest.files.size();
  in.ingest.events = st.events;
  in.ingest.identifies = st.identifies;
  in.ingest.aliases = st.aliases;
  in.ingest.bad = st.Bad();
  in.ingest.duplicates = st.duplicates;
  in.ingest.profiles = out->profiles.count;
  in.ingest.cached = cached;
  in.ingest.files_read = cache_status.files_parsed;
  in.ingest.files_reused = cache_status.files_reused;
  for (const ingest::FileStats& f : out->ingest.file_stats)
    in.ingest.per_file.push_back({f.file, f.lines, f.accepted, f.quarantined, f.duplicates});
  in.ingest.type_mismatches = TypeMismatches(out->program, out->ingest.store, out->as_of);
  in.data_fingerprint = DataFingerprint(g, project, out->ingest);
  driver::Options dopt = DriverOptions(g);
  dopt.engine = o.engine;
  if (std::string why = driver::ResolveEngine(project.config ? &*project.config : nullptr, &dopt);
      !why.empty()) {
    std::cerr << "error: " << why << "\n";
    return false;
  }
  const ir::Program* program = &out->program;
  const store::EventStore* store = &out->ingest.store;
  // The evaluation's progress counter outlives the evaluator (which MakePlan owns).
  const uint32_t profiles = out->profiles.count;
  auto counter = std::make_shared<std::shared_ptr<std::atomic<uint64_t>>>();
  in.make_evaluator = [dopt, program, store, profiles, counter, passes](const eval::Options& eo) {
    std::string notice;
    Progress::Get().Set("compiling");
    *counter = EvalProgressCounter();
    eval::Options with_progress = eo;
    with_progress.profiles_done = counter->get();
    with_progress.passes = passes;
    auto ev = driver::Bind(dopt, *program, *store, with_progress, &notice);
    if (!notice.empty()) Progress::Get().Print(notice + "\n");
    ShowEvalProgress(*counter, profiles, "planning: comparing members with the state");
    return ev;
  };

  plan::PlanOptions po;
  po.as_of = out->as_of;
  po.now = out->now;
  po.targets = o.targets;
  po.excludes = o.excludes;
  po.due = o.due;
  po.refresh = o.refresh;
  po.refresh_only = o.refresh_only;
  po.allow_mass_exit = o.allow_mass_exit;
  std::vector<std::string> errors;
  const bool planned = plan::MakePlan(in, po, &out->plan, &errors);
  Progress::Get().Done();
  if (o.lock_operation == "plan") out->lock.reset();  // only `apply` keeps it
  if (!planned) {
    for (const auto& e : errors) std::cerr << "error: " << base::TerminalSafe(e) << "\n";
    std::cerr << "no plan was made\n";
    return false;
  }
  // What apply will need, checked now rather than half-way through an apply.
  if (!PreflightOk(g, project, out->plan)) {
    std::cerr << "no plan was made: the connections above are not ready\n";
    return false;
  }
  return true;
}

}  // namespace aud::cli
