// The driver (driver.h): load → check → lower → bind, and the data load.

#include "runtime/driver/driver.h"

#include <climits>
#include <cstdlib>
#include <set>
#include <string>
#include <variant>

#include "compiler/base/civil_time.h"

namespace aud::driver {

const std::vector<std::string>& Engines() {
  static const std::vector<std::string> engines = {"jit", "interp", "postgres", "postgres-sharded"};
  return engines;
}

std::string ResolveEngine(const config::ProjectConfig* config, Options* options) {
  const std::string& engine = options->engine;
  if (engine != "postgres" && engine != "postgres-sharded") return "";
  const std::string flag = "`--engine " + engine + "`";
  if (!config || !config->engine_postgres_dsn)
    return flag + " needs `[engine.postgres] dsn = { env = \"VAR\" }` in aud.toml " +
           (engine == "postgres" ? "(docs/sql-engine.md)" : "(the coordinator; docs/scale.md)");
  const std::string& var = config->engine_postgres_dsn->env;
  const char* value = std::getenv(var.c_str());
  if (!value || !*value)
    return flag + ": the variable `" + var +
           "` named by `[engine.postgres] dsn` is not set or empty";
  options->engine_dsn = value;
  options->engine_dsn_var = var;
  options->engine_shards.clear();
  if (engine == "postgres") return "";
  if (config->engine_postgres_shards.empty())
    return flag +
           " needs `[engine.postgres] shards = [{ env = \"VAR\" }, …]` in aud.toml "
           "(docs/scale.md)";
  for (const config::SecretRef& s : config->engine_postgres_shards) {
    const char* v = std::getenv(s.env.c_str());
    if (!v || !*v)
      return flag + ": the variable `" + s.env +
             "` named by `[engine.postgres] shards` is not set or empty";
    options->engine_shards.emplace_back(v, s.env);
  }
  return "";
}

bool KnownEngine(const std::string& engine) {
  for (const auto& e : Engines())
    if (e == engine) return true;
  return false;
}

bool Lower(const check::Project& project, ir::Program* out, std::string* error) {
  ir::LowerResult lowered = ir::Lower(project.module);
  if (!lowered.error.empty()) {
    *error = lowered.error;
    return false;
  }
  *out = std::move(lowered.program);
  return true;
}

Compiled CompileTree(const check::SourceTree& tree, const Options& options, Until until) {
  Compiled c;
  check::CheckOptions co;
  co.require_config = options.require_config;
  co.environment = options.env;
  c.project = check::Check(tree, co);
  if (!c.project->ok() || until == Until::Check) return c;
  c.lowered = Lower(*c.project, &c.program, &c.error);
  return c;
}

Compiled Compile(const Options& options, Until until) {
  return CompileTree(check::ReadSourceTree(options.dir), options, until);
}

bool ParseAsOf(const std::string& text, int64_t* millis, std::string* why) {
  std::string_view t = text;
  if (!t.empty() && t[0] == '@') t.remove_prefix(1);
  return base::ParseRfc3339(t, millis, why);
}

std::string CanonicalDir(const std::string& dir) {
  char buf[PATH_MAX];
  if (::realpath(dir.c_str(), buf) == nullptr) return dir;
  return buf;
}

ingest::Options IngestOptions(const Options& options, const check::Project& project) {
  ingest::Options io;
  // Canonical, so every spelling of the project shares the cache and the
  // data fingerprint (the file paths are part of both).
  io.project_dir = CanonicalDir(options.dir);
  io.quarantine_dir = options.dir + "/.aud/quarantine";
  io.strict = options.strict;
  if (project.config) {
    for (const auto& src : project.config->sources) {
      io.globs.push_back(src.path);
      io.names.push_back(src.name);
    }
  }
  // The declared `context.*` properties: the ingest stores those context leaves.
  std::set<std::string> context_paths;
  for (const auto& [name, sym] : project.module.symbols) {
    if (sym.kind != check::SymbolKind::Event) continue;
    if (const auto* ev = std::get_if<ast::EventDecl>(&sym.decl->node)) {
      for (const ast::PropDecl& p : ev->props)
        if (p.name.text.rfind("context.", 0) == 0) context_paths.insert(p.name.text);
    }
  }
  io.context_paths.assign(context_paths.begin(), context_paths.end());
  return io;
}

std::string EventCachePath(const Options& options) {
  return options.dir + "/.aud/cache/events.store";
}

bool Ingest(const Options& options, const check::Project& project, IngestProgress progress,
            Data* out, std::string* error) {
  ingest::Options io = IngestOptions(options, project);
  io.progress = std::move(progress);
  out->ingest = ingest::IngestCached(io, EventCachePath(options), &out->cache);
  if (!out->ingest.error.empty()) {
    *error = out->ingest.error;
    return false;
  }
  return true;
}

bool LoadData(const Options& options, const check::Project& project, int64_t as_of,
              IngestProgress progress, Data* out, std::string* error) {
  if (!Ingest(options, project, std::move(progress), out, error)) return false;
  out->profiles = store::BuildProfiles(out->ingest.store, as_of);
  return true;
}

}  // namespace aud::driver
