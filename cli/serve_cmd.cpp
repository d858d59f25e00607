// `aud serve`: Segment-compatible collection and streaming audiences
// (docs/serve.md). The collection side is runtime/serve; this file wires it
// to the project (aud.toml's `[serve]`, the state lock) and runs the
// streaming publisher: the audiences declared `refresh streaming` are
// planned and applied with the same planner and apply as `aud apply`,
// whenever messages were collected (at most every `--batch-window`) and every
// `--recheck` (time-driven entries and exits).

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>
#include <variant>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/escape.h"
#include "runtime/apply/apply.h"
#include "runtime/driver/driver.h"
#include "runtime/plan/plan.h"
#include "runtime/serve/server.h"

namespace aud::cli {

namespace {

serve::Server* g_server = nullptr;

void OnSignal(int) {
  if (g_server) g_server->Stop();
}

int64_t Mono() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The audiences declared `refresh streaming`, by name.
std::vector<std::string> StreamingAudiences(const check::Project& project) {
  std::vector<std::string> out;
  for (const auto& [name, sym] : project.module.symbols) {
    if (sym.kind != check::SymbolKind::Audience) continue;
    const auto* a = std::get_if<ast::AudienceDecl>(&sym.decl->node);
    if (!a) continue;
    for (const auto& it : a->items)
      if (it.kind == ast::AudienceItem::Refresh && it.refresh_word.text == "streaming")
        out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A commit of the collected log, for the latency histogram and the lag.
struct Commit {
  int64_t when_ms;
  uint64_t log_bytes;
  uint64_t messages;
};

// The streaming publisher: one thread, one cycle at a time.
class Publisher {
 public:
  Publisher(const GlobalOptions& g, const ServeOptions& o, const check::Project& project,
            const ir::Program& program, state::State& state, std::vector<std::string> audiences,
            serve::Metrics& metrics)
      : g_(g),
        o_(o),
        project_(project),
        program_(program),
        state_(state),
        audiences_(std::move(audiences)),
        metrics_(metrics) {}

  void OnCommit(int64_t when_ms, uint64_t log_bytes, uint64_t messages) {
    std::lock_guard<std::mutex> l(mu_);
    commits_.push_back({when_ms, log_bytes, messages});
    cv_.notify_one();
  }

  void Stop() {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
    cv_.notify_one();
  }

  void Run() {
    int64_t last_cycle = 0;
    int64_t last_full = 0;
    for (;;) {
      uint64_t target_bytes = 0;
      {
        std::unique_lock<std::mutex> l(mu_);
        // New data: after the batch window since the last cycle; none: the recheck.
        cv_.wait_for(l, std::chrono::milliseconds(50), [&] { return stop_; });
        if (stop_) return;
        const int64_t now = Mono();
        const bool fresh = !commits_.empty();
        if (!commits_.empty()) {
          metrics_.evaluation_lag_seconds =
              static_cast<double>(NowMillis() - commits_.front().when_ms) / 1000.0;
        } else {
          metrics_.evaluation_lag_seconds = 0;
        }
        if (!(fresh && now - last_cycle >= o_.batch_window_ms) && now - last_full < o_.recheck_ms)
          continue;
        target_bytes = commits_.empty() ? 0 : commits_.back().log_bytes;
      }
      last_cycle = Mono();
      last_full = last_cycle;
      const bool ok = Cycle();
      ++metrics_.cycles;
      if (!ok) {
        ++metrics_.cycle_errors;
        continue;  // the commits stay pending: the next cycle covers them
      }
      std::lock_guard<std::mutex> l(mu_);
      const int64_t done = NowMillis();
      while (!commits_.empty() && commits_.front().log_bytes <= target_bytes) {
        metrics_.ObservePublishLatency(
            static_cast<double>(done - commits_.front().when_ms) / 1000.0,
            commits_.front().messages);
        commits_.pop_front();
      }
    }
  }

 private:
  // Plan and apply the streaming audiences at now. False on an error
  // (printed to stderr; the next cycle tries again).
  bool Cycle() {
    const int64_t now = NowMillis();
    std::string error;
    // The data is read again only when a file changed (a recheck without new
    // messages reuses the store in memory). The signature is taken before
    // reading, so a commit landing during the read makes the next cycle read.
    const std::string signature = SourcesSignature();
    bool cached = true;
    if (!ingested_ || signature != signature_) {
      if (!IngestProject(g_, project_, &ingest_, &cached, &error)) {
        ingested_ = false;
        std::cerr << "error: streaming cycle: " << base::TerminalSafe(error) << "\n";
        return false;
      }
      ingested_ = true;
      signature_ = signature;
    }
    profiles_ = store::BuildProfiles(ingest_.store, now);
    plan::PlanInput in;
    in.project = &project_;
    in.program = &program_;
    in.store = &ingest_.store;
    in.profiles = &profiles_;
    in.state = &state_;
    in.project_dir = g_.dir;
    in.environment = EnvironmentName(g_);
    const ingest::Stats& st = ingest_.stats;
    in.ingest.files = ingest_.files.size();
    in.ingest.events = st.events;
    in.ingest.identifies = st.identifies;
    in.ingest.aliases = st.aliases;
    in.ingest.bad = st.Bad();
    in.ingest.duplicates = st.duplicates;
    in.ingest.profiles = profiles_.count;
    in.ingest.cached = cached;
    in.data_fingerprint = DataFingerprint(g_, project_, ingest_);
    driver::Options dopt = DriverOptions(g_);
    dopt.engine = o_.engine;
    const ir::Program* program = &program_;
    const store::EventStore* store = &ingest_.store;
    in.make_evaluator = [dopt, program, store](const eval::Options& eo) {
      std::string notice;
      return driver::Bind(dopt, *program, *store, eo, &notice);
    };
    plan::PlanOptions po;
    po.as_of = now;
    po.now = now;
    po.targets = audiences_;
    po.refresh = false;  // destinations are read back by `aud plan`, not every cycle
    plan::Plan plan;
    std::vector<std::string> errors;
    if (!plan::MakePlan(in, po, &plan, &errors)) {
      for (const auto& e : errors)
        std::cerr << "error: streaming cycle: " << base::TerminalSafe(e) << "\n";
      return false;
    }
    for (const auto& p : plan.publications)
      metrics_.SetQueue(p.audience + " -> " + p.destination,
                        p.enter.size() + p.update.size() + p.exit.size());
    if (!plan.has_changes()) return true;
    if (auto missing = MissingCapabilities(state_, plan); !missing.empty()) {
      for (const auto& m : missing) std::cerr << "error: streaming cycle: " << m << "\n";
      return false;
    }
    connectors::Context ctx = MakeContext(g_);
    apply::Options ao;
    ao.now = NowMillis();
    ao.lock_held = true;  // `aud serve` holds the state lock while it serves
    ao.lock_operation = "serve";
    apply::Report report =
        apply::ApplyPlan(plan, state_, apply::DefaultConnectors(*project_.config, ctx), ao);
    if (!report.refused.empty()) {
      std::cerr << "error: streaming cycle: " << base::TerminalSafe(report.refused) << "\n";
      return false;
    }
    if (std::string e; !RecordLineage(g_, &*project_.config, state_, &e))
      std::cerr << "warning: " << base::TerminalSafe(e) << "\n";
    for (const auto& p : report.publications) {
      if (!p.error.empty())
        std::cerr << "error: streaming: publishing `" << base::TerminalSafe(p.audience) << "` to `"
                  << base::TerminalSafe(p.destination) << "`: " << base::TerminalSafe(p.error)
                  << "\n";
      for (const auto& pp : plan.publications)
        if (pp.audience == p.audience && pp.destination == p.destination)
          metrics_.SetQueue(p.audience + " -> " + p.destination,
                            p.completed ? 0 : pp.enter.size() + pp.update.size() + pp.exit.size());
    }
    for (const auto& e : report.errors)
      std::cerr << "error: streaming: " << base::TerminalSafe(e) << "\n";
    return report.ok();
  }

  // Every source file's path, size and modification time.
  std::string SourcesSignature() const {
    std::string text;
    for (const auto& f : ingest::ResolveSources(ProjectIngestOptions(g_, project_))) {
      struct stat sb {};
      text += f;
      if (::stat(f.c_str(), &sb) == 0)
        text += ' ' + std::to_string(sb.st_size) + ' ' + std::to_string(sb.st_mtim.tv_sec) + '.' +
                std::to_string(sb.st_mtim.tv_nsec);
      text += '\n';
    }
    return text;
  }

  const GlobalOptions& g_;
  const ServeOptions& o_;
  const check::Project& project_;
  const ir::Program& program_;
  state::State& state_;
  std::vector<std::string> audiences_;
  serve::Metrics& metrics_;
  ingest::Result ingest_;
  bool ingested_ = false;
  std::string signature_;
  store::Profiles profiles_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Commit> commits_;
  bool stop_ = false;
};

bool ParseListen(const std::string& text, std::string* host, int* port) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  const std::string p = text.substr(colon + 1);
  if (p.empty() || p.size() > 5 ||
      !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  *port = std::stoi(p);
  *host = text.substr(0, colon);
  if (*host == "localhost") *host = "127.0.0.1";
  return *port <= 65535;
}

}  // namespace

int RunServe(const GlobalOptions& g, const ServeOptions& o) {
  std::unique_ptr<check::Project> project;
  ir::Program program;
  if (!CheckAndLower(g, &project, &program)) return 1;
  const config::ProjectConfig& cfg = *project->config;
  if (!cfg.serve_write_key) {
    std::cerr << "error: `aud serve` needs a write key: add `[serve]` with `write_key = { env = "
                 "\"AUD_WRITE_KEY\" }` to aud.toml and set that variable (docs/serve.md)\n";
    return 1;
  }
  const char* key = std::getenv(cfg.serve_write_key->env.c_str());
  if (!key || !*key) {
    std::cerr << "error: the write key's variable `" << cfg.serve_write_key->env
              << "` (`[serve] write_key` in aud.toml) is " << (key ? "empty" : "not set")
              << "; set it to the write key clients send\n";
    return 1;
  }
  const std::string listen = !o.listen.empty()           ? o.listen
                             : !cfg.serve_listen.empty() ? cfg.serve_listen
                                                         : "127.0.0.1:8088";
  std::string host;
  int port = 0;
  if (!ParseListen(listen, &host, &port)) {
    std::cerr << "error: `--listen` must be `HOST:PORT` (e.g. `127.0.0.1:8088`), not `"
              << base::TerminalSafe(listen) << "`\n";
    return 1;
  }
  if (o.engine != "jit" && o.engine != "interp") {
    std::cerr << "error: unknown --engine `" << base::TerminalSafe(o.engine)
              << "` (jit or interp)\n";
    return 1;
  }

  // The state lock, for as long as the server runs: no `aud apply` publishes
  // beside the streaming publisher.
  std::string error;
  std::unique_ptr<state::State> state = OpenState(g, *project, &error);
  if (!state) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  std::unique_ptr<HeldLock> lock = LockState(*state, "serve", o.lock_timeout_ms, &error);
  if (!lock) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }

  serve::Metrics metrics;
  const std::vector<std::string> audiences = StreamingAudiences(*project);
  std::unique_ptr<Publisher> publisher;
  if (!audiences.empty() && o.publish)
    publisher = std::make_unique<Publisher>(g, o, *project, program, *state, audiences, metrics);

  serve::Server server;
  serve::ServerOptions so;
  so.host = host;
  so.port = port;
  so.write_key = key;
  so.log_dir = g.dir + "/.aud/collected";
  so.rotate_bytes = o.rotate_bytes;
  so.metrics = &metrics;
  if (publisher)
    so.on_commit = [p = publisher.get()](int64_t when, uint64_t bytes, uint64_t n) {
      p->OnCommit(when, bytes, n);
    };
  if (!server.Start(so, &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  g_server = &server;
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const serve::Recovery& r = server.recovery();
  std::cout << "Listening on http://" << host << ":" << server.port()
            << " (collected log: " << r.messages << " messages in " << r.files << " files"
            << (r.torn_bytes
                    ? ", a torn last line of " + std::to_string(r.torn_bytes) + " bytes truncated"
                    : std::string())
            << ")\n";
  if (audiences.empty())
    std::cout << "No audience is declared `refresh streaming`: collecting only.\n";
  else
    std::cout << "Streaming " << audiences.size()
              << (audiences.size() == 1 ? " audience" : " audiences") << " (batch window "
              << o.batch_window_ms << " ms, recheck " << o.recheck_ms << " ms)"
              << (o.publish ? "" : "; publishing off (--publish=false)") << ".\n";
  std::cout.flush();

  std::thread publishing;
  if (publisher) publishing = std::thread([&] { publisher->Run(); });
  server.Run();  // until SIGTERM/SIGINT; drains (commits and replies) before returning
  if (publisher) {
    publisher->Stop();  // the cycle in progress finishes first
    publishing.join();
  }
  g_server = nullptr;
  std::cout << "Stopped: " << metrics.accepted.load() << " messages accepted.\n";
  return 0;
}

}  // namespace aud::cli
