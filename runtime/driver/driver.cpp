// The driver (driver.h): load → check → lower → bind, and the data load.

#include "runtime/driver/driver.h"

#include <climits>
#include <cstdlib>
#include <map>
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
  io.threads = options.threads;
  if (project.config) {
    for (const auto& src : project.config->sources) {
      if (src.warehouse()) continue;  // (runtime/warehouse reads those)
      io.globs.push_back(src.path);
      io.names.push_back(src.name);
    }
  }
  // The messages `aud serve` collected (docs/serve.md) are data like any
  // source, whether or not the server runs.
  io.globs.push_back(std::string(kCollectedGlob));
  io.names.push_back("collected");
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

namespace {

warehouse::Kind KindOf(const std::string& type) {
  if (type == "int") return warehouse::Kind::Int;
  if (type == "float") return warehouse::Kind::Float;
  if (type == "bool") return warehouse::Kind::Bool;
  if (type == "timestamp") return warehouse::Kind::Timestamp;
  return warehouse::Kind::String;
}

// `context.campaign.source` -> `context_campaign_source` (each part in snake_case).
std::string ColumnOf(const std::string& name) {
  std::string out;
  size_t b = 0;
  while (true) {
    size_t e = name.find('.', b);
    std::string part = warehouse::SnakeCase(name.substr(b, e == std::string::npos ? e : e - b));
    if (!out.empty()) out += '_';
    out += part;
    if (e == std::string::npos) break;
    b = e + 1;
  }
  return out;
}

}  // namespace

bool WarehouseRequest(const Options& options, const check::Project& project,
                      warehouse::Request* out, std::string* error) {
  *out = warehouse::Request{};
  // One cache per environment (each may read another database).
  out->cache_dir = options.dir + "/.aud/cache/warehouse" +
                   (options.env.empty() ? std::string() : "/env/" + options.env);
  out->strict = options.strict;
  if (!project.config) return true;
  for (const auto& src : project.config->sources) {
    if (!src.warehouse()) continue;
    warehouse::Source ws;
    ws.name = src.name;
    ws.schema = src.schema;
    ws.dsn_var = src.dsn ? src.dsn->env : "";
    const char* v = ws.dsn_var.empty() ? nullptr : std::getenv(ws.dsn_var.c_str());
    if (!v || !*v) {
      *error = "source `" + src.name + "`: the environment variable `" + ws.dsn_var +
               "` (its `dsn`) is not set; export the PostgreSQL connection string in it";
      return false;
    }
    ws.dsn = connectors::Secret(v);
    out->sources.push_back(std::move(ws));
  }
  // Declared events, one table each (the page and screen events share
  // `pages` / `screens`: the union of their properties); declared
  // `context.*` paths are read for every declared event table.
  std::map<std::string, warehouse::EventTable> tables;
  std::map<std::string, warehouse::Kind> context;
  for (const auto& [name, sym] : project.module.symbols) {
    if (sym.kind == check::SymbolKind::Trait) {
      if (const auto* t = std::get_if<ast::TraitDecl>(&sym.decl->node))
        out->traits.push_back({t->name.text, ColumnOf(t->name.text), KindOf(t->type.text)});
      continue;
    }
    if (sym.kind != check::SymbolKind::Event) continue;
    const auto* ev = std::get_if<ast::EventDecl>(&sym.decl->node);
    if (!ev) continue;
    std::string key = ev->source == ast::EventDecl::Track  ? "track:" + ev->track_name.value
                      : ev->source == ast::EventDecl::Page ? "page"
                                                           : "screen";
    std::string table = ev->source == ast::EventDecl::Track
                            ? warehouse::SnakeCase(ev->track_name.value)
                        : ev->source == ast::EventDecl::Page ? "pages"
                                                             : "screens";
    warehouse::EventTable& t = tables[table];
    t.key = key;
    t.table = table;
    for (const ast::PropDecl& p : ev->props) {
      if (p.name.text.rfind("context.", 0) == 0) {
        context[p.name.text] = KindOf(p.type.text);
        continue;
      }
      bool seen = false;
      for (const auto& f : t.fields) seen = seen || f.name == p.name.text;
      if (!seen) t.fields.push_back({p.name.text, ColumnOf(p.name.text), KindOf(p.type.text)});
    }
  }
  for (auto& [table, t] : tables) {
    for (const auto& [path, kind] : context) t.fields.push_back({path, ColumnOf(path), kind});
    out->events.push_back(std::move(t));
  }
  return true;
}

bool Ingest(const Options& options, const check::Project& project, IngestProgress progress,
            Data* out, std::string* error) {
  if (project.config) {
    bool files = false, tables = false;
    for (const auto& src : project.config->sources) (src.warehouse() ? tables : files) = true;
    if (tables && files) {
      *error =
          "a project reads either JSON-lines files or warehouse tables: `[sources.*]` with "
          "`type = \"postgres\"` cannot be mixed with file sources yet; load the files into the "
          "warehouse, or keep them in another project";
      out->ingest.error = *error;
      return false;
    }
    if (tables) {
      warehouse::Request req;
      if (!WarehouseRequest(options, project, &req, error)) {
        out->ingest.error = *error;
        return false;
      }
      out->warehouse_used = true;
      out->ingest = warehouse::Ingest(req, &out->warehouse);
      if (!out->ingest.error.empty()) {
        *error = out->ingest.error;
        return false;
      }
      return true;
    }
  }
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
