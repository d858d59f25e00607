#pragma once
// The counters of `aud serve`, rendered as Prometheus text at `/metrics`
// (docs/serve.md "Operations"). The HTTP loop and the publisher update them
// from their threads.

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace aud::serve {

class Metrics {
 public:
  std::atomic<uint64_t> accepted{0};    // messages logged (a 200 was or will be sent)
  std::atomic<uint64_t> duplicates{0};  // messages whose messageId was logged already
  std::atomic<uint64_t> log_bytes{0};
  std::atomic<uint64_t> log_messages{0};
  std::atomic<uint64_t> connections{0};  // open connections
  std::atomic<uint64_t> commits{0};      // group commits (one fdatasync each)
  std::atomic<uint64_t> cycles{0};       // streaming evaluation cycles run
  std::atomic<uint64_t> cycle_errors{0};
  std::atomic<uint64_t> full_cycles{0};           // of them, full cycles (every profile)
  std::atomic<uint64_t> profiles_evaluated{0};    // profiles evaluated by the cycles
  std::atomic<double> evaluation_lag_seconds{0};  // the oldest message not yet evaluated

  // A request or message refused, by reason ("invalid_json", "unauthorized", ...).
  void Rejected(const std::string& code, uint64_t n = 1);
  // A reply sent with `status`.
  void Reply(int status);
  // The changes a publication still has to send (planned, not confirmed).
  void SetQueue(const std::string& publication, uint64_t depth);
  // `count` messages whose changes reached the destinations `seconds` after
  // their 200 reply.
  void ObservePublishLatency(double seconds, uint64_t count);
  // Prometheus text exposition (version 0.0.4).
  std::string Render() const;

  static const std::vector<double>& Buckets();

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> rejected_;
  std::map<int, uint64_t> replies_;
  std::map<std::string, uint64_t> queue_;
  std::vector<uint64_t> latency_buckets_ = std::vector<uint64_t>(Buckets().size(), 0);
  uint64_t latency_count_ = 0;
  double latency_sum_ = 0;
};

}  // namespace aud::serve
