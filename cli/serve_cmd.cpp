// `aud serve`: Segment-compatible collection and streaming audiences
// (docs/serve.md). The collection side is runtime/serve; this file wires it
// to the project (aud.toml's `[serve]`, the state lock) and runs the
// streaming publisher: the audiences declared `refresh streaming` are
// planned and applied with the same planner and apply as `aud apply` —
// fast cycles over the profiles that collected messages touched (at most
// every `--batch-window`) or whose next time-driven change is due, and a
// full cycle at start and every `--recheck-full`.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <variant>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/escape.h"
#include "runtime/apply/apply.h"
#include "runtime/driver/driver.h"
#include "runtime/ingest/line_parser.h"
#include "runtime/plan/plan.h"
#include "runtime/serve/collected_log.h"
#include "runtime/serve/server.h"
#include "runtime/store/builder.h"
#include "runtime/store/reemit.h"

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

// An identity as a string: "u:" + userId, "a:" + anonymousId.
std::string IdKey(store::IdKind kind, std::string_view value) {
  std::string out(kind == store::IdKind::UserId ? "u:" : "a:");
  out += value;
  return out;
}

// What a program's membership depends on in time (docs/serve.md
// "Time-driven changes"): the durations of its windows and sequences, so a
// profile's membership can change only at a time of its data (an event,
// link, trait or first mention) plus one of them. `days_since` reads the
// instant itself: such a program is not scheduled (`schedulable` false).
struct TimeShape {
  bool schedulable = true;
  std::vector<int64_t> durations;  // 0 first, then every window length, ascending
};

TimeShape TimeShapeOf(const ir::Program& program) {
  TimeShape t;
  std::set<int64_t> d = {0};
  for (const auto& n : program.nodes)
    if (ir::Info(n.op).reads == ir::OpReads::AsOf) t.schedulable = false;
  for (const auto& slot : program.slots) {
    if (slot.window.kind == ir::Window::Within) d.insert(slot.window.within);
    for (const auto& step : slot.steps)
      if (step.window.kind == ir::Window::Within) d.insert(step.window.within);
  }
  t.durations.assign(d.begin(), d.end());
  return t;
}

// The first instant after `now` at which component `c`'s membership may
// change: a time of its data plus a duration (and one millisecond after,
// for bounds that are exclusive), INT64_MAX when none.
int64_t NextInstant(const store::EventStore& s, uint32_t c, int64_t now, const TimeShape& shape) {
  int64_t best = INT64_MAX;
  auto consider = [&](int64_t t) {
    if (t == INT64_MAX || t == INT64_MIN) return;
    for (int64_t d : shape.durations) {
      if (t > INT64_MAX - d - 1) continue;
      const int64_t x = t + d;
      if (x > now && x < best) best = x;
      if (x + 1 > now && x + 1 < best) best = x + 1;
    }
  };
  for (uint64_t e = s.component_event_offsets[c]; e < s.component_event_offsets[c + 1]; ++e)
    consider(s.ts[e]);
  for (uint32_t k = s.component_link_offsets[c]; k < s.component_link_offsets[c + 1]; ++k) {
    consider(s.links[k].ts);
    consider(s.links[k].until);
  }
  for (uint32_t k = s.component_trait_offsets[c]; k < s.component_trait_offsets[c + 1]; ++k)
    consider(s.traits[k].ts);
  for (uint32_t k = s.component_node_offsets[c]; k < s.component_node_offsets[c + 1]; ++k)
    consider(s.nodes[s.component_nodes[k]].first_ts);
  return best;
}

