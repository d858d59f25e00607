// The apply protocol (README.md): lock, refusals, then per publication
// batches journaled, sent and recorded one at a time, with crash points
// between the steps.

#include "runtime/apply/apply.h"

#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <unordered_set>

#include "compiler/base/civil_time.h"
#include "compiler/base/escape.h"
#include "runtime/apply/crash_point.h"

namespace aud::apply {

namespace {

using connectors::Batch;
using connectors::Row;

std::string Hex(const unsigned char* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

std::string FormatTime(int64_t ms) { return base::FormatRfc3339Seconds(ms); }

// One row of a publication's change list, in sending order.
struct Op {
  enum Kind : uint8_t { Exit, Enter, Update } kind;
  std::string key;
  const Row* row = nullptr;  // enters and updates
};

// The change list of a publication: exits, then enters, then updates, each
// sorted by key, so that cutting it again after a crash gives the same batches.
std::vector<Op> Ops(const plan::PublicationPlan& p) {
  std::vector<Op> exits, enters, updates;
  for (const auto& k : p.exit) exits.push_back({Op::Exit, k, nullptr});
  for (const auto& r : p.enter) enters.push_back({Op::Enter, r.key, &r});
  for (const auto& r : p.update) updates.push_back({Op::Update, r.key, &r});
  auto by_key = [](const Op& a, const Op& b) { return a.key < b.key; };
  std::stable_sort(exits.begin(), exits.end(), by_key);
  std::stable_sort(enters.begin(), enters.end(), by_key);
  std::stable_sort(updates.begin(), updates.end(), by_key);
  std::vector<Op> all = std::move(exits);
  all.insert(all.end(), enters.begin(), enters.end());
  all.insert(all.end(), updates.begin(), updates.end());
  return all;
}

// Batch boundaries [begin, end) over the ops. A batch never holds the same
// key twice (a replace exits and re-enters a member): the exit goes first.
std::vector<std::pair<size_t, size_t>> Cut(const std::vector<Op>& ops, uint32_t batch_size) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t begin = 0;
  std::unordered_set<std::string> keys;
  for (size_t i = 0; i < ops.size(); ++i) {
    bool full = batch_size > 0 && i - begin >= batch_size;
    if (full || keys.count(ops[i].key)) {
      out.push_back({begin, i});
      begin = i;
      keys.clear();
    }
    keys.insert(ops[i].key);
  }
  if (begin < ops.size()) out.push_back({begin, ops.size()});
  return out;
}

Batch MakeBatch(const std::vector<Op>& ops, std::pair<size_t, size_t> range, uint32_t index) {
  Batch b;
  b.index = index;
  for (size_t i = range.first; i < range.second; ++i) {
    if (ops[i].kind == Op::Exit) {
      b.removes.push_back(ops[i].key);
    } else {
      b.upserts.push_back(*ops[i].row);
    }
  }
  return b;
}

// What the journal keeps of a batch: enough to see what was in flight
// (keys and payload hashes), never field values or secrets.
std::string JournalPayload(const Batch& b, int64_t applied_at, uint64_t serial) {
  nlohmann::json j;
  j["batch"] = b.index;
  j["applied_at"] = applied_at;
  j["serial"] = serial;  // Publication::serial, so a re-sent batch names its files alike
  j["idempotency_key"] = b.idempotency_key;
  auto& rem = j["removes"] = nlohmann::json::array();
  for (const auto& k : b.removes) rem.push_back(k);
  auto& up = j["upserts"] = nlohmann::json::array();
  for (const auto& r : b.upserts)
    up.push_back({{"op", r.op == Row::Enter ? "enter" : "update"},
                  {"key", r.key},
                  {"payload_hash", r.payload_hash}});
  j["last"] = b.last;
  j["drop"] = b.drop;
  return j.dump();
}

std::string SortedJoin(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

// Releases the lock however ApplyPlan returns.
struct LockGuard {
  state::State* state = nullptr;
  std::string id;
  ~LockGuard() {
    if (state && !id.empty()) state->Unlock(id);
  }
};

class Applier {
 public:
  Applier(const plan::Plan& plan, state::State& state, const ConnectorFactory& factory,
          const Options& options, Report* report)
      : plan_(plan), state_(state), factory_(factory), options_(options), report_(*report) {}

  void Run() {
    for (const auto& e : state_.JournalPending()) pending_.push_back(e);
    for (const auto& p : plan_.publications)
      progress_.publications_total += p.action != plan::Action::NoOp;
    for (const auto& p : plan_.publications) {
      if (p.action == plan::Action::NoOp) {
        NoOp(p);
      } else {
        Publish(p);
      }
      if (fatal_) return;
    }
    RecordAudiences();
  }

 private:
  // Reports progress: `p` about to send batch `batch` of `batches`, or
  // (null) between publications.
  void ReportProgress(const plan::PublicationPlan* p, size_t batch, size_t batches) {
    if (!options_.progress) return;
    progress_.audience = p ? p->audience : "";
    progress_.destination = p ? p->destination : "";
    progress_.batch = batch;
    progress_.batches = batches;
    options_.progress(progress_);
  }

  // Records a publication whose members need no change when its record is
  // missing or its labels / definition hash moved (nothing is sent).
  void NoOp(const plan::PublicationPlan& p) {
    PublicationReport r;
    r.audience = p.audience;
    r.destination = p.destination;
    r.action = p.action;
    r.completed = true;
    if (!p.frozen && !p.not_due) {
      const state::PublicationRecord* rec = Record(p);
      if (!rec || rec->labels != p.labels || rec->definition_hash != p.definition_hash ||
          rec->target != p.target)
        RecordPublication(p, rec);
    }
    report_.publications.push_back(std::move(r));
  }

  const state::PublicationRecord* Record(const plan::PublicationPlan& p) {
    if (!records_loaded_) {
      for (auto& rec : state_.Publications())
        records_[{rec.audience, rec.destination}] = std::move(rec);
      records_loaded_ = true;
    }
    auto it = records_.find({p.audience, p.destination});
    return it == records_.end() ? nullptr : &it->second;
  }

  bool RecordPublication(const plan::PublicationPlan& p, const state::PublicationRecord* rec) {
    state::PublicationRecord out;
    out.audience = p.audience;
    out.destination = p.destination;
    out.definition_hash = p.definition_hash;
    out.labels = p.labels;
    out.target = p.target;  // where the destination now is (a moved `dir`)
    out.connection = p.connection;
    out.created_at = rec && rec->created_at ? rec->created_at : options_.now;
    out.updated_at = options_.now;
    out.members = state_.MemberCount(p.audience, p.destination);
    std::string error;
    if (!state_.RecordPublication(out, &error)) {
      Fatal("recording publication `" + p.audience + "` -> `" + p.destination + "`: " + error);
      return false;
    }
    records_[{p.audience, p.destination}] = out;
    CrashPoint("publication.recorded");
    return true;
  }

  void Fatal(const std::string& message) {
    report_.errors.push_back(message);
    fatal_ = true;
  }

  void Publish(const plan::PublicationPlan& p) {
    PublicationReport r;
    r.audience = p.audience;
    r.destination = p.destination;
    r.action = p.action;
    Run(p, &r);
    ++progress_.publications_done;
    ReportProgress(nullptr, 0, 0);
    report_.publications.push_back(std::move(r));
  }

  void Run(const plan::PublicationPlan& p, PublicationReport* r) {
    std::string error;
    std::unique_ptr<connectors::Connector> conn = factory_(p, &error);
    if (!conn) {
      r->error = error.empty() ? "no connector" : error;
      return;
    }
    const std::vector<Op> ops = Ops(p);
    auto ranges = Cut(ops, conn->limits().batch_size);
    // A publication that is created, replaced or dropped with no rows still
    // gets one (empty) batch so the destination can create or remove it.
    if (ranges.empty()) ranges.push_back({0, 0});

    connectors::Publication pub;
    pub.audience = p.audience;
    pub.destination = p.destination;
    pub.labels = p.labels;
    pub.field_names = p.field_names;
    pub.field_types = p.field_types;
    pub.key_namespace = p.key_namespace;
    pub.applied_at = options_.now;
    pub.serial = state_.serial();
    for (const auto& a : plan_.audiences)
      if (a.name == p.audience) pub.audience_description = a.description;

    // An interrupted apply left this publication's in-flight batch pending:
    // when the first batch cut now is that batch (same key), it is re-sent
    // with the interrupted apply's time, so it produces identical output.
    const std::string lineage = state_.lineage();
    Batch first = MakeBatch(ops, ranges[0], 0);
    first.last = ranges.size() == 1;
    first.drop = first.last && p.action == plan::Action::Delete;
    first.idempotency_key =
        IdempotencyKey(lineage, state_.serial(), p.audience, p.destination, first);
    int64_t reuse_id = 0;
    std::vector<int64_t> superseded;
    for (const auto& e : pending_) {
      if (e.audience != p.audience || e.destination != p.destination) continue;
      if (e.idempotency_key == first.idempotency_key && !reuse_id) {
        reuse_id = e.id;
        pub.applied_at = e.created_at;
        auto j = nlohmann::json::parse(e.payload, nullptr, false);
        if (j.is_object() && j.contains("serial") && j["serial"].is_number_unsigned())
          pub.serial = j["serial"].get<uint64_t>();
      } else {
        // Cut differently now (state or data moved). The plan sends its rows
        // again (runtime/plan: rows in flight), so the entry is settled once
        // every batch of this publication is confirmed — not before: a crash
        // before then must leave its keys uncertain for the next plan.
        superseded.push_back(e.id);
      }
    }

    pub.remote_id = state_.RemoteId(p.audience, p.destination);
    std::string begin_error = conn->Begin(pub);
    if (!begin_error.empty()) {
      r->error = begin_error;
      return;
    }
    // The destination's id for the publication (the Autopilot list), kept so a
    // later apply finds it even if its title changed.
    if (std::string id = conn->RemoteId(pub); !id.empty() && id != pub.remote_id) {
      if (!state_.RecordRemoteId(p.audience, p.destination, id, &error)) {
        Fatal("recording the destination's id of the publication: " + error);
        return;
      }
      pub.remote_id = id;
    }

    for (size_t bi = 0; bi < ranges.size(); ++bi) {
      // NOLINTNEXTLINE(bugprone-use-after-move): `first` is moved once, when bi == 0
      Batch b = bi == 0 ? std::move(first) : MakeBatch(ops, ranges[bi], uint32_t(bi));
      b.last = bi + 1 == ranges.size();
      b.drop = b.last && p.action == plan::Action::Delete;
      if (bi > 0)
        b.idempotency_key = IdempotencyKey(lineage, state_.serial(), p.audience, p.destination, b);
      ReportProgress(&p, bi + 1, ranges.size());

      int64_t journal_id = bi == 0 ? reuse_id : 0;
      if (!journal_id) {
        state::JournalEntry e;
        e.plan_id = plan_.id;
        e.audience = p.audience;
        e.destination = p.destination;
        e.batch = b.index;
        e.idempotency_key = b.idempotency_key;
        e.payload = JournalPayload(b, pub.applied_at, pub.serial);
        e.status = "pending";
        e.created_at = pub.applied_at;
        journal_id = state_.JournalAdd(e, &error);
        if (!journal_id) {
          Fatal("writing the apply journal: " + error);
          return;
        }
      }
      CrashPoint("batch.journaled");

      connectors::BatchResult res = conn->Apply(pub, b);
      ++r->batches;
      r->sent += b.upserts.size() + b.removes.size();
      progress_.rows_sent += b.upserts.size() + b.removes.size();
      CrashPoint("batch.sent");
      if (!res.ok()) {
        // Nothing of the batch is confirmed. Its journal entry stays pending:
        // the destination may have applied it, and the next apply re-sends it
        // with the same key. The rest of this publication waits for that apply.
        r->error = res.error + (res.auth_error ? " (authentication failed)" : "");
        return;
      }

      std::set<std::string> rejected;
      for (const auto& rej : res.rejected) {
        rejected.insert(rej.key);
        r->rejected.push_back(rej);
      }
      state::Confirmed c;
      c.audience = p.audience;
      c.destination = p.destination;
      c.now = pub.applied_at;
      c.journal_id = journal_id;
      c.connection = p.connection;
      for (const auto& row : b.upserts)
        if (!rejected.count(row.key)) c.upserts.push_back({row.key, row.payload_hash, row.visitor});
      for (const auto& k : b.removes)
        if (!rejected.count(k)) c.removes.push_back(k);
      if (!state_.RecordBatch(c, &error)) {
        Fatal("recording a confirmed batch of `" + p.audience + "` -> `" + p.destination +
              "`: " + error);
        return;
      }
      r->confirmed += c.upserts.size() + c.removes.size();
      CrashPoint("batch.recorded");
    }
    for (int64_t id : superseded) {
      std::string ignored;
      state_.JournalSet(id, "done", &ignored);  // settled by this apply's batches
    }

    if (p.action == plan::Action::Delete) {
      // Rows the destination refused to remove keep the publication alive.
      if (!r->rejected.empty()) {
        r->completed = true;
        return;
      }
      if (!state_.DropPublication(p.audience, p.destination, &error)) {
        Fatal("dropping publication `" + p.audience + "` -> `" + p.destination + "`: " + error);
        return;
      }
      records_.erase({p.audience, p.destination});
      CrashPoint("publication.recorded");
    } else if (!RecordPublication(p, Record(p))) {
      return;
    }
    r->completed = true;
  }

  // Audiences whose every publication in this plan completed get their
  // definition hash, labels and times recorded, after all publications, so
  // that no write that happens on every apply moves the serial between the
  // batches (their idempotency keys must be the same when re-cut).
  void RecordAudiences() {
    std::map<std::string, bool> completed;
    std::map<std::string, bool> published;
    for (const auto& r : report_.publications) {
      auto [it, _] = completed.emplace(r.audience, true);
      it->second = it->second && r.completed && r.error.empty();
      published[r.audience] = true;
    }
    for (const auto& a : plan_.audiences) {
      if (!a.evaluated) continue;
      auto it = completed.find(a.name);
      if (it != completed.end() && !it->second) continue;
      std::optional<state::AudienceRecord> old = state_.Audience(a.name);
      state::AudienceRecord rec;
      rec.name = a.name;
      rec.definition_hash = a.definition_hash;
      rec.labels = a.labels;
      rec.refresh = a.refresh;
      rec.last_evaluated = plan_.created_at ? plan_.created_at : options_.now;
      rec.last_published = published.count(a.name) ? options_.now : old ? old->last_published : 0;
      std::string error;
      if (!state_.RecordAudience(rec, &error)) {
        Fatal("recording audience `" + a.name + "`: " + error);
        return;
      }
      CrashPoint("audience.recorded");
    }
  }

  const plan::Plan& plan_;
  state::State& state_;
  const ConnectorFactory& factory_;
  const Options& options_;
  Report& report_;
  apply::Progress progress_;
  std::vector<state::JournalEntry> pending_;
  std::map<std::pair<std::string, std::string>, state::PublicationRecord> records_;
  bool records_loaded_ = false;
  bool fatal_ = false;
};

}  // namespace

bool Report::ok() const {
  if (!refused.empty() || !errors.empty()) return false;
  for (const auto& p : publications)
    if (!p.error.empty() || !p.rejected.empty()) return false;
  return true;
}

std::string IdempotencyKey(const std::string& lineage, uint64_t serial, const std::string& audience,
                           const std::string& destination, const connectors::Batch& batch) {
  // Fields are newline-separated; names and keys cannot hold a newline
  // ambiguously because every field has a fixed position and op prefix.
  std::string text =
      lineage + "\n" + std::to_string(serial) + "\n" + audience + "\n" + destination + "\n";
  for (const auto& k : batch.removes) text += "exit:" + k + ":\n";
  for (const auto& r : batch.upserts)
    text += std::string(r.op == Row::Enter ? "enter:" : "update:") + r.key + ":" + r.payload_hash +
            "\n";
  if (batch.drop) text += "drop\n";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  return Hex(digest, 16);
}

bool AcquireLock(state::State& state, const std::string& operation, int64_t timeout_ms,
                 const std::function<void(const state::LockInfo&)>& waiting,
                 state::LockInfo* acquired, std::string* refusal) {
  const auto start = std::chrono::steady_clock::now();
  bool announced = false;
  for (;;) {
    state::LockInfo holder;
    std::string error;
    if (state.Lock(operation, acquired, &holder, &error)) return true;
    if (!error.empty() && holder.id.empty()) {
      *refusal = "cannot take the state lock: " + error;
      return false;
    }
    const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    if (waited < timeout_ms) {
      if (!announced && waiting) waiting(holder);
      announced = true;
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::min<int64_t>(250, timeout_ms - waited)));
      continue;
    }
    // Two lines; the lock's fields come from the state: escaped.
    const std::string id = base::TerminalSafe(holder.id);
    *refusal =
        "the state is locked by " + base::TerminalSafe(holder.who) + " (pid " +
        std::to_string(holder.pid) + ", `" + base::TerminalSafe(holder.operation) + "` since " +
        FormatTime(holder.created_at) + "), lock id " + id +
        (timeout_ms > 0 ? " (waited " +
                              (timeout_ms % 1000 == 0 ? std::to_string(timeout_ms / 1000) + "s"
                                                      : std::to_string(timeout_ms) + "ms") +
                              ")"
                        : "") +
        "\nif that process is gone, run `aud force-unlock " + id + "`" +
        (timeout_ms > 0 ? "" : "; to wait for it, pass `--lock-timeout DURATION`");
    return false;
  }
}

