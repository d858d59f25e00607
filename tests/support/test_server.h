#pragma once
// A local server implementing the webhook contract of the `http` connector
// and the Autopilot REST API v1 subset of the `autopilot` connector, for tests
// and benchmarks. It listens on 127.0.0.1 (ephemeral port, bounded threads),
// stores what it receives, deduplicates by Idempotency-Key, counts requests,
// duplicates and Retry-After compliance, and injects faults on command
// (programmatically or through `/_control/...`; see tests/http/README.md).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace aud::testing {

// A fault the server injects instead of (or around) a normal answer.
struct Fault {
  enum Kind {
    TooManyRequests,  // 429 with Retry-After: retry_after_s; nothing applied
    ServerError,      // 500; nothing applied
    Unavailable,      // 503 with Retry-After: retry_after_s; nothing applied
    Delay,            // applies, then answers after delay_s (past the client's timeout)
    Reset,            // drops the connection without a complete reply; nothing applied
    ReplyLost,        // applies, then drops the connection ("committed but reply lost")
    Status,           // answers `status` (e.g. 400, 422) with a reason; nothing applied
    Hang,             // never answers: holds the request until the server stops (or delay_s)
  } kind = ServerError;
  int next = 0;            // for the next N matching requests (when > 0) ...
  double probability = 0;  // ... else with this probability (seeded, deterministic)
  int retry_after_s = 1;
  double delay_s = 1;
  int status = 400;
  std::string route;  // only paths starting with this ("": every API path)
};

// Reads a fault from its JSON form (`{"kind":"429","next":3,...}`, see README);
// false on a bad description.
bool FaultFromJson(const nlohmann::json& j, Fault* out, std::string* error);

// One API request as received (control requests are not recorded).
struct RecordedRequest {
  std::string method;
  std::string path;
  std::string headers;  // every header, `name: value` one per line
  std::string body;
};

// Counters of the server.
struct ServerStats {
  std::map<std::string, int> requests;  // "POST /v1/contacts" -> count (faulted ones included)
  int dedup_hits = 0;                   // requests answered from the Idempotency-Key store
  int duplicate_applications = 0;       // a change (method, path, body) applied more than once
  int max_applications_per_key = 0;     // the most times one Idempotency-Key was applied
  int faults_injected = 0;
  int retry_after_checks = 0;        // retries seen after a Retry-After answer
  int retry_after_violations = 0;    // ... arriving earlier than Retry-After said
  double min_retry_after_ratio = 0;  // smallest (gap / Retry-After) seen; 0 when none
  int rate_limited = 0;              // Autopilot: 429s for going over `rate_limit_per_sec`
  int bad_requests = 0;              // Autopilot: 400s (untyped custom key, > 100 contacts, ...)
  int max_bulk_contacts = 0;         // Autopilot: the most contacts seen in one `POST /v1/contacts`
  int total() const;
  nlohmann::json ToJson() const;
};

class TestServer {
 public:
  struct Options {
    std::string token;    // webhook: required `Authorization: Bearer <token>` ("" = none)
    std::string api_key;  // Autopilot: required `autopilotapikey` ("" = none)
    size_t threads = 16;  // bounded worker threads
    uint64_t seed = 1;    // for probabilistic faults
    // Autopilot: at most this many API requests in any second (429 above,
    // as Autopilot does at 5/s); 0: unlimited. The webhook is never limited.
    double rate_limit_per_sec = 5;
  };
  // One API request as it arrived.
  struct RequestRecord {
    std::string route;  // "POST /v1/contacts"
    double at_s = 0;    // arrival, seconds since the server started
    int status = 0;     // the answer (0: connection dropped)
  };
  explicit TestServer(Options options);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  int port() const { return port_; }
  // "http://127.0.0.1:<port>" + path.
  std::string Url(const std::string& path = "") const;

