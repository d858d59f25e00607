#include "tests/jit/diff.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "runtime/driver/driver.h"

namespace aud::jittest {

Loaded::~Loaded() {
  if (!dir.empty()) evaltest::RemoveTree(dir);
}

bool ParseAsOf(const std::string& text, int64_t* millis) {
  std::string why;
  return driver::ParseAsOf(text, millis, &why);
}

bool Load(const evaltest::Files& files, Loaded* out, std::string* error) {
  out->project = evaltest::CheckFiles(files, error);
  if (!out->project) return false;
  if (!driver::Lower(*out->project, &out->program, error)) return false;
  out->dir = evaltest::MakeTempDir("aud_jittest_");
  if (out->dir.empty()) {
    *error = "cannot make a temp dir";
    return false;
  }
  evaltest::WriteFiles(out->dir, files);
  ingest::Options io;
  io.project_dir = out->dir;
  io.quarantine_dir = out->dir + "/.aud/quarantine";
  if (out->project->config)
    for (const auto& src : out->project->config->sources) io.globs.push_back(src.path);
  out->ingested = ingest::Ingest(io);
  if (!out->ingested.error.empty()) {
    *error = out->ingested.error;
    return false;
  }
  return true;
}

namespace {

std::string Name(const ir::Program& p, size_t f) {
  const ir::Formula& fm = p.formulas[f];
  return fm.owner.empty() ? fm.name : fm.owner + "." + fm.name;
}

}  // namespace

std::string CompareResults(const ir::Program& p, const eval::Result& a, const eval::Result& b) {
  std::ostringstream d;
  if (a.error != b.error) return "error: `" + a.error + "` vs `" + b.error + "`";
  if (!a.ok()) return "";
  if (a.profiles != b.profiles) return "profile counts differ";
  if (a.evaluated != b.evaluated) return "evaluated flags differ";
  if (a.members.size() != b.members.size() || a.values.size() != b.values.size())
    return "result shapes differ";
  for (size_t f = 0; f < a.members.size(); ++f) {
    if (a.members[f].words != b.members[f].words) {
      for (uint32_t q = 0; q < a.profiles; ++q)
        if (a.members[f].Test(q) != b.members[f].Test(q)) {
          d << "members of " << Name(p, f) << " differ at profile " << q << ": "
            << a.members[f].Test(q) << " vs " << b.members[f].Test(q);
          return d.str();
        }
      return "member words of " + Name(p, f) + " differ";
    }
    const eval::Column &x = a.values[f], &y = b.values[f];
    if (x.type != y.type) return "column types of " + Name(p, f) + " differ";
    if (x.valid.words != y.valid.words) return "valid bits of " + Name(p, f) + " differ";
    if (x.ints != y.ints) return "int values of " + Name(p, f) + " differ";
    if (x.strings != y.strings) return "string values of " + Name(p, f) + " differ";
    if (x.floats.size() != y.floats.size()) return "float columns of " + Name(p, f) + " differ";
    for (size_t q = 0; q < x.floats.size(); ++q) {
      uint64_t u, v;
      std::memcpy(&u, &x.floats[q], 8);
      std::memcpy(&v, &y.floats[q], 8);
      if (u != v) {
        d << "float bits of " << Name(p, f) << " differ at profile " << q << ": " << std::hex << u
          << " vs " << v;
        return d.str();
      }
    }
  }
  if (a.imports.size() != b.imports.size()) return "import stats differ";
  for (size_t i = 0; i < a.imports.size(); ++i)
    if (a.imports[i].entries != b.imports[i].entries ||
        a.imports[i].matched != b.imports[i].matched ||
        a.imports[i].unmatched != b.imports[i].unmatched)
      return "import stats of " + p.imports[i].path + " differ";
  return "";
}

std::string CompareIdentities(const eval::Evaluator& a, const eval::Evaluator& b,
                              const store::Profiles& ps) {
  for (uint32_t q = 0; q < ps.count; ++q)
    if (a.Identities(ps, q) != b.Identities(ps, q))
      return "identities differ at profile " + std::to_string(q);
  return "";
}

std::string Differential(const Loaded& loaded, const store::Profiles& profiles,
                         const std::vector<std::string>& only, jit::Tier tier,
                         jit::CompileStats* stats) {
  eval::Options eo;
  eo.project_dir = loaded.dir;
  eo.only = only;
  eo.threads = 2;
  eval::Interpreter interp(loaded.program, loaded.ingested.store, eo);
  jit::JitOptions jo;
  jo.tier = tier;
  jit::JitEvaluator jit(loaded.program, loaded.ingested.store, eo, jo);
  if (stats) *stats = jit.stats();
  if (std::getenv("AUD_JIT_STATS"))  // compile figures for docs/runtime.md
    std::fprintf(stderr,
                 "jit-stats tier=%s slots=%zu formulas=%zu codegen_ms=%.3f compile_ms=%.3f "
                 "object_bytes=%zu\n",
                 tier == jit::Tier::Fast ? "fast" : "full", loaded.program.slots.size(),
                 loaded.program.formulas.size(), jit.stats().codegen_ms, jit.stats().compile_ms,
                 jit.stats().object_bytes);
  if (interp.error().empty() && !jit.error().empty()) return "JIT failed: " + jit.error();
  if (interp.error() != jit.error())
    return "errors differ: `" + interp.error() + "` vs `" + jit.error() + "`";
  eval::Result want = interp.Run(profiles);
  eval::Result got = jit.Run(profiles);
  std::string diff = CompareResults(loaded.program, want, got);
  if (diff.empty() && want.ok()) diff = CompareIdentities(interp, jit, profiles);
  return diff;
}

std::string PassesDifferential(const Loaded& loaded, const store::Profiles& profiles,
                               const std::vector<std::string>& only) {
  eval::Options eo;
  eo.project_dir = loaded.dir;
  eo.only = only;
  eo.threads = 2;
  eval::Interpreter base(loaded.program, loaded.ingested.store, eo);
  eval::Result want = base.Run(profiles);
  // Each pass alone, then all of them.
  std::vector<std::vector<std::string>> configs;
  std::vector<std::string> all;
  for (const ir::PassInfo& p : ir::Passes()) {
    configs.push_back({p.name});
    all.push_back(p.name);
  }
  configs.push_back(all);
  for (const auto& disabled : configs) {
    std::string label;
    for (const std::string& d : disabled) label += " " + d;
    eval::Options off = eo;
    off.passes.disabled = disabled;
    eval::Interpreter interp(loaded.program, loaded.ingested.store, off);
    jit::JitOptions jo;
    jo.tier = jit::Tier::Fast;
    jit::JitEvaluator jit(loaded.program, loaded.ingested.store, off, jo);
    if (interp.error() != base.error())
      return "interpreter without" + label + ": error `" + interp.error() + "`";
    if (base.error().empty() && !jit.error().empty())
      return "JIT without" + label + " failed: " + jit.error();
    std::string diff = CompareResults(loaded.program, want, interp.Run(profiles));
    if (!diff.empty()) return "interpreter without" + label + ": " + diff;
    diff = CompareResults(loaded.program, want, jit.Run(profiles));
    if (!diff.empty()) return "JIT without" + label + ": " + diff;
  }
  return "";
}

std::string TypeIndexDifferential(const Loaded& loaded, const store::Profiles& profiles,
                                  jit::Tier tier) {
  eval::Options plain;
  plain.project_dir = loaded.dir;
  plain.threads = 2;
  plain.passes.disabled = {"type-index"};
  eval::Interpreter base(loaded.program, loaded.ingested.store, plain);
  if (!base.error().empty()) return "";  // nothing to compare (the error is tested elsewhere)
  const eval::Result want = base.Run(profiles);
  jit::JitOptions jo;
  jo.tier = tier;
  jit::JitEvaluator jit_plain(loaded.program, loaded.ingested.store, plain, jo);
  if (!jit_plain.error().empty()) return "JIT without type-index failed: " + jit_plain.error();
  std::string diff = CompareResults(loaded.program, want, jit_plain.Run(profiles));
  if (!diff.empty()) return "JIT without type-index: " + diff;
  eval::Options indexed = plain;
  indexed.passes.disabled.clear();
  eval::Interpreter interp(loaded.program, loaded.ingested.store, indexed);
  diff = CompareResults(loaded.program, want, interp.Run(profiles));
  if (!diff.empty()) return "interpreter with type-index: " + diff;
  jit::JitEvaluator jit(loaded.program, loaded.ingested.store, indexed, jo);
  if (!jit.error().empty()) return "JIT with type-index failed: " + jit.error();
  diff = CompareResults(loaded.program, want, jit.Run(profiles));
  if (!diff.empty()) return "JIT with type-index: " + diff;
  store::Profiles bare = profiles;
  bare.type_index = store::TypeIndex{};
  diff = CompareResults(loaded.program, want, interp.Run(bare));
  if (!diff.empty()) return "interpreter with type-index, profiles without an index: " + diff;
  diff = CompareResults(loaded.program, want, jit.Run(bare));
  if (!diff.empty()) return "JIT with type-index, profiles without an index: " + diff;
  return "";
}

}  // namespace aud::jittest
