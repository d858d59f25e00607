#pragma once
// The HTTP client shared by the `http` (JSON webhook) and `autopilot`
// connectors: JSON requests over libcurl with per-request timeouts, a
// token-bucket rate limit, bounded parallelism and retries (transport errors,
// 408, 425, 429, 5xx) with exponential backoff, full jitter and Retry-After,
// all bounded by a deadline. Everything it returns has the connection's
// secrets scrubbed, so callers may put response text in errors and reasons.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace aud::connectors {

// One request (the body is sent as JSON when non-empty).
struct HttpRequest {
  std::string method = "POST";  // GET | POST | DELETE
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type
};

// The final outcome of a request after retries.
struct HttpResponse {
  long status = 0;        // 0: no HTTP answer (transport error)
  std::string body;       // secrets scrubbed
  std::string error;      // transport error or deadline, secrets scrubbed; "" when answered
  uint32_t attempts = 0;  // requests made, retries included
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
};

// Options of one client (one per connector).
struct HttpClientOptions {
  std::string connection;            // `[connections.NAME]`, for messages
  double timeout_s = 30;             // per request
  double rate_limit_per_sec = 0;     // requests per second; 0: unlimited
  uint32_t concurrency = 1;          // requests in flight at once, over all callers
  std::vector<std::string> secrets;  // values scrubbed from everything kept
  double backoff_base_s = 0.05;      // first retry waits up to this (full jitter)
  double backoff_cap_s = 5;          // one wait never exceeds this (Retry-After aside)
  uint64_t seed = 0;                 // jitter seed (0: from the clock)
};

// A point in time after which no new attempt starts.
using Deadline = std::chrono::steady_clock::time_point;

// Whether a status is worth retrying (408, 425, 429, 5xx).
bool RetryableStatus(long status);

// Seconds to wait from a Retry-After value (delta-seconds or an HTTP date);
// negative when absent or unreadable.
double ParseRetryAfter(const std::string& value, std::chrono::system_clock::time_point now);

// A shared libcurl client; thread-safe.
class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends one request, retrying retryable failures until `deadline`.
  HttpResponse Send(const HttpRequest& request, Deadline deadline);
  // Sends independent requests with up to `concurrency` in flight; results
  // are in request order.
  std::vector<HttpResponse> SendAll(const std::vector<HttpRequest>& requests, Deadline deadline);
  // `text` with every secret (raw and URL-encoded) replaced by `***`.
  std::string Scrub(std::string text) const;
  const HttpClientOptions& options() const { return options_; }

 private:
  // One attempt: fills status, body, Retry-After seconds (or -1) or a transport error.
  void Attempt(const HttpRequest& request, double timeout_s, long* status, std::string* body,
               double* retry_after_s, std::string* transport_error);
  void AcquireToken(Deadline deadline);
  double Jitter(double upper);
  void* TakeHandle();
  void ReturnHandle(void* handle);

  HttpClientOptions options_;
  std::vector<std::string> scrub_;  // secrets and their encodings, longest first
  std::mutex mu_;                   // guards the fields below
  std::vector<void*> handles_;      // idle CURL easy handles (keep connections alive)
  std::condition_variable slot_free_;
  uint32_t in_flight_ = 0;
  std::mt19937_64 rng_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point refill_;
};

// `"reason"` from a JSON error body ({"reason"|"message"|"error": ...}) or the
// body itself, shortened to `max` bytes.
std::string ReasonFromBody(const std::string& body, size_t max = 300);

// `s` percent-encoded (RFC 3986 unreserved characters kept), e.g. for a path segment.
std::string UrlEncode(const std::string& s);

// `text` on one line, cut to at most `max` bytes (on a UTF-8 boundary).
std::string ShortReason(std::string text, size_t max = 300);

// The deadline `seconds` from now.
Deadline DeadlineIn(double seconds);

// Lower-case hex SHA-256 of `text`, shortened to `chars`.
std::string Sha256Hex(const std::string& text, size_t chars = 64);

}  // namespace aud::connectors
