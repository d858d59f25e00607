// `aud apply [PLANFILE] [--auto-approve]`, `aud state list` and
// `aud force-unlock ID` (docs/reference/language.md §10, runtime/apply/README.md).

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "compiler/base/escape.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/apply/apply.h"
#include "runtime/plan/plan.h"
#include "runtime/state/lineage_marker.h"
#include "runtime/state/state.h"

namespace aud::cli {

namespace {

// Removes the values of every secret aud.toml references from text printed
// by apply, whatever produced it (a connector error quoting a response, a
// destination echoing a header): secrets never reach the output.
class Redactor {
 public:
  void Add(const config::ProjectConfig& cfg) {
    auto add = [&](const config::SecretRef& ref) {
      const char* v = std::getenv(ref.env.c_str());
      // Very short values would redact ordinary words; they are still never
      // printed by aud itself.
      if (v && std::string(v).size() >= 4) values_.push_back(v);
    };
    for (const auto& [_, conn] : cfg.connections)
      for (const auto& [setting, value] : conn.values)
        if (const auto* s = std::get_if<config::SecretRef>(&value)) add(*s);
    if (cfg.state_dsn) add(*cfg.state_dsn);
  }
  std::string operator()(std::string text) const {
    for (const auto& v : values_) {
      for (size_t pos = text.find(v); pos != std::string::npos; pos = text.find(v, pos))
        text.replace(pos, v.size(), "[redacted]");
    }
    return text;
  }

