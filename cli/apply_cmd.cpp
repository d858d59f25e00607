// `aud apply [PLANFILE] [--auto-approve]`, `aud state list` and
// `aud force-unlock ID` (docs/reference/language.md §10, runtime/apply/README.md).

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "compiler/base/civil_time.h"
#include "compiler/base/escape.h"
#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/apply/apply.h"
#include "runtime/driver/driver.h"
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

std::string FormatTime(int64_t ms) { return ms <= 0 ? "never" : base::FormatRfc3339Seconds(ms); }

// Runs the apply stage and prints its outcome. Exit code.
int Publish(const GlobalOptions& g, const plan::Plan& plan, state::State& state,
            const config::ProjectConfig& cfg, const Redactor& redact, int64_t lock_timeout_ms,
            bool lock_held) {
  // Permissions of a PostgreSQL state, before anything is sent.
  if (auto missing = MissingCapabilities(state, plan); !missing.empty()) {
    for (const auto& m : missing) std::cerr << redact("error: " + m) << "\n";
    std::cerr << "error: nothing was published\n";
    return 1;
  }
  apply::Options options;
  options.now = NowMillis();
  options.lock_held = lock_held;
  options.lock_timeout_ms = lock_timeout_ms;
  options.lock_waiting = [](const state::LockInfo& holder) {
    Progress::Get().Done();
    std::cerr << "Acquiring state lock… (held by " << base::TerminalSafe(holder.who) << ", `"
              << base::TerminalSafe(holder.operation) << "`)\n";
  };
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
  // A plan is made against one environment's state and connections.
  if (plan.environment != EnvironmentName(g)) {
    auto name = [](const std::string& e) { return e.empty() ? std::string("default") : e; };
    std::cerr << "error: `" << base::TerminalSafe(o.plan_file) << "` was made for environment `"
              << base::TerminalSafe(name(plan.environment)) << "`, not `"
              << base::TerminalSafe(name(EnvironmentName(g))) << "`; apply it with "
              << (plan.environment.empty() ? std::string("no `--env` (and no AUD_ENV)")
                                           : "`--env " + base::TerminalSafe(plan.environment) + "`")
              << ", or make a new plan for `" << base::TerminalSafe(name(EnvironmentName(g)))
              << "`; nothing was published\n";
    return 1;
  }

  std::unique_ptr<check::Project> project =
      driver::Compile(DriverOptions(g), driver::Until::Check).project;
  if (!project->config) {
    PrintDiagnostics(g, project->diags);
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
    PrintDiagnostics(g, project->diags);
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
  ir::Program lowered;
  std::string lower_error;
  if (driver::Lower(*project, &lowered, &lower_error) &&
      DefinitionsFingerprint(*project, lowered) != plan.fingerprints.definitions)
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
  return Publish(g, plan, *state, *project->config, redact, o.plan.lock_timeout_ms, false);
}

}  // namespace

int RunApply(const GlobalOptions& g, const ApplyOptions& o) {
  if (!o.plan_file.empty()) return ApplySaved(g, o);

  Planned planned;
  PlanOptions po = o.plan;
  po.lock_operation = "apply";  // held from planning until published
  if (!PlanProject(g, po, &planned)) return 1;
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
  return Publish(g, planned.plan, *planned.state, *planned.project->config, redact,
                 o.plan.lock_timeout_ms, planned.lock != nullptr);
}

namespace {

// Opens the state when it exists; `aud state list` and `force-unlock`
// read it without checking the project (which may be broken: then the
// default location, `.aud/state.db`, is used).
std::unique_ptr<state::State> OpenExisting(const GlobalOptions& g, bool* missing) {
  std::unique_ptr<check::Project> project = check::Check(check::ReadSourceTree(g.dir));
  state::Location where;
  std::string error;
  if (!StateLocationOf(g, project->config ? &*project->config : nullptr, false, &where, &error)) {
    std::cerr << "error: " << error << "\n";
    *missing = false;
    return nullptr;
  }
  auto s = state::OpenLocation(where, &error, missing);
  if (!s && !*missing) std::cerr << "error: " << error << "\n";
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
  // The project's file connections too, when aud.toml can be read (a broken
  // project still gets its state marker).
  std::unique_ptr<check::Project> project =
      driver::Compile(DriverOptions(g), driver::Until::Check).project;
  state::Location where;
  if (!StateLocationOf(g, project->config ? &*project->config : nullptr, true, &where, &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  auto state = state::OpenLocation(where, &error);
  if (!state) {
    std::cerr << "error: cannot open the " << state::ShownLocation(where) << ": " << error << "\n";
    return 1;
  }
  for (const auto& [path, shown] :
       LineageMarkerPaths(g, project->config ? &*project->config : nullptr)) {
    if (!std::filesystem::is_directory(std::filesystem::path(path).parent_path(), ec)) continue;
    if (!state::WriteLineageMarker(path, {state->lineage(), state->serial()}, true, &error)) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
  }
  std::cout << "Adopted the " << state->Shown() << " (lineage " << state->lineage() << ", serial "
            << state->serial() << ").\n"
            << "The next `aud plan` reads the destinations back and repairs what they hold "
               "differently (HTTP and Autopilot destinations cannot be read back).\n";
  return 0;
}

int RunForceUnlock(const GlobalOptions& g, const std::string& id, int64_t lock_timeout_ms) {
  bool missing = false;
  auto state = OpenExisting(g, &missing);
  if (missing) {
    std::cerr << "error: no state in this project, so no lock `" << base::TerminalSafe(id) << "`\n";
    return 1;
  }
  if (!state) return 1;
  // With --lock-timeout, the holder gets that long to finish on its own.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(lock_timeout_ms);
  bool announced = false;
  while (lock_timeout_ms > 0 && std::chrono::steady_clock::now() < until) {
    auto lock = state->CurrentLock();
    if (!lock || lock->id != id) break;
    if (!announced) std::cerr << "Waiting for the lock's holder to release it…\n";
    announced = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (announced && !(state->CurrentLock() && state->CurrentLock()->id == id)) {
    std::cout << "Lock " << base::TerminalSafe(id) << " was released by its holder.\n";
    return 0;
  }
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

bool ParseLockTimeout(const std::string& text, int64_t* ms) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  if (i == 0 || i > 9) return false;
  const int64_t n = std::stoll(text.substr(0, i));
  const std::string unit = text.substr(i);
  if (unit.empty() && n == 0) {
    *ms = 0;
  } else if (unit == "ms") {
    *ms = n;
  } else if (unit == "s") {
    *ms = n * 1000;
  } else if (unit == "m") {
    *ms = n * 60 * 1000;
  } else if (unit == "h") {
    *ms = n * 3600 * 1000;
  } else {
    return false;
  }
  return true;
}

}  // namespace aud::cli
