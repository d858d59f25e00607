// The planning pipeline shared by `aud plan` and `aud apply` (pipeline.h).

#include "cli/pipeline.h"

#include <sys/stat.h>

#include <chrono>
#include <climits>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>

#include "cli/progress.h"
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

std::string StatePath(const GlobalOptions& g) { return g.dir + "/.aud/state.db"; }

std::unique_ptr<state::State> OpenState(const GlobalOptions& g, const check::Project& project,
                                        std::string* error) {
  if (project.config && !state::BackendSupported(project.config->state_backend, error))
    return nullptr;
  std::error_code ec;
  std::filesystem::create_directories(g.dir + "/.aud", ec);
  if (ec) {
    *error = "cannot create " + g.dir + "/.aud: " + ec.message();
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
  if (!markers.empty() && !std::filesystem::exists(StatePath(g), ec)) {
    const auto& [shown, m] = markers.front();
    *error = "the state " + StatePath(g) + " is missing, but the last apply here used lineage " +
             m.lineage + " at serial " + std::to_string(m.serial) + " (" + shown +
             "): a new state would not know what the destinations hold; restore the state file, "
             "or run `aud state adopt` to start a new one (the next plan then reads the "
             "destinations back and repairs them)";
    return nullptr;
  }
  std::string why;
  auto st = state::State::Open(StatePath(g), &why);
  if (!st) {
    *error = "cannot open the state " + StatePath(g) + ": " + why;
    return nullptr;
  }
  for (const auto& [shown, m] : markers) {
    *error = state::LineageDistrust(m, st->lineage(), st->serial(), StatePath(g), shown);
    if (!error->empty()) return nullptr;
  }
  return st;
}

std::vector<std::pair<std::string, std::string>> LineageMarkerPaths(
    const GlobalOptions& g, const config::ProjectConfig* config) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back(state::LineageMarkerPath(StatePath(g)), ".aud/state.lineage");
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

bool CheckAndLower(const GlobalOptions& g, std::unique_ptr<check::Project>* project,
                   ir::Program* program) {
  check::SourceTree tree = check::ReadSourceTree(g.dir);
  *project = check::Check(tree);
  std::cerr << (*project)->diags.Render(g.color);
  if (!(*project)->ok()) {
    size_t n = (*project)->diags.error_count();
    std::cerr << n << (n == 1 ? " error" : " errors") << " generated\n";
    return false;
  }
  ir::LowerResult lowered = ir::Lower((*project)->module);
  if (!lowered.error.empty()) {
    std::cerr << "error: " << lowered.error << "\n";
    return false;
  }
  *program = std::move(lowered.program);
  return true;
}

std::string CanonicalProjectDir(const GlobalOptions& g) {
  char buf[PATH_MAX];
  if (::realpath(g.dir.c_str(), buf) == nullptr) return g.dir;
  return buf;
}

ingest::Options ProjectIngestOptions(const GlobalOptions& g, const check::Project& project,
                                     bool strict) {
  ingest::Options io;
  // Canonical, so every spelling of the project shares the cache and the
  // data fingerprint (the file paths are part of both).
  io.project_dir = CanonicalProjectDir(g);
  io.quarantine_dir = g.dir + "/.aud/quarantine";
  io.strict = strict;
  if (project.config) {
    for (const auto& src : project.config->sources) {
      io.globs.push_back(src.path);
      io.names.push_back(src.name);
    }
  }
  return io;
}

std::vector<std::string> EmptySourceErrors(const GlobalOptions& g, const check::Project& project) {
  std::vector<std::string> errors;
  if (!project.config) return errors;
  ingest::Options io = ProjectIngestOptions(g, project, false);
  for (const auto& src : project.config->sources) {
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

bool PreflightOk(const GlobalOptions& g, const check::Project& project, const plan::Plan& plan) {
  if (!project.config) return true;
  connectors::Context ctx;
  ctx.project_dir = g.dir;
  ctx.getenv = [](const std::string& name, std::string* value) {
    const char* v = std::getenv(name.c_str());
    if (!v) return false;
    *value = v;
    return true;
  };
  std::vector<std::string> errors = apply::Preflight(plan, *project.config, ctx);
  for (const auto& e : errors) std::cerr << "error: " << e << "\n";
  return errors.empty();
}

bool IngestProject(const GlobalOptions& g, const check::Project& project, ingest::Result* out,
                   bool* cached, std::string* error, bool strict) {
  ingest::CacheStatus cache;
  ingest::Options io = ProjectIngestOptions(g, project, strict);
  io.progress = StartIngestProgress();  // empty unless on a terminal
  *out = ingest::IngestCached(io, g.dir + "/.aud/cache/events.store", &cache);
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
    if (!ParseAsOf(o.as_of, &out->as_of, &why)) {
      std::cerr << "error: invalid --as-of `" << o.as_of << "`: " << why << "\n";
      return false;
    }
  }
  if (o.engine != "jit" && o.engine != "interp") {
    std::cerr << "error: unknown --engine `" << o.engine << "` (jit or interp)\n";
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
  if (!IngestProject(g, project, &out->ingest, &cached, &error, o.strict)) {
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

  plan::PlanInput in;
  in.project = out->project.get();
  in.program = &out->program;
  in.store = &out->ingest.store;
  in.profiles = &out->profiles;
  in.state = out->state.get();
  in.project_dir = g.dir;
  const ingest::Stats& st = out->ingest.stats;
  in.ingest.files = out->ingest.files.size();
  in.ingest.events = st.events;
  in.ingest.identifies = st.identifies;
  in.ingest.aliases = st.aliases;
  in.ingest.bad = st.Bad();
  in.ingest.duplicates = st.duplicates;
  in.ingest.profiles = out->profiles.count;
  in.ingest.cached = cached;
  in.ingest.type_mismatches = TypeMismatches(out->program, out->ingest.store, out->as_of);
  in.data_fingerprint = DataFingerprint(g, project, out->ingest);
  const std::string engine = o.engine;
  const std::string cache_dir = g.dir + "/.aud/cache/jit";
  const ir::Program* program = &out->program;
  const store::EventStore* store = &out->ingest.store;
  // The evaluation's progress counter outlives the evaluator (which MakePlan owns).
  const uint32_t profiles = out->profiles.count;
  auto counter = std::make_shared<std::shared_ptr<std::atomic<uint64_t>>>();
  in.make_evaluator = [engine, cache_dir, program, store, profiles, counter,
                       passes](const eval::Options& eo) {
    jit::JitOptions jo;
    jo.cache_dir = cache_dir;
    std::string notice;
    Progress::Get().Set("compiling");
    *counter = EvalProgressCounter();
    eval::Options with_progress = eo;
    with_progress.profiles_done = counter->get();
    with_progress.passes = passes;
    auto ev = jit::MakeEvaluator(engine, *program, *store, with_progress, jo, &notice);
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