 private:
  std::vector<std::string> values_;
};

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "never";
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

connectors::Context MakeContext(const GlobalOptions& g) {
  connectors::Context ctx;
  ctx.project_dir = g.dir;
  ctx.getenv = [](const std::string& name, std::string* value) {
    const char* v = std::getenv(name.c_str());
    if (!v) return false;
    *value = v;
    return true;
  };
  return ctx;
}

// Runs the apply stage and prints its outcome. Exit code.
int Publish(const GlobalOptions& g, const plan::Plan& plan, state::State& state,
            const config::ProjectConfig& cfg, const Redactor& redact) {
  apply::Options options;
  options.now = NowMillis();
  if (Progress::Get().enabled())
    options.progress = [](const apply::Progress& p) {
      std::string line = "apply: " + std::to_string(p.publications_done) + "/" +
                         std::to_string(p.publications_total) + " publications";
      if (!p.audience.empty())
        line += "; " + base::TerminalSafe(p.audience) + " -> " + base::TerminalSafe(p.destination) +
                ": batch " + std::to_string(p.batch) + "/" + std::to_string(p.batches);
      line += ", " + Progress::Count(p.rows_sent) + " rows sent";
      // A new publication is drawn at once; its later batches when due.
      Progress::Get().Set(line, p.batch <= 1);
    };
  connectors::Context ctx = MakeContext(g);
  apply::Report report = apply::ApplyPlan(plan, state, apply::DefaultConnectors(cfg, ctx), options);
  Progress::Get().Done();
  if (!report.refused.empty()) {
    std::cerr << redact("error: " + report.refused) << "\n";
    return 1;
  }
  if (std::string e; !RecordLineage(g, &cfg, state, &e))
    report.warnings.push_back(e + " (the next plan may not notice a lost state)");
  // One-line messages may quote what a destination answered: escaped after redaction.
  auto line = [&](const std::string& text) { return base::TerminalSafe(redact(text)); };
  for (const auto& w : report.warnings) std::cerr << line("warning: " + w) << "\n";
  if (!plan.publications.empty()) std::cout << "\n";
  std::cout << redact(apply::RenderSummary(report));
  for (const auto& p : report.publications)
    if (!p.error.empty())
      std::cerr << line("error: publishing `" + p.audience + "` to `" + p.destination +
                        "`: " + p.error)
                << "\n";
  for (const auto& e : report.errors) std::cerr << line("error: " + e) << "\n";
  return report.ok() ? 0 : 1;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// `aud apply PLANFILE`: the saved plan exactly as reviewed, after checking
// it against the project as it is now.
int ApplySaved(const GlobalOptions& g, const ApplyOptions& o) {
  std::string text;
  // Relative to the project (-C DIR), like `aud plan --out`.
  if (!ReadFile(ProjectPath(g, o.plan_file), &text)) {
    std::cerr << "error: cannot read plan file `" << base::TerminalSafe(o.plan_file) << "`\n";
    return 1;
  }
  plan::Plan plan;
  std::string error;
  if (!plan::Deserialize(text, &plan, &error)) {
    std::cerr << "error: `" << base::TerminalSafe(o.plan_file)
              << "` is not a plan aud can apply: " << base::TerminalSafe(error) << "\n";
    return 1;
  }

  std::unique_ptr<check::Project> project = check::Check(check::ReadSourceTree(g.dir));
  if (!project->config) {
    std::cerr << project->diags.Render(g.color);
    std::cerr << "error: cannot apply without a valid aud.toml\n";
    return 1;
  }
  Redactor redact;
  redact.Add(*project->config);

  // Governance first, with the labels the plan recorded: a policy added
  // since the review blocks the plan even when the code no longer checks.
  std::vector<std::string> refusals = apply::GovernanceRefusals(plan, project->module);
  if (!refusals.empty()) {
    for (const auto& r : refusals) std::cerr << "error: " << r << "\n";
    std::cerr << "error: the policies in force now forbid this plan; nothing was published\n";
    return 1;
  }
  bool only_governance = true;
  for (const auto& d : project->diags.all())
    if (d.severity == base::Severity::Error && d.kind != base::DiagKind::PolicyViolation)
      only_governance = false;
  if (!only_governance) {
    std::cerr << project->diags.Render(g.color);
    std::cerr << "error: the project does not check now; fix it and make a new plan (governance "
                 "could not be verified)\n";
    return 1;
  }

  // A source that matches no file now is refused like at plan time.
  if (auto empty = EmptySourceErrors(g, *project); !empty.empty()) {
    for (const auto& e : empty) std::cerr << "error: " << e << "\n";
    std::cerr << "error: nothing was published\n";
    return 1;
  }

  // Definitions and data that moved since the review only warn: the plan is
  // applied as reviewed and the next plan catches up.
  std::vector<std::string> warnings;
  ir::LowerResult lowered = ir::Lower(project->module);
  if (lowered.error.empty() &&
      DefinitionsFingerprint(*project, lowered.program) != plan.fingerprints.definitions)
    warnings.push_back(
        "definitions changed since the plan was made; it is applied as reviewed "
        "and the next plan shows the rest");
  ingest::Result ingested;
  bool cached = false;
  if (IngestProject(g, *project, &ingested, &cached, &error, o.plan.strict)) {
    if (DataFingerprint(g, *project, ingested) != plan.fingerprints.data)
      warnings.push_back(
          "the event data changed since the plan was made; it is applied as "
          "reviewed and the next plan shows the rest");
  } else if (o.plan.strict) {
    std::cerr << redact("error: " + error) << "\nnothing was applied\n";
    return 1;
  } else {
    warnings.push_back("could not compare the event data with the plan's: " + error);
  }
  for (const auto& w : warnings) std::cerr << base::TerminalSafe(redact("warning: " + w)) << "\n";

  std::unique_ptr<state::State> state = OpenState(g, *project, &error);
  if (!state) {
    std::cerr << redact("error: " + error) << "\n";
    return 1;
  }
  // The mass-exit guard again (the plan records whether it was allowed), on
  // the state the plan was made against (a moved state is refused by apply).
  if (!plan.allow_mass_exit && !o.plan.allow_mass_exit && state->lineage() == plan.lineage &&
      state->serial() == plan.serial) {
    std::vector<std::string> mass = plan::MassExits(plan, *project, *state);
    if (!mass.empty()) {
      for (const auto& m : mass) std::cerr << "error: " << m << "; " << plan::kMassExitHint << "\n";
      std::cerr << "error: nothing was published\n";
      return 1;
    }
  }
  if (!PreflightOk(g, *project, plan)) {
    std::cerr << "error: nothing was published: the connections above are not ready\n";
    return 1;
  }
  return Publish(g, plan, *state, *project->config, redact);
}

}  // namespace

int RunApply(const GlobalOptions& g, const ApplyOptions& o) {
  if (!o.plan_file.empty()) return ApplySaved(g, o);

  Planned planned;
  if (!PlanProject(g, o.plan, &planned)) return 1;
  Redactor redact;
  redact.Add(*planned.project->config);
  std::string rendered = plan::RenderHuman(planned.plan, o.plan.detail, g.color && isatty(1));
  if (!rendered.empty() && rendered.back() != '\n') rendered += '\n';
  std::cout << redact(rendered);
  if (!planned.plan.has_changes()) return 0;  // the rendering said `No changes.`
  std::cout.flush();

  if (!o.auto_approve) {
    if (!isatty(STDIN_FILENO)) {
      std::cerr << "error: not applying without approval: stdin is not a terminal; pass "
                   "--auto-approve, or save the plan with `aud plan --out FILE` and run "
                   "`aud apply FILE`\n";
      return 1;
    }
    std::cout << "\nDo you want to perform these actions? Only 'yes' will be accepted: "
              << std::flush;
    std::string answer;
    if (!std::getline(std::cin, answer) || answer != "yes") {
      std::cout << "Apply cancelled.\n";
      return 1;
    }
  }
  if (!planned.state) {
    std::cerr << "error: the state is not open\n";
    return 1;
  }
  return Publish(g, planned.plan, *planned.state, *planned.project->config, redact);
}

namespace {

// Opens the state file when it exists; `aud state list` and `force-unlock`
// read it without checking the project (which may be broken).
std::unique_ptr<state::State> OpenExisting(const GlobalOptions& g, bool* missing) {
  std::string path = StatePath(g);
  struct stat st {};
  *missing = stat(path.c_str(), &st) != 0;
  if (*missing) return nullptr;
  std::string error;
  auto s = state::State::Open(path, &error);
  if (!s) std::cerr << "error: " << error << "\n";
  return s;
}

}  // namespace

int RunStateList(const GlobalOptions& g) {
  bool missing = false;
  auto state = OpenExisting(g, &missing);
  if (missing) {
    std::cout << "No state yet: nothing has been applied in this project.\n";
    return 0;
  }
  if (!state) return 1;
  // Everything below is read from the state file: printed escaped.
  auto E = [](const std::string& s) { return base::TerminalSafe(s); };
  std::cout << "lineage: " << E(state->lineage()) << "\n";
  std::cout << "serial:  " << state->serial() << "\n";
  auto pubs = state->Publications();
  if (pubs.empty()) std::cout << "No publications recorded.\n";
  size_t w = 0;
  for (const auto& p : pubs) w = std::max(w, E(p.audience).size() + 4 + E(p.destination).size());
  for (const auto& p : pubs) {
    std::string name = E(p.audience) + " -> " + E(p.destination);
    std::cout << name << std::string(w - name.size() + 2, ' ') << p.members << " members"
              << "  updated " << FormatTime(p.updated_at);
    if (!p.labels.empty()) {
      std::cout << "  labels [";
      for (size_t i = 0; i < p.labels.size(); ++i) std::cout << (i ? ", " : "") << E(p.labels[i]);
      std::cout << "]";
    }
    std::cout << "\n";
  }
  if (auto lock = state->CurrentLock())
    std::cout << "locked by " << E(lock->who) << " (pid " << lock->pid << ", `"
              << E(lock->operation) << "`), lock id " << E(lock->id) << "\n";
  return 0;
}

int RunStateAdopt(const GlobalOptions& g) {
  std::error_code ec;
  std::filesystem::create_directories(g.dir + "/.aud", ec);
  std::string error;
  auto state = state::State::Open(StatePath(g), &error);
  if (!state) {
    std::cerr << "error: cannot open the state " << StatePath(g) << ": " << error << "\n";
    return 1;
  }
  // The project's file connections too, when aud.toml can be read (a broken
  // project still gets its state marker).
  std::unique_ptr<check::Project> project = check::Check(check::ReadSourceTree(g.dir));
  for (const auto& [path, shown] :
       LineageMarkerPaths(g, project->config ? &*project->config : nullptr)) {
    if (!std::filesystem::is_directory(std::filesystem::path(path).parent_path(), ec)) continue;
    if (!state::WriteLineageMarker(path, {state->lineage(), state->serial()}, true, &error)) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
  }
  std::cout << "Adopted the state " << StatePath(g) << " (lineage " << state->lineage()
            << ", serial " << state->serial() << ").\n"
            << "The next `aud plan` reads the destinations back and repairs what they hold "
               "differently (HTTP and Autopilot destinations cannot be read back).\n";
  return 0;
}

int RunForceUnlock(const GlobalOptions& g, const std::string& id) {
  bool missing = false;
  auto state = OpenExisting(g, &missing);
  if (missing) {
    std::cerr << "error: no state in this project, so no lock `" << base::TerminalSafe(id) << "`\n";
    return 1;
  }
  if (!state) return 1;
  if (!state->ForceUnlock(id)) {
    std::cerr << "error: no lock with id `" << base::TerminalSafe(id) << "`";
    if (auto lock = state->CurrentLock())
      std::cerr << " (the current lock is " << base::TerminalSafe(lock->id) << ")";
    std::cerr << "\n";
    return 1;
  }
  std::cout << "Lock " << base::TerminalSafe(id) << " removed. The state is unlocked.\n";
  return 0;
}

}  // namespace aud::cli