Report ApplyPlan(const plan::Plan& plan, state::State& state, const ConnectorFactory& connectors,
                 const Options& options) {
  Report report;
  state::LockInfo acquired;
  if (!options.lock_held && !AcquireLock(state, options.lock_operation, options.lock_timeout_ms,
                                         options.lock_waiting, &acquired, &report.refused))
    return report;
  LockGuard guard{&state, acquired.id};
  CrashPoint("apply.locked");

  // Under the lock: the plan must have been made against this very state.
  std::string lineage = state.lineage();
  uint64_t serial = state.serial();
  if (plan.lineage != lineage) {
    report.refused = "the plan was made against another state (plan lineage " + plan.lineage +
                     ", this project's state lineage " + lineage +
                     "): make a new plan with `aud plan --out FILE` and review it";
    return report;
  }
  if (plan.serial != serial) {
    report.refused = "the state changed since the plan was made (plan serial " +
                     std::to_string(plan.serial) + ", state serial " + std::to_string(serial) +
                     "): it was applied already, or another apply ran since; make a new plan with "
                     "`aud plan --out FILE` and review it";
    return report;
  }

  Applier(plan, state, connectors, options, &report).Run();
  return report;
}

std::vector<std::string> GovernanceRefusals(const plan::Plan& plan, const check::Module& module) {
  std::vector<std::string> out;
  for (const auto& p : plan.publications) {
    // Nothing is sent for a frozen or not-due publication, nor kept at a
    // destination a delete empties.
    if (p.action == plan::Action::NoOp || p.action == plan::Action::Delete) continue;
    std::set<std::string> labels(p.labels.begin(), p.labels.end());
    std::set<std::string> actions = check::DestinationActions(module, p.destination);
    actions.insert(p.actions.begin(), p.actions.end());
    for (const auto& v : check::PolicyViolations(module, labels, actions)) {
      std::vector<std::string> quoted;
      for (const auto& a : v.actions) quoted.push_back("`" + a + "`");
      out.push_back("publishing `" + p.audience + "` to `" + p.destination + "` violates policy `" +
                    v.policy + "`: it denies " + SortedJoin(quoted) +
                    " for the labels the plan recorded [" + SortedJoin(p.labels) + "]");
    }
  }
  return out;
}

