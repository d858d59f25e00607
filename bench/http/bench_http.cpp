// bench_http: the http (webhook) and autopilot connectors against the local
// test server on 127.0.0.1: rows/s without faults, and the time to converge
// when 20% of requests fail (500, 503, connection resets and lost replies
// mixed), and the modelled wall time of a first Autopilot export of
// 100,000 enters at Autopilot's 5 requests/s. Prints `RESULT name=value ...`
// lines; never a test.
//
//   bench_http [rows]   (default 20000 webhook rows; Autopilot uses rows/4)
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/http_client.h"
#include "tests/support/test_server.h"

namespace {

using aud::connectors::Batch;
using aud::connectors::BatchResult;
using aud::connectors::Connector;
using aud::connectors::Publication;
using aud::connectors::Row;
using aud::testing::Fault;
using aud::testing::TestServer;
using Clock = std::chrono::steady_clock;

constexpr char kKey[] = "bench-key";

std::vector<Row> MakeRows(int n) {
  std::vector<Row> rows;
  for (int i = 0; i < n; ++i) {
    Row r;
    r.key = "user" + std::to_string(i) + "@example.com";
    r.identities = {{"email", false, {r.key}}};
    aud::connectors::Value first, plan;
    first.kind = plan.kind = aud::connectors::Value::String;
    first.s = "First" + std::to_string(i);
    plan.s = i % 3 ? "gold" : "silver";
    r.fields = {{"FirstName", first}, {"plan", plan}};
    r.payload_hash = std::to_string(i);
    rows.push_back(std::move(r));
  }
  return rows;
}

struct Outcome {
  double seconds = 0;
  uint64_t attempts = 0;  // connector-reported requests
  int batch_retries = 0;  // Apply calls that failed and were re-sent
  bool complete = true;
};

// Delivers `rows` like the apply stage: batches of limits().batch_size,
// limits().concurrency batches at once, failed batches re-sent (bounded).
Outcome Deliver(Connector& c, const std::vector<Row>& rows) {
  Publication pub;
  pub.audience = "bench_audience";
  pub.destination = "bench";
  pub.field_names = {"FirstName", "plan"};
  pub.key_namespace = "email";
  pub.applied_at = 1;
  auto start = Clock::now();
  Outcome out;
  for (int i = 0; i < 20 && !c.Begin(pub).empty(); ++i) {
  }
  auto limits = c.limits();
  size_t size = limits.batch_size ? limits.batch_size : rows.size();
  std::vector<Batch> batches;
  for (size_t s = 0; s < rows.size(); s += size) {
    Batch b;
    b.index = static_cast<uint32_t>(batches.size());
    b.upserts.assign(rows.begin() + s, rows.begin() + std::min(rows.size(), s + size));
    b.idempotency_key = aud::connectors::Sha256Hex("bench:" + std::to_string(b.index), 32);
    batches.push_back(std::move(b));
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> attempts{0};
  std::atomic<int> retries{0};
  std::atomic<bool> complete{true};
  auto worker = [&] {
    for (size_t i = next++; i < batches.size(); i = next++) {
      bool done = false;
      for (int t = 0; t < 50 && !done; ++t) {
        BatchResult r = c.Apply(pub, batches[i]);
        attempts += r.attempts;
        done = r.ok();
        if (!done) ++retries;
      }
      if (!done) complete = false;
    }
  };
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < std::max<uint32_t>(1, limits.concurrency); ++t)
    threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  out.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  out.attempts = attempts;
  out.batch_retries = retries;
  out.complete = complete;
  return out;
}

// `rate` < 0: the connector's default (Autopilot: 5/s); else `rate_limit_per_sec`.
std::unique_ptr<Connector> Connect(const TestServer& server, bool autopilot, int concurrency,
                                   int batch, double rate = 0) {
  aud::config::Connection c;
  c.name = autopilot ? "bench_autopilot" : "bench_hook";
  c.type = autopilot ? "autopilot" : "http";
  if (autopilot) {
    c.values["endpoint"] = server.Url();
    c.values["api_key"] = aud::config::SecretRef{"KEY"};
  } else {
    c.values["url"] = server.Url("/hook");
    c.values["token"] = aud::config::SecretRef{"KEY"};
  }
  c.values["batch_size"] = int64_t{batch};
  c.values["concurrency"] = int64_t{concurrency};
  c.values["timeout_s"] = 1.0;
  if (rate >= 0) c.values["rate_limit_per_sec"] = rate;
  aud::connectors::Context ctx;
  ctx.getenv = [](const std::string&, std::string* v) {
    *v = kKey;
    return true;
  };
  ctx.batch_deadline_s = 30;
  std::string error;
  auto out = aud::connectors::Make(&c, ctx, &error);
  if (!out) {
    std::fprintf(stderr, "bench_http: %s\n", error.c_str());
    std::exit(1);
  }
  return out;
}

void Run(const char* name, bool autopilot, int rows_n, int batch, int concurrency, bool faults) {
  // Throughput without Autopilot's 5/s limit (server and connector unlimited).
  TestServer server({kKey, kKey, 16, 42, 0});
  if (faults) {
    // 20% of requests fail, spread over four kinds (5% each); no Retry-After,
    // so the client's own backoff decides the pace.
    for (Fault::Kind k : {Fault::ServerError, Fault::Unavailable, Fault::Reset, Fault::ReplyLost}) {
      Fault f;
      f.kind = k;
      f.retry_after_s = 0;
      // Each fault is tried after the previous ones passed: p_i = 0.05 / (1 - 0.05 i).
      static const double p[] = {0.05, 0.05 / 0.95, 0.05 / 0.90, 0.05 / 0.85};
      f.probability = p[static_cast<int>(k == Fault::ServerError   ? 0
                                         : k == Fault::Unavailable ? 1
                                         : k == Fault::Reset       ? 2
                                                                   : 3)];
      server.AddFault(f);
    }
  }
  auto connector = Connect(server, autopilot, concurrency, batch);
  std::vector<Row> rows = MakeRows(rows_n);
  Outcome o = Deliver(*connector, rows);
  auto stats = server.Stats();
  size_t stored =
      autopilot ? (server.ListMembers().empty() ? 0 : server.ListMembers().begin()->second.size())
                : server.WebhookMembers().size();
  std::printf(
      "RESULT bench=%s connector=%s rows=%d batch=%d concurrency=%d faults=%s seconds=%.3f "
      "rows_per_s=%.0f requests=%d faults_injected=%d dedup_hits=%d batch_retries=%d "
      "duplicates=%d stored=%zu complete=%s\n",
      name, autopilot ? "autopilot" : "http", rows_n, batch, concurrency, faults ? "20%" : "none",
      o.seconds, rows_n / o.seconds, stats.total(), stats.faults_injected, stats.dedup_hits,
      o.batch_retries, stats.duplicate_applications, stored,
      o.complete && stored == static_cast<size_t>(rows_n) ? "yes" : "NO");
  std::fflush(stdout);
}

// The first export of 100,000 enters to Autopilot, modelled from two short
// real runs: requests per entering contact (1,000 enters, unlimited), and the
// pace of the connector at its default 5 requests/s against a server that
// enforces it (500 enters). Wall time = (requests - 1) x seconds per request.
void ModelAutopilot() {
  constexpr int kTarget = 100000;
  TestServer fast({kKey, kKey, 16, 42, 0});
  auto unlimited = Connect(fast, true, 1, 100);
  Outcome o = Deliver(*unlimited, MakeRows(1000));
  auto stats = fast.Stats();
  int lists = stats.requests["GET /v1/lists"] + stats.requests["POST /v1/list"];
  double per_row = static_cast<double>(stats.total() - lists) / 1000;
  TestServer paced({kKey, kKey, 16, 42, 5});
  auto limited = Connect(paced, true, 1, 100, -1);
  Outcome p = Deliver(*limited, MakeRows(500));
  auto pstats = paced.Stats();
  double per_request = p.seconds / std::max(1, pstats.total() - 1);
  double requests = lists + per_row * kTarget;
  // The connector before issue 17: one list request per entering contact.
  double old_requests = lists + (per_row + 1) * kTarget;
  std::printf(
      "RESULT bench=autopilot_model enters=%d requests=%.0f seconds_per_request=%.4f "
      "modelled_s=%.0f modelled_min=%.1f one_by_one_requests=%.0f one_by_one_h=%.2f "
      "paced_rate_limited=%d complete=%s\n",
      kTarget, requests, per_request, (requests - 1) * per_request,
      (requests - 1) * per_request / 60, old_requests, (old_requests - 1) / 5 / 3600,
      pstats.rate_limited, o.complete && p.complete ? "yes" : "NO");
  std::fflush(stdout);
}

}  // namespace

// NOLINTNEXTLINE(bugprone-exception-escape): a benchmark tool; an exception may abort it
int main(int argc, char** argv) {
  int rows = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (rows <= 0) rows = 20000;
  Run("throughput", false, rows, 500, 1, false);
  Run("throughput", false, rows, 500, 4, false);
  Run("throughput", true, rows / 4, 100, 1, false);
  Run("throughput", true, rows / 4, 100, 4, false);
  // Small webhook batches so that enough requests meet a fault.
  Run("converge", false, rows, 50, 4, true);
  Run("converge", true, rows / 4, 100, 4, true);
  ModelAutopilot();
  return 0;
}
