// The planning pipeline shared by `aud plan` and `aud apply` (pipeline.h).

#include "cli/pipeline.h"

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <iostream>

#include "runtime/jit/jit.h"
#include "runtime/state/backend.h"

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
  std::string why;
  auto st = state::State::Open(StatePath(g), &why);
  if (!st) *error = "cannot open the state " + StatePath(g) + ": " + why;
  return st;
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

ingest::Options ProjectIngestOptions(const GlobalOptions& g, const check::Project& project,
                                     bool strict) {
  ingest::Options io;
  io.project_dir = g.dir;
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

bool IngestProject(const GlobalOptions& g, const check::Project& project, ingest::Result* out,
                   bool* cached, std::string* error, bool strict) {
  ingest::CacheStatus cache;
  *out = ingest::IngestCached(ProjectIngestOptions(g, project, strict),
                              g.dir + "/.aud/cache/events.store", &cache);
  if (out->error.empty())  // (an error names the same problems)
    for (const auto& w : out->warnings) std::cerr << "warning: " << w << "\n";
  if (!out->error.empty()) {
    *error = out->error;
    return false;
  }
  if (!cache.save_error.empty())
    std::cerr << "warning: the event cache was not written: " << cache.save_error << "\n";
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
  if (!CheckAndLower(g, &out->project, &out->program)) return false;
  const check::Project& project = *out->project;

  std::string error;
  bool cached = false;
  if (!IngestProject(g, project, &out->ingest, &cached, &error, o.strict)) {
    std::cerr << "error: " << error << "\n";
    return false;
  }
  out->profiles = store::BuildProfiles(out->ingest.store, out->as_of);
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
  in.make_evaluator = [engine, cache_dir, program, store](const eval::Options& eo) {
    jit::JitOptions jo;
    jo.cache_dir = cache_dir;
    std::string notice;
    auto ev = jit::MakeEvaluator(engine, *program, *store, eo, jo, &notice);
    if (!notice.empty()) std::cerr << notice << "\n";
    return ev;
  };

  plan::PlanOptions po;
  po.as_of = out->as_of;
  po.now = out->now;
  po.targets = o.targets;
  po.excludes = o.excludes;
  po.due = o.due;
  std::vector<std::string> errors;
  if (!plan::MakePlan(in, po, &out->plan, &errors)) {
    for (const auto& e : errors) std::cerr << "error: " << e << "\n";
    std::cerr << "no plan was made\n";
    return false;
  }
  return true;
}

}  // namespace aud::cli