ConnectorFactory DefaultConnectors(const config::ProjectConfig& config,
                                   const connectors::Context& ctx) {
  return [&config, ctx](const plan::PublicationPlan& pub,
                        std::string* error) -> std::unique_ptr<connectors::Connector> {
    const config::Connection* conn = nullptr;
    std::string name = pub.connection;
    if (name.empty() && pub.destination == "profile_store") name = "profile_store";
    auto it = config.connections.find(name);
    if (it != config.connections.end()) conn = &it->second;
    if (!conn && !pub.connection.empty()) {
      *error = "connection `" + pub.connection + "` of destination `" + pub.destination +
               "` is not in aud.toml";
      return nullptr;
    }
    return connectors::Make(conn, ctx, error);
  };
}

std::string RenderSummary(const Report& report) {
  // Keys, rejection reasons and errors come from data and from destinations:
  // control characters are escaped (base::TerminalSafe).
  auto E = [](const std::string& text) { return base::TerminalSafe(text); };
  std::string s;
  uint64_t sent = 0, confirmed = 0, rejected = 0, failed = 0;
  for (const auto& p : report.publications) {
    if (p.action == plan::Action::NoOp && p.sent == 0) continue;
    s += "  " + E(p.audience) + " -> " + E(p.destination) + " (" + plan::ActionName(p.action) +
         "): " + std::to_string(p.sent) + " sent, " + std::to_string(p.confirmed) + " confirmed, " +
         std::to_string(p.rejected.size()) + " rejected";
    if (!p.error.empty()) s += ", failed: " + E(p.error);
    s += "\n";
    size_t shown = 0;
    for (const auto& rej : p.rejected) {
      if (++shown > 10) {
        s += "      ... and " + std::to_string(p.rejected.size() - 10) + " more\n";
        break;
      }
      s += "      rejected " + E(rej.key) + ": " + E(rej.reason) + "\n";
    }
    sent += p.sent;
    confirmed += p.confirmed;
    rejected += p.rejected.size();
    if (!p.error.empty()) ++failed;
  }
  bool failed_any = failed > 0 || !report.errors.empty();
  s += std::string(failed_any ? "Apply failed: " : "Apply complete: ") + std::to_string(confirmed) +
       " confirmed, " + std::to_string(rejected) + " rejected";
  if (failed) s += ", " + std::to_string(failed) + " publication(s) failed";
  s += ".";
  if (rejected) s += " Rejected rows are retried by the next apply.";
  s += "\n";
  return s;
}

}  // namespace aud::apply
