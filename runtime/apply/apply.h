#pragma once
// The apply stage (docs/architecture.md §5): publishes a plan through the
// connectors and records in state only what each destination confirmed.
// The protocol (lock, staleness and governance refusals, batches with
// deterministic idempotency keys, journal, crash points) is described in
// runtime/apply/README.md.

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "compiler/check/check.h"
#include "runtime/connectors/connector.h"
#include "runtime/plan/plan.h"
#include "runtime/state/state.h"

namespace aud::apply {

// Creates the connector of one publication (null with `error` on failure,
// e.g. a missing secret: the message names the variable, never a value).
using ConnectorFactory = std::function<std::unique_ptr<connectors::Connector>(
    const plan::PublicationPlan& pub, std::string* error)>;

// The standard factory: the publication's `[connections.NAME]` of `config`
// (the built-in profile store when the plan names none, or
// `[connections.profile_store]` when present), secrets through ctx.getenv.
ConnectorFactory DefaultConnectors(const config::ProjectConfig& config,
                                   const connectors::Context& ctx);

// Where an apply is, for a progress line.
struct Progress {
  size_t publications_done = 0;       // publications with changes finished (or failed)
  size_t publications_total = 0;      // publications with changes in the plan
  std::string audience, destination;  // the publication being sent ("" between them)
  size_t batch = 0, batches = 0;      // its batch about to be sent (1-based), of
  uint64_t rows_sent = 0;             // rows sent by this apply so far
};
// Checks, before anything is sent, what applying `plan` needs (docs/apply.md):
// for every publication with changes, its connection is in `config`, every
// `{ env = "VAR" }` of it is set and not empty (read through ctx.getenv) and
// its connector accepts the settings; a `file` connection's `dir` is a
// writable folder or can be created (its nearest existing ancestor is a
// writable folder: nothing is created here). One error per connection and
// problem, naming the destination, the connection and the variable (never
// a value) and how to fix it; empty when everything is ready.
std::vector<std::string> Preflight(const plan::Plan& plan, const config::ProjectConfig& config,
                                   const connectors::Context& ctx);

// How to apply.
struct Options {
  int64_t now = 0;  // the apply's start time (UTC ms)
  // Called before each batch is sent and after each publication with
  // changes; empty: never. Prints nothing itself.
  std::function<void(const Progress&)> progress;
  std::string lock_operation = "apply";
  // How long to wait for a lock another process holds (0: refuse at once).
  int64_t lock_timeout_ms = 0;
  // Called once when the lock is held by another process and waiting
  // begins (the CLI prints `Acquiring state lock…`); empty: never.
  std::function<void(const state::LockInfo& holder)> lock_waiting;
  // The caller holds the state lock already (`aud apply` without a plan
  // file keeps the lock it planned under): ApplyPlan neither takes nor
  // releases it.
  bool lock_held = false;
};

// Takes the state lock for `operation`, retrying while another live process
// holds it for up to `timeout_ms` (calling `waiting` once when waiting
// begins). False with `refusal`: the holder and `aud force-unlock ID`, or
// why the lock could not be taken.
bool AcquireLock(state::State& state, const std::string& operation, int64_t timeout_ms,
                 const std::function<void(const state::LockInfo&)>& waiting,
                 state::LockInfo* acquired, std::string* refusal);

// What happened to one publication.
struct PublicationReport {
  std::string audience, destination;
  plan::Action action = plan::Action::NoOp;
  uint64_t sent = 0;       // rows sent (upserts + removes), re-sends included
  uint64_t confirmed = 0;  // rows recorded in state
  uint64_t batches = 0;
  std::vector<connectors::Rejection> rejected;
  std::string error;       // "" when every batch was delivered
  bool completed = false;  // every batch delivered (rejections allowed) and recorded
};

// The outcome of ApplyPlan.
struct Report {
  // A refusal before anything was sent (lock held, stale plan, ...): the
  // message, with what to do. Nothing was written.
  std::string refused;
  std::vector<std::string> warnings;
  std::vector<PublicationReport> publications;
  std::vector<std::string> errors;  // state write failures and the like
  // True when nothing was refused or failed and no row was rejected.
  bool ok() const;
};

// Applies `plan` to `state` (which must be the state the plan was made
// against: same lineage and serial, checked under the lock).
Report ApplyPlan(const plan::Plan& plan, state::State& state, const ConnectorFactory& connectors,
                 const Options& options);

// Governance at apply: every publication of `plan` checked, with the labels
// the plan recorded, against the policies of `module` now and the actions of
// its destination (now, plus those the plan recorded). One message per
// violation naming the audience, the destination, the policy and the
// actions; empty when the plan may be published.
std::vector<std::string> GovernanceRefusals(const plan::Plan& plan, const check::Module& module);

// The idempotency key of a batch (connector.h, Batch::idempotency_key):
// hex SHA-256, 32 characters, of lineage, serial, audience, destination and
// every `op:key:payload_hash` in batch order (removes first).
std::string IdempotencyKey(const std::string& lineage, uint64_t serial, const std::string& audience,
                           const std::string& destination, const connectors::Batch& batch);

// Renders the end-of-apply summary (one line per publication, then totals).
std::string RenderSummary(const Report& report);

}  // namespace aud::apply
