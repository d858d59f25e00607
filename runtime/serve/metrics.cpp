// The counters of `aud serve` (metrics.h).

#include "runtime/serve/metrics.h"

#include <cstdio>

namespace aud::serve {

namespace {

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// A label value, escaped as the exposition format requires.
std::string Label(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

const std::vector<double>& Metrics::Buckets() {
  static const std::vector<double> b = {0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30};
  return b;
}

void Metrics::Rejected(const std::string& code, uint64_t n) {
  std::lock_guard<std::mutex> l(mu_);
  rejected_[code] += n;
}

void Metrics::Reply(int status) {
  std::lock_guard<std::mutex> l(mu_);
  ++replies_[status];
}

void Metrics::SetQueue(const std::string& publication, uint64_t depth) {
  std::lock_guard<std::mutex> l(mu_);
  queue_[publication] = depth;
}

void Metrics::ObservePublishLatency(double seconds, uint64_t count) {
  std::lock_guard<std::mutex> l(mu_);
  const auto& b = Buckets();
  for (size_t i = 0; i < b.size(); ++i)
    if (seconds <= b[i]) latency_buckets_[i] += count;
  latency_count_ += count;
  latency_sum_ += seconds * static_cast<double>(count);
}

std::string Metrics::Render() const {
  std::string out;
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  auto gauge = [&](const char* name, const char* help, const std::string& v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
           " " + v + "\n";
  };
  counter("aud_serve_accepted_total", "Messages written to the collected log and acknowledged.",
          accepted.load());
  counter("aud_serve_duplicates_total", "Messages whose messageId was already collected.",
          duplicates.load());
  counter("aud_serve_commits_total", "Group commits of the collected log (one fdatasync each).",
          commits.load());
  gauge("aud_serve_log_bytes", "Bytes in the collected log.", std::to_string(log_bytes.load()));
  gauge("aud_serve_log_messages", "Messages in the collected log.",
        std::to_string(log_messages.load()));
  gauge("aud_serve_connections", "Open client connections.", std::to_string(connections.load()));
  gauge("aud_serve_evaluation_lag_seconds",
        "Age of the oldest collected message the streaming evaluation has not yet published.",
        Num(evaluation_lag_seconds.load()));
  counter("aud_serve_cycles_total", "Streaming evaluation cycles run.", cycles.load());
  counter("aud_serve_cycle_errors_total", "Streaming evaluation cycles that failed.",
          cycle_errors.load());
  counter("aud_serve_full_cycles_total",
          "Full streaming cycles (every profile; the others evaluate the touched profiles).",
          full_cycles.load());
  counter("aud_serve_profiles_evaluated_total", "Profiles evaluated by streaming cycles.",
          profiles_evaluated.load());
  std::lock_guard<std::mutex> l(mu_);
  out +=
      "# HELP aud_serve_rejected_total Messages or requests refused, by reason.\n"
      "# TYPE aud_serve_rejected_total counter\n";
  for (const auto& [code, n] : rejected_)
    out += "aud_serve_rejected_total{reason=\"" + Label(code) + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP aud_serve_replies_total HTTP replies, by status.\n"
      "# TYPE aud_serve_replies_total counter\n";
  for (const auto& [status, n] : replies_)
    out += "aud_serve_replies_total{code=\"" + std::to_string(status) + "\"} " + std::to_string(n) +
           "\n";
  out +=
      "# HELP aud_serve_queue_depth Changes planned for a publication and not yet confirmed by "
      "its destination.\n"
      "# TYPE aud_serve_queue_depth gauge\n";
  for (const auto& [pub, n] : queue_)
    out += "aud_serve_queue_depth{publication=\"" + Label(pub) + "\"} " + std::to_string(n) + "\n";
  out +=
      "# HELP aud_serve_publish_latency_seconds From a message's 200 reply to the end of the "
      "publication of the changes it caused.\n"
      "# TYPE aud_serve_publish_latency_seconds histogram\n";
  const auto& b = Buckets();
  for (size_t i = 0; i < b.size(); ++i)
    out += "aud_serve_publish_latency_seconds_bucket{le=\"" + Num(b[i]) + "\"} " +
           std::to_string(latency_buckets_[i]) + "\n";
  out += "aud_serve_publish_latency_seconds_bucket{le=\"+Inf\"} " + std::to_string(latency_count_) +
         "\n";
  out += "aud_serve_publish_latency_seconds_sum " + Num(latency_sum_) + "\n";
  out += "aud_serve_publish_latency_seconds_count " + std::to_string(latency_count_) + "\n";
  return out;
}

}  // namespace aud::serve