  void AddFault(const Fault& fault);
  void ClearFaults();
  // Rows (webhook keys, Autopilot emails) the server refuses with a reason.
  void RejectKeys(const std::set<std::string>& keys);
  // Autopilot: these emails are left out of `email_contact_map` (and not
  // saved) by `POST /v1/contacts`, the rest of the call succeeding.
  void OmitFromContactMap(const std::set<std::string>& emails);
  // Error bodies and rejection reasons echo every request header (the canary test).
  void EchoHeaders(bool on);
  // Whole-request rejections (`Status` faults) echo the request's
  // credential (the `Authorization` bearer token or `autopilotapikey`) in
  // EncodedVariants(...)[variant], raw inside the JSON body; -1: off.
  void EchoVariants(int variant);
  // A value as a server might echo it inside a JSON string: [0] percent
  // encoded, lower-case hex, every byte; [1] form encoded (`+` for a space,
  // upper-case hex); [2] `\\u00XX` for every byte; [3] JSON with `\\/`.
  static std::vector<std::string> EncodedVariants(const std::string& value);
  // Every API request received so far, in arrival order.
  std::vector<RecordedRequest> Requests() const;
  // Autopilot: gives list `list_id` a new title (as a user renaming it in Autopilot).
  void RenameList(const std::string& list_id, const std::string& title);
  // Forgets everything received and every counter (faults and rejections stay).
  void ResetState();

  // Webhook: (audience, key) -> {"identities": ..., "fields": ...}.
  std::map<std::pair<std::string, std::string>, nlohmann::json> WebhookMembers() const;
  // Autopilot: list_id -> title; email -> contact; list_id -> member emails.
  std::map<std::string, std::string> Lists() const;
  std::map<std::string, nlohmann::json> Contacts() const;
  std::map<std::string, std::set<std::string>> ListMembers() const;
  ServerStats Stats() const;
  // Every API request in arrival order (webhook and Autopilot): route,
  // arrival time and status, for rate and count checks.
  std::vector<RequestRecord> RequestLog() const;
  // Autopilot: custom field name -> the type it was created with.
  std::map<std::string, std::string> CustomFieldTypes() const;
  // The whole stored state as JSON (also GET /_control/state).
  nlohmann::json StateJson() const;

 private:
  struct Answer {
    int status = 200;
    std::string body;
  };
  // The common path of every API request: auth, idempotency, faults, apply.
  void Handle(const httplib::Request& req, httplib::Response& res, const std::string& route,
              bool webhook);
  Answer Apply(const httplib::Request& req, bool webhook);  // mu_ held
  Answer ApplyWebhook(const nlohmann::json& body, const std::string& headers);
  Answer ApplyAutopilot(const httplib::Request& req, const nlohmann::json& body,
                        const std::string& headers);
  bool PickFault(const std::string& path, Fault* out);  // mu_ held
  void Control(const httplib::Request& req, httplib::Response& res);
  std::string HeaderText(const httplib::Request& req) const;
  std::string VariantText(const httplib::Request& req) const;  // JSON string content, mu_ held
  bool Refused(const std::string& key, const nlohmann::json& contact) const;
  // "" when `contact` follows Autopilot's rules (typed custom keys of a fixed
  // type, a known `_autopilot_list`), else why not.
  // `types` (custom field name -> type) gains the fields the contact creates.
  std::string ContactError(const nlohmann::json& contact,
                           std::map<std::string, std::string>* types) const;  // mu_ held
  void SaveContact(const nlohmann::json& contact);                            // mu_ held
  bool OverRate(std::chrono::steady_clock::time_point now);                   // mu_ held

  Options options_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;

  mutable std::mutex mu_;  // guards everything below
  std::mt19937_64 rng_;
  std::vector<Fault> faults_;
  std::set<std::string> reject_;
  std::set<std::string> omit_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::vector<RequestRecord> log_;
  std::vector<std::chrono::steady_clock::time_point> admitted_;  // Autopilot, last second
  std::map<std::string, std::string> custom_types_;
  bool echo_ = false;
  int echo_variant_ = -1;
  bool stopping_ = false;
  std::condition_variable stop_cv_;  // wakes Hang faults when the server stops
  std::vector<RecordedRequest> requests_;
  ServerStats stats_;
  std::map<std::string, Answer> idempotent_;  // Idempotency-Key -> first answer
  std::map<std::string, int> applied_per_key_;
  std::map<std::string, int> applied_changes_;  // method path body-hash -> times applied
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, int>> retry_after_;
  std::map<std::pair<std::string, std::string>, nlohmann::json> members_;
  std::map<std::string, std::string> lists_;
  std::map<std::string, nlohmann::json> contacts_;
  std::map<std::string, std::set<std::string>> list_members_;
  int next_list_ = 1;
};

}  // namespace aud::testing
