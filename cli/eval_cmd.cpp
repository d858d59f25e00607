// `aud eval NAME`: check, lower, ingest (through the store cache), build the
// profiles at as_of, evaluate (the JIT by default, `--engine interp` for the
// reference interpreter), and render members as a table or as JSON
// lines (docs/reference/language.md §10).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "compiler/base/civil_time.h"
#include "compiler/base/escape.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/passes.h"
#include "runtime/driver/driver.h"
#include "runtime/eval/eval.h"
#include "runtime/ingest/ingest.h"
#include "runtime/jit/jit.h"
#include "runtime/store/profiles.h"

namespace aud::cli {

namespace {

// "; did you mean `x`?" for a close name, else "".
std::string DidYouMean(const std::string& s) {
  return s.empty() ? "" : "; did you mean `" + s + "`?";
}

// One attribute value as JSON: null when missing (or not a finite float).
void JsonValue(const eval::Column& c, uint32_t p, std::string& out) {
  if (!c.valid.Test(p)) {
    out += "null";
    return;
  }
  switch (c.type) {
    case ir::Type::Float:
      if (std::isfinite(c.floats[p]))
        out += ir::FormatFloat(c.floats[p]);
      else
        out += "null";
      break;
    case ir::Type::String: base::AppendJsonString(c.strings[p], &out); break;
    case ir::Type::Timestamp: base::AppendJsonString(ir::FormatTime(c.ints[p]), &out); break;
    case ir::Type::Bool: out += c.ints[p] ? "true" : "false"; break;
    default: out += std::to_string(c.ints[p]); break;
  }
}

// One attribute value for the table.
std::string TextValue(const eval::Column& c, uint32_t p) {
  if (!c.valid.Test(p)) return "-";
  switch (c.type) {
    case ir::Type::Float: return ir::FormatFloat(c.floats[p]);
    case ir::Type::String: return base::TerminalSafe(c.strings[p]);
    case ir::Type::Timestamp: return ir::FormatTime(c.ints[p]);
    case ir::Type::Bool: return c.ints[p] ? "true" : "false";
    default: return std::to_string(c.ints[p]);
  }
}

// "a segment", "an audience".
std::string WithArticle(const std::string& kind) {
  bool vowel = !kind.empty() && std::string("aeiou").find(kind[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + kind;
}

// Messages quote names and paths the user or the data gave: printed escaped.
int Fail(const std::string& message) {
  std::cerr << "error: " << base::TerminalSafe(message) << "\n";
  return 1;
}

}  // namespace

int RunEval(const GlobalOptions& g, const EvalOptions& o) {
  int64_t as_of = NowMillis();
  if (!o.as_of.empty()) {
    std::string why;
    if (!driver::ParseAsOf(o.as_of, &as_of, &why))
      return Fail("invalid --as-of `" + o.as_of + "`: " + why);
  }
  if (!driver::KnownEngine(o.engine))
    return Fail("unknown engine `" + o.engine + "` (jit, interp, postgres or postgres-sharded)");
  ir::PassOptions passes;
  passes.disabled = o.disabled_passes;
  if (std::string why = ir::CheckPassOptions(passes); !why.empty()) return Fail(why);

  driver::Options dopt = DriverOptions(g);
  dopt.engine = o.engine;
  dopt.strict = o.strict;
  if (const char* tier = std::getenv("AUD_JIT_TIER"); tier && *tier)  // fast | full (else auto)
    dopt.jit_tier = tier;
  driver::Compiled compiled = driver::Compile(dopt, driver::Until::Check);
  const auto& project = compiled.project;
  if (!ReportDiagnostics(g, *project)) return 1;
  if (std::string why; !MayView(g, project->config ? &*project->config : nullptr, &why))
    return Fail(why);
  const check::Symbol* sym = project->module.Find(o.name);
  if (!sym)
    return Fail(
        "unknown segment or audience `" + o.name + "`" +
        DidYouMean(check::SuggestSymbol(
            project->module, o.name, {check::SymbolKind::Segment, check::SymbolKind::Audience})));
  if (sym->kind != check::SymbolKind::Segment && sym->kind != check::SymbolKind::Audience)
    return Fail("`" + o.name + "` is " + WithArticle(check::SymbolKindName(sym->kind)) +
                ", not a segment or audience");

  if (std::string why = driver::ResolveEngine(project->config ? &*project->config : nullptr, &dopt);
      !why.empty())
    return Fail(why);
  std::string lower_error;
  if (!driver::Lower(*project, &compiled.program, &lower_error)) return Fail(lower_error);
  const ir::Program& prog = compiled.program;

  driver::Data data;
  std::string ingest_error;
  driver::Ingest(dopt, *project, StartIngestProgress(), &data, &ingest_error);  // (error in `in`)
  const ingest::Result& in = data.ingest;
  const ingest::CacheStatus& cache = data.cache;
  Progress::Get().Done();
  if (!in.error.empty()) return Fail(in.error);
  for (const auto& w : in.warnings) std::cerr << "warning: " << w << "\n";
  if (data.warehouse_used)
    std::cerr << base::TerminalSafe(WarehouseSummary(data.warehouse)) << "\n";
  if (!cache.save_error.empty())
    std::cerr << "warning: the event cache was not written: "
              << base::TerminalSafe(cache.save_error) << "\n";

  Progress::Get().Set("building profiles at as_of");
  store::Profiles profiles = store::BuildProfiles(in.store, as_of);
  Progress::Get().Set("compiling");
  std::shared_ptr<std::atomic<uint64_t>> evaluated = EvalProgressCounter();
  eval::Options eo;
  eo.profiles_done = evaluated.get();
  eo.project_dir = g.dir;
  eo.only = {o.name};
  eo.passes = passes;
  std::string notice;
  std::unique_ptr<eval::Evaluator> evaluator = driver::Bind(dopt, prog, in.store, eo, &notice);
  if (!notice.empty()) Progress::Get().Print(notice + "\n");
  Progress::Get().Done();
  if (const char* env = std::getenv("AUD_JIT_STATS"); env && *env) {
    // Compile figures (docs/runtime.md, bench/): on stderr, only when asked.
    if (const auto* j = dynamic_cast<const jit::JitEvaluator*>(evaluator.get())) {
      const jit::CompileStats& cs = j->stats();
      std::fprintf(stderr,
                   "jit: tier=%s cache_hit=%d codegen_ms=%.3f compile_ms=%.3f object_bytes=%zu\n",
                   cs.tier == jit::Tier::Full ? "full" : "fast", cs.cache_hit ? 1 : 0,
                   cs.codegen_ms, cs.compile_ms, cs.object_bytes);
    }
  }
  const eval::Evaluator& ev = *evaluator;
  auto run_start = std::chrono::steady_clock::now();
  ShowEvalProgress(evaluated, profiles.count, "");
  eval::Result res = ev.Run(profiles);
  Progress::Get().Done();
  if (const char* env = std::getenv("AUD_JIT_STATS"); env && *env)
    std::fprintf(
        stderr, "eval: run_ms=%.3f events=%zu profiles=%u\n",
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_start)
            .count(),
        profiles.events.size(), profiles.count);
  if (!res.ok()) return Fail(res.error);

  const int32_t f = prog.FindFormula(o.name);
  const ir::Audience* aud = prog.FindAudience(o.name);
  std::vector<uint32_t> ids;  // identities shown, sorted by name (Program order)
  if (aud) {
    ids = aud->identities;
    std::sort(ids.begin(), ids.end());
  } else {
    for (uint32_t i = 0; i < prog.identities.size(); ++i) ids.push_back(i);
  }
  const std::vector<uint32_t> no_attributes;
  const std::vector<uint32_t>& attrs = aud ? aud->attributes : no_attributes;
  const eval::Bitset& members = res.members[static_cast<size_t>(f)];

  if (o.format == "jsonl") {
    std::string line;
    for (uint32_t p = 0; p < profiles.count; ++p) {
      if (!members.Test(p)) continue;
      line.clear();
      line += "{\"profile\":";
      base::AppendJsonString(profiles.key[p], &line);
      line += ",\"identities\":{";
      auto values = ev.Identities(profiles, p);
      for (size_t k = 0; k < ids.size(); ++k) {
        if (k) line += ',';
        base::AppendJsonString(prog.identities[ids[k]].name, &line);
        line += ":[";
        const auto& vs = values[ids[k]];
        for (size_t j = 0; j < vs.size(); ++j) {
          if (j) line += ',';
          base::AppendJsonString(vs[j], &line);
        }
        line += ']';
      }
      line += "},\"attributes\":{";
      for (size_t k = 0; k < attrs.size(); ++k) {
        if (k) line += ',';
        base::AppendJsonString(prog.formulas[attrs[k]].name, &line);
        line += ':';
        JsonValue(res.values[attrs[k]], p, line);
      }
      line += "}}\n";
      std::cout << line;
    }
    return 0;
  }

  // The table: a summary for people.
  const uint64_t count = members.Count();
  std::ostringstream out;
  out << (aud ? "audience " : "segment ") << o.name << ": " << count << " of " << profiles.count
      << (profiles.count == 1 ? " profile" : " profiles") << " (as of " << ir::FormatTime(as_of)
      << ")\n";
  if (count > 0) {
    std::vector<std::string> header{"profile"};
    for (uint32_t a : attrs) header.push_back(prog.formulas[a].name);
    std::vector<std::vector<std::string>> rows;
    for (uint32_t p = 0; p < profiles.count && rows.size() < 10; ++p) {
      if (!members.Test(p)) continue;
      std::vector<std::string> row{base::TerminalSafe(profiles.key[p])};
      for (uint32_t a : attrs) row.push_back(TextValue(res.values[a], p));
      rows.push_back(std::move(row));
    }
    std::vector<size_t> width(header.size());
    for (size_t c = 0; c < header.size(); ++c) {
      width[c] = header[c].size();
      for (const auto& r : rows) width[c] = std::max(width[c], r[c].size());
    }
    auto print_row = [&](const std::vector<std::string>& r) {
      out << "  ";
      for (size_t c = 0; c < r.size(); ++c) {
        out << r[c];
        if (c + 1 < r.size()) out << std::string(width[c] - r[c].size() + 2, ' ');
      }
      out << "\n";
    };
    out << "\n";
    print_row(header);
    for (const auto& r : rows) print_row(r);
    if (count > rows.size()) out << "  (" << rows.size() << " of " << count << " shown)\n";
  }
  const ingest::Stats& st = in.stats;
  out << "\ningest: " << st.events << " events, " << st.identifies << " identifies, " << st.aliases
      << " aliases" << (st.groups ? ", " + std::to_string(st.groups) + " groups" : "") << " from "
      << (data.warehouse_used
              ? std::string("the warehouse")
              : std::to_string(in.files.size()) + (in.files.size() == 1 ? " file" : " files"))
      << (cache.hit ? " (cached)" : "")
      << (!cache.hit && cache.files_reused ? " (" + std::to_string(cache.files_parsed) + " read, " +
                                                 std::to_string(cache.files_reused) + " reused)"
                                           : "")
      << "; " << profiles.count << " profiles at as_of\n";
  for (const ingest::FileStats& f : in.file_stats) {
    if (!f.quarantined && !f.duplicates) continue;
    out << "  " << base::TerminalSafe(f.file) << ": " << f.lines << " lines, " << f.accepted
        << " accepted, " << f.quarantined << " quarantined, " << f.duplicates << " duplicates\n";
  }
  if (st.duplicates) out << "  duplicates dropped: " << st.duplicates << "\n";
  if (st.Bad()) {
    out << "  bad lines: " << st.Bad() << " (";
    bool first = true;
    for (const auto& [reason, n] : st.bad) {
      if (!n) continue;
      out << (first ? "" : ", ") << reason << " " << n;
      first = false;
    }
    out << (data.warehouse_used ? "), counted (rows stay in the warehouse)\n"
                                : "), quarantined in .aud/quarantine/\n");
  }
  const auto mismatches = TypeMismatches(prog, in.store, as_of);
  if (!mismatches.empty()) {
    out << "  property type mismatches (missing on those events):";
    for (const auto& [prop, n] : mismatches) out << " " << prop << " " << n;
    out << "\n";
  }
  std::vector<std::pair<std::string, uint64_t>> unknown;
  for (const auto& [key, n] : st.event_types) {
    bool declared = false;
    for (const ir::Event& e : prog.events) declared = declared || e.store_key == key;
    if (!declared) unknown.emplace_back(key, n);
  }
  if (!unknown.empty()) {
    out << "  undeclared event types (not evaluated):";
    for (const auto& [key, n] : unknown) out << " " << base::TerminalSafe(key) << " (" << n << ")";
    out << "\n";
  }
  const ir::Uses uses = ir::UsesOf(prog, o.name);
  for (size_t i = 0; i < prog.imports.size(); ++i) {
    if (!uses.imports[i]) continue;
    out << "  imported list \"" << base::TerminalSafe(prog.imports[i].path)
        << "\": " << res.imports[i].entries << " entries, " << res.imports[i].unmatched
        << " match no profile\n";
  }
  std::cout << out.str();
  return 0;
}

}  // namespace aud::cli