// The streaming publisher: one thread, one cycle at a time (docs/serve.md
// "Streaming audiences"). A full cycle ingests the project (the base) and
// plans every profile; a fast cycle plans only the profiles that messages
// collected since the base touched, or whose next time-driven change is due,
// from a small store of their components re-emitted from the base plus
// those messages.
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
        metrics_(metrics),
        shape_(TimeShapeOf(program)),
        log_dir_(g.dir + "/.aud/collected") {
    parser_.SetContextPaths(ProjectIngestOptions(g_, project_).context_paths);
  }

  void OnCommit(int64_t when_ms, uint64_t log_bytes, uint64_t messages) {
    std::lock_guard<std::mutex> l(mu_);
    commits_.push_back({when_ms, log_bytes, messages});
    cv_.notify_one();
  }

  ~Publisher() {
    for (int fd : fds_)
      if (fd >= 0) ::close(fd);
  }

  void Stop() {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
    cv_.notify_one();
  }

  void Run() {
    int64_t last_cycle = 0;
    int64_t last_full = 0;
    int64_t last_check = Mono();
    bool need_full = true;  // at start: the base, and every profile reconciled
    for (;;) {
      bool fresh = false;
      {
        std::unique_lock<std::mutex> l(mu_);
        int64_t wait_ms = 50;
        if (!due_.empty()) wait_ms = std::clamp<int64_t>(due_.top().first - NowMillis(), 1, 50);
        cv_.wait_for(l, std::chrono::milliseconds(wait_ms), [&] { return stop_; });
        if (stop_) return;
        fresh = !commits_.empty();
        metrics_.evaluation_lag_seconds =
            fresh ? static_cast<double>(NowMillis() - commits_.front().when_ms) / 1000.0 : 0;
      }
      const int64_t now = Mono();
      if (now - last_check >= o_.recheck_ms) {
        last_check = now;
        // A changed `[sources.*]` file, or time-driven changes that cannot be scheduled.
        if (SourcesSignature() != sources_signature_ || !shape_.schedulable) need_full = true;
      }
      // The lines since the base are indexed in memory: past kMaxDeltaLines
      // a full cycle makes them part of the base.
      if (delta_.size() >= kMaxDeltaLines) need_full = true;
      const bool full = (need_full && now - last_full >= std::min<int64_t>(o_.recheck_ms, 1000)) ||
                        now - last_full >= o_.recheck_full_ms;
      const bool due = !due_.empty() && due_.top().first <= NowMillis();
      const bool batch = (fresh || !retry_.empty()) && now - last_cycle >= o_.batch_window_ms;
      if (!full && (!base_ok_ || (!due && !batch))) continue;  // no base yet: a full cycle first
      last_cycle = Mono();
      bool ok = false;
      if (full) {
        last_full = last_cycle;
        ok = FullCycle();
        ++metrics_.full_cycles;
        if (ok) need_full = false;
      } else {
        ok = FastCycle();
      }
      ++metrics_.cycles;
      if (!ok) {
        ++metrics_.cycle_errors;
        continue;  // the commits stay pending: the next cycle covers them
      }
      std::lock_guard<std::mutex> l(mu_);
      const int64_t done = NowMillis();
      while (!commits_.empty() && commits_.front().log_bytes <= consumed_bytes_) {
        metrics_.ObservePublishLatency(
            static_cast<double>(done - commits_.front().when_ms) / 1000.0,
            commits_.front().messages);
        commits_.pop_front();
      }
    }
  }

 private:
  // ---- The base and the log tail.

  // Ingests the project (through the cache) as the new base and positions
  // the log tail after the lines the base holds. False on an error.
  bool LoadBase(bool* cached) {
    std::string error;
    const std::string signature = SourcesSignature();
    // The base in use stays until the new one is read (a failed read keeps
    // the fast cycles on the old base and the tail where it is).
    ingest::Result fresh;
    if (!IngestProject(g_, project_, &fresh, cached, &error)) {
      std::cerr << "error: streaming cycle: " << base::TerminalSafe(error) << "\n";
      return false;
    }
    ingest_ = std::move(fresh);
    sources_signature_ = signature;
    base_ok_ = true;
    data_fingerprint_ = DataFingerprint(g_, project_, ingest_);
    const store::EventStore& s = ingest_.store;
    base_nodes_.clear();
    base_nodes_.reserve(s.nodes.size());
    for (uint32_t n = 0; n < s.nodes.size(); ++n)
      base_nodes_.emplace(NodeCode(s.nodes[n].kind, s.nodes[n].value), n);
    // The tail starts after the lines ingest read of each log file.
    delta_.clear();
    id_index_.clear();
    id_names_.clear();
    id_lines_.clear();
    delta_message_ids_.clear();
    offsets_.clear();
    std::map<std::string, uint64_t> lines;
    for (const auto& fs : ingest_.file_stats) {
      const size_t slash = fs.file.rfind('/');
      const std::string name = slash == std::string::npos ? fs.file : fs.file.substr(slash + 1);
      if (fs.file.find(".aud/collected/") == std::string::npos) continue;
      lines[name] = fs.lines;
      // A last line ingest read while the server was writing it is a torn
      // piece it quarantined as invalid JSON (the server writes only valid
      // lines): that line is not in the base, so the tail reads it again.
      if (fs.quarantined > 0 && fs.lines > 0 && TornLastLine(name, fs.lines)) --lines[name];
    }
    consumed_bytes_ = 0;
    for (const auto& name : serve::CollectedLog::Files(log_dir_)) {
      uint64_t offset = 0;
      auto it = lines.find(name);
      if (it != lines.end() && it->second > 0) offset = OffsetAfterLines(name, it->second);
      offsets_[name] = offset;
      consumed_bytes_ += offset;
    }
    return true;
  }

  // Whether the quarantine of log file `name` has line `line` as invalid JSON.
  bool TornLastLine(const std::string& name, uint64_t line) {
    for (const std::string& q : {name + ".jsonl", ".aud__collected__" + name + ".jsonl"}) {
      std::ifstream in(g_.dir + "/.aud/quarantine/" + q);
      std::string entry;
      const std::string at = "\"line\":" + std::to_string(line) + ",";
      while (std::getline(in, entry))
        if (entry.find(at) != std::string::npos &&
            entry.find("\"reason\":\"invalid-json\"") != std::string::npos &&
            entry.find("collected/" + name) != std::string::npos)
          return true;
    }
    return false;
  }

  // The byte offset after the first `n` non-blank lines of log file `name`.
  uint64_t OffsetAfterLines(const std::string& name, uint64_t n) {
    std::string data;
    if (!ReadFrom(name, 0, &data)) return 0;
    uint64_t seen = 0;
    size_t pos = 0;
    while (seen < n && pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;  // an unterminated piece: not read yet
      bool blank = true;
      for (size_t i = pos; i < nl && blank; ++i)
        blank = data[i] == ' ' || data[i] == '\t' || data[i] == '\r';
      if (!blank) ++seen;
      pos = nl + 1;
    }
    return pos;
  }

  bool ReadFrom(const std::string& name, uint64_t offset, std::string* out) {
    out->clear();
    const std::string path = log_dir_ + "/" + name;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat sb {};
    if (::fstat(fd, &sb) != 0 || static_cast<uint64_t>(sb.st_size) < offset) {
      ::close(fd);
      return false;
    }
    out->resize(static_cast<size_t>(sb.st_size) - offset);
    size_t got = 0;
    while (got < out->size()) {
      ssize_t r =
          ::pread(fd, out->data() + got, out->size() - got, static_cast<off_t>(offset + got));
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    ::close(fd);
    out->resize(got);
    return true;
  }

  // Reads the complete lines appended to the log since the last read; their
  // identities are touched. The bytes read count in consumed_bytes_.
  void ReadTail() {
    std::string data;
    for (const auto& name : serve::CollectedLog::Files(log_dir_)) {
      uint64_t& offset = offsets_[name];
      if (!ReadFrom(name, offset, &data)) continue;
      const size_t end = data.rfind('\n');
      if (end == std::string::npos) continue;
      const uint32_t file = FileIndex(name);
      size_t pos = 0;
      while (pos <= end) {
        const size_t nl = data.find('\n', pos);
        AddDelta(file, offset + pos, std::string_view(data).substr(pos, nl - pos));
        pos = nl + 1;
      }
      offset += end + 1;
      consumed_bytes_ += end + 1;
    }
  }

  uint32_t FileIndex(const std::string& name) {
    for (uint32_t i = 0; i < files_.size(); ++i)
      if (files_[i] == name) return i;
    files_.push_back(name);
    return static_cast<uint32_t>(files_.size() - 1);
  }

  uint32_t IdIndex(const std::string& id) {
    auto [it, added] = id_index_.emplace(id, static_cast<uint32_t>(id_names_.size()));
    if (added) {
      id_names_.push_back(id);
      id_lines_.emplace_back();
    }
    return it->second;
  }

  // One collected line since the base: remembered by position, its
  // identities indexed and touched.
  void AddDelta(uint32_t file, uint64_t offset, std::string_view line) {
    ingest::ParsedLine parsed;
    if (!Parse(line, &parsed)) return;  // ingest quarantines it too
    if (!parsed.message_id.empty() && !delta_message_ids_.insert(parsed.message_id_hash).second)
      return;  // ingest keeps the first of a messageId
    const auto index = static_cast<uint32_t>(delta_.size());
    delta_.push_back({file, offset, static_cast<uint32_t>(line.size()), {}, 0});
    auto add = [&](store::IdKind kind, std::string_view value) {
      if (value.empty()) return;
      const std::string id = IdKey(kind, value);
      const uint32_t i = IdIndex(id);
      id_lines_[i].push_back(index);
      Delta& d = delta_[index];
      d.ids[d.num_ids++] = i;
      touched_.insert(id);
    };
    add(store::IdKind::UserId, parsed.user_id);
    add(store::IdKind::AnonymousId, parsed.anonymous_id);
    // An alias' previousId is a userId or an anonymousId (resolved at build).
    add(store::IdKind::UserId, parsed.previous_id);
    add(store::IdKind::AnonymousId, parsed.previous_id);
  }

  bool Parse(std::string_view line, ingest::ParsedLine* out) {
    buf_.assign(line.data(), line.size());
    buf_.append(ingest::kParsePadding, ' ');
    ingest::BadLine bad{};
    return parser_.Parse(buf_.data(), line.size(), buf_.size(), out, &bad);
  }

  // Feeds one collected line to a builder as ingest does.
  void Feed(store::StoreBuilder* b, const ingest::ParsedLine& l, uint64_t order) {
    uint16_t type = 0;
    switch (l.call) {
      case ingest::Call::Track:
        if (!b->TrackType(l.event, &type)) return;
        b->AddEvent(type, l.ts, order, l.user_id, l.anonymous_id, l.values.data(), l.values.size());
        break;
      case ingest::Call::Page:
      case ingest::Call::Screen:
        if (!b->TypeIndex(l.call == ingest::Call::Page ? "page" : "screen", &type)) return;
        b->AddEvent(type, l.ts, order, l.user_id, l.anonymous_id, l.values.data(), l.values.size());
        break;
      case ingest::Call::Identify:
        b->AddIdentify(l.ts, order, l.user_id, l.anonymous_id, l.values.data(), l.values.size());
        break;
      case ingest::Call::Alias:
        b->AddAlias(l.ts, order, l.previous_id, l.user_id, l.anonymous_id);
        break;
      case ingest::Call::Group:
        b->AddGroup(l.ts, order, l.user_id, l.anonymous_id, l.group_id, l.values.data(),
                    l.values.size());
        break;
    }
  }

  static uint64_t NodeCode(store::IdKind kind, uint32_t code) {
    return (static_cast<uint64_t>(kind) << 32) | code;
  }

  // ---- Cycles.

  // The plan input shared by both kinds of cycle.
  plan::PlanInput Input(const store::EventStore* store, const store::Profiles* profiles) {
    plan::PlanInput in;
    in.project = &project_;
    in.program = &program_;
    in.store = store;
    in.profiles = profiles;
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
    in.ingest.profiles = profiles->count;
    in.data_fingerprint = data_fingerprint_;
    driver::Options dopt = DriverOptions(g_);
    dopt.engine = o_.engine;
    const ir::Program* program = &program_;
    in.make_evaluator = [dopt, program, store](const eval::Options& eo) {
      std::string notice;
      return driver::Bind(dopt, *program, *store, eo, &notice);
    };
    return in;
  }

  // Records the destination keys each profile's identities are published
  // under (the scope of later partial plans).
  std::function<void(const std::string&, const std::string&,
                     const std::map<std::string, connectors::Row>&)>
  KeyRecorder(const store::EventStore& store, const store::Profiles& profiles,
              std::unordered_map<std::string, std::vector<std::pair<uint32_t, std::string>>>* out) {
    return [this, &store, &profiles, out](const std::string& audience,
                                          const std::string& destination,
                                          const std::map<std::string, connectors::Row>& desired) {
      const uint32_t pub = PubIndex(audience, destination);
      for (const auto& [key, row] : desired) {
        auto it = std::lower_bound(profiles.key.begin(), profiles.key.end(), row.profile);
        // Keys are in profile-key order; a userId key and an equal anonymousId key are adjacent.
        for (; it != profiles.key.end() && *it == row.profile; ++it) {
          const auto p = static_cast<uint32_t>(it - profiles.key.begin());
          for (uint32_t k = profiles.user_id_offsets[p]; k < profiles.user_id_offsets[p + 1]; ++k)
            (*out)[IdKey(store::IdKind::UserId, store.dict.Get(profiles.user_ids[k]))].emplace_back(
                pub, key);
          for (uint32_t k = profiles.anonymous_id_offsets[p];
               k < profiles.anonymous_id_offsets[p + 1]; ++k)
            (*out)[IdKey(store::IdKind::AnonymousId, store.dict.Get(profiles.anonymous_ids[k]))]
                .emplace_back(pub, key);
        }
      }
    };
  }

  uint32_t PubIndex(const std::string& audience, const std::string& destination) {
    auto [it, added] = pub_index_.emplace(std::make_pair(audience, destination),
                                          static_cast<uint32_t>(pubs_.size()));
    if (added) pubs_.push_back(it->first);
    return it->second;
  }

  // A full cycle: the base ingested again, every profile of the streaming
  // audiences planned and applied at now (`aud apply --target` each). False
  // on an error (printed to stderr; the next cycle tries again).
  bool FullCycle() {
    const int64_t now = NowMillis();
    bool cached = true;
    if (!LoadBase(&cached)) return false;
    const store::EventStore& s = ingest_.store;
    store::Profiles profiles = store::BuildProfiles(s, now);
    metrics_.profiles_evaluated += profiles.count;
    plan::PlanInput in = Input(&s, &profiles);
    in.ingest.cached = cached;
    plan::PlanOptions po;
    po.as_of = now;
    po.now = now;
    po.targets = audiences_;
    po.refresh = false;  // destinations are read back by `aud plan`, not every cycle
    std::unordered_map<std::string, std::vector<std::pair<uint32_t, std::string>>> keys;
    po.on_desired = KeyRecorder(s, profiles, &keys);
    if (!PlanAndApply(in, po)) {
      // Some rows may have been sent: their keys join the scope of later cycles.
      for (auto& [id, list] : keys) {
        auto& to = keys_of_[id];
        to.insert(to.end(), list.begin(), list.end());
      }
      return false;
    }
    keys_of_ = std::move(keys);
    retry_.clear();
    // Every component's next time-driven change.
    due_ = {};
    if (shape_.schedulable)
      for (uint32_t c = 0; c < s.num_components; ++c)
        if (int64_t t = NextInstant(s, c, now, shape_); t != INT64_MAX)
          due_.emplace(
              t, IdKey(s.nodes[s.component_nodes[s.component_node_offsets[c]]].kind,
                       s.dict.Get(s.nodes[s.component_nodes[s.component_node_offsets[c]]].value)));
    return true;
  }

  // A fast cycle: the profiles touched by messages since the last cycle, by
  // a due time-driven change or by a failed cycle, from their components in
  // the base plus every message since the base that reaches them.
  bool FastCycle() {
    const int64_t now = NowMillis();
    ReadTail();
    while (!due_.empty() && due_.top().first <= now) {
      touched_.insert(due_.top().second);
      due_.pop();
    }
    touched_.insert(retry_.begin(), retry_.end());
    retry_.clear();
    if (touched_.empty()) return true;
    std::set<std::string> touched;
    touched.swap(touched_);
    // The closure: base components and collected lines reachable from the
    // touched identities.
    const store::EventStore& base = ingest_.store;
    std::vector<uint32_t> components, lines;
    std::unordered_set<uint32_t> seen_components, seen_lines;
    std::unordered_set<std::string> ids;
    std::vector<std::string> queue(touched.begin(), touched.end());
    while (!queue.empty()) {
      std::string id = std::move(queue.back());
      queue.pop_back();
      if (!ids.insert(id).second) continue;
      const store::IdKind kind = id[0] == 'u' ? store::IdKind::UserId : store::IdKind::AnonymousId;
      const uint32_t code = base.dict.Find(std::string_view(id).substr(2));
      if (code != UINT32_MAX) {
        auto n = base_nodes_.find(NodeCode(kind, code));
        if (n != base_nodes_.end()) {
          const uint32_t c = base.node_component[n->second];
          if (seen_components.insert(c).second) {
            components.push_back(c);
            for (uint32_t k = base.component_node_offsets[c];
                 k < base.component_node_offsets[c + 1]; ++k) {
              const store::Node& node = base.nodes[base.component_nodes[k]];
              queue.push_back(IdKey(node.kind, base.dict.Get(node.value)));
            }
          }
        }
      }
      auto d = id_index_.find(id);
      if (d == id_index_.end()) continue;
      for (uint32_t line : id_lines_[d->second]) {
        if (!seen_lines.insert(line).second) continue;
        lines.push_back(line);
        // The line's other identities.
        const Delta& dl = delta_[line];
        for (uint8_t k = 0; k < dl.num_ids; ++k) queue.push_back(id_names_[dl.ids[k]]);
      }
    }
    std::sort(components.begin(), components.end());
    std::sort(lines.begin(), lines.end());
    // The small store: the components re-emitted, then the lines in log order.
    store::StoreBuilder builder;
    std::string error;
    if (!store::ReemitComponents(base, components, &builder, &error)) {
      std::cerr << "error: streaming cycle: " << base::TerminalSafe(error) << "\n";
      retry_ = touched;
      return false;
    }
    {
      std::string text;
      ingest::ParsedLine parsed;
      for (uint32_t line : lines)
        if (LineText(line, &text) && Parse(text, &parsed))
          Feed(&builder, parsed, (uint64_t{1} << 62) + line);
    }
    store::EventStore small = builder.Finish();
    store::Profiles profiles = store::BuildProfiles(small, now);
    metrics_.profiles_evaluated += profiles.count;
    plan::PlanInput in = Input(&small, &profiles);
    plan::PlanOptions po;
    po.as_of = now;
    po.now = now;
    po.targets = audiences_;
    po.refresh = false;
    po.partial = true;
    for (const auto& id : ids) {
      auto k = keys_of_.find(id);
      if (k == keys_of_.end()) continue;
      for (const auto& [pub, key] : k->second) po.scope[pubs_[pub]].insert(key);
    }
    std::unordered_map<std::string, std::vector<std::pair<uint32_t, std::string>>> keys;
    po.on_desired = KeyRecorder(small, profiles, &keys);
    const bool ok = PlanAndApply(in, po);
    // The keys these profiles are published under: replaced after a
    // success; after a failure (some rows may have been sent) the new ones
    // are added to the old, so the retry's scope covers both.
    if (ok)
      for (const auto& id : ids) keys_of_.erase(id);
    for (auto& [id, list] : keys) {
      auto& to = keys_of_[id];
      to.insert(to.end(), list.begin(), list.end());
    }
    if (!ok) {
      retry_ = touched;  // evaluated again by the next cycle
      return false;
    }
    if (shape_.schedulable)
      for (uint32_t c = 0; c < small.num_components; ++c)
        if (int64_t t = NextInstant(small, c, now, shape_); t != INT64_MAX) {
          const store::Node& node =
              small.nodes[small.component_nodes[small.component_node_offsets[c]]];
          due_.emplace(t, IdKey(node.kind, small.dict.Get(node.value)));
        }
    return true;
  }

  bool LineText(uint32_t line, std::string* out) {
    const Delta& d = delta_[line];
    if (fds_.size() <= d.file) fds_.resize(d.file + 1, -1);
    int& fd = fds_[d.file];
    if (fd < 0) fd = ::open((log_dir_ + "/" + files_[d.file]).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    out->resize(d.length);
    const ssize_t r = ::pread(fd, out->data(), d.length, static_cast<off_t>(d.offset));
    return r == static_cast<ssize_t>(d.length);
  }

  // Plans `in` with `po` and applies the plan when it has changes. False on
  // an error (printed to stderr).
  bool PlanAndApply(const plan::PlanInput& in, const plan::PlanOptions& po) {
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

  // Every `[sources.*]` file's path, size and modification time (the
  // collected log is read by the cycles themselves).
  std::string SourcesSignature() const {
    std::string text;
    for (const auto& f : ingest::ResolveSources(ProjectIngestOptions(g_, project_))) {
      if (f.find("/.aud/collected/") != std::string::npos || f.rfind(".aud/collected/", 0) == 0)
        continue;
      struct stat sb {};
      text += f;
      if (::stat(f.c_str(), &sb) == 0)
        text += ' ' + std::to_string(sb.st_size) + ' ' + std::to_string(sb.st_mtim.tv_sec) + '.' +
                std::to_string(sb.st_mtim.tv_nsec);
      text += '\n';
    }
    return text;
  }

  // A collected line since the base, by position in the log, with its
  // identities (indices into id_names_: userId, anonymousId, previousId as both).
  struct Delta {
    uint32_t file;
    uint64_t offset;
    uint32_t length;
    uint32_t ids[4];
    uint8_t num_ids;
  };
  using Due = std::pair<int64_t, std::string>;  // (instant, an identity of the profile)
  static constexpr size_t kMaxDeltaLines = 2'000'000;

  const GlobalOptions& g_;
  const ServeOptions& o_;
  const check::Project& project_;
  const ir::Program& program_;
  state::State& state_;
  std::vector<std::string> audiences_;
  serve::Metrics& metrics_;
  const TimeShape shape_;
  const std::string log_dir_;
  ingest::LineParser parser_;
  std::string buf_;
  // The base: the project as the last full cycle ingested it.
  ingest::Result ingest_;
  bool base_ok_ = false;
  std::string sources_signature_;
  std::string data_fingerprint_;
  std::unordered_map<uint64_t, uint32_t> base_nodes_;  // (kind, code) -> node
  // The log since the base: per file, the bytes read; the lines by position.
  std::map<std::string, uint64_t> offsets_;
  uint64_t consumed_bytes_ = 0;     // of the log, read (by the base or the tail)
  std::vector<std::string> files_;  // log file names, by Delta::file
  std::vector<int> fds_;            // their descriptors, opened when first read (-1: not yet)
  std::vector<Delta> delta_;
  std::unordered_set<uint64_t> delta_message_ids_;
  std::unordered_map<std::string, uint32_t> id_index_;  // identity -> index
  std::vector<std::string> id_names_;
  std::vector<std::vector<uint32_t>> id_lines_;  // per identity, the lines naming it
  // Identities to evaluate in the next fast cycle.
  std::set<std::string> touched_, retry_;
  // Per identity, the (publication, key) its profile was last published under.
  std::unordered_map<std::string, std::vector<std::pair<uint32_t, std::string>>> keys_of_;
  std::map<std::pair<std::string, std::string>, uint32_t> pub_index_;
  std::vector<std::pair<std::string, std::string>> pubs_;
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> due_;
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
              << o.batch_window_ms << " ms, a full cycle every " << o.recheck_full_ms << " ms; "
              << (TimeShapeOf(program).schedulable
                      ? std::string("time-driven changes scheduled per profile")
                      : "time-driven changes found by a full cycle every " +
                            std::to_string(o.recheck_ms) + " ms (`days_since`)")
              << ")" << (o.publish ? "" : "; publishing off (--publish=false)") << ".\n";
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
