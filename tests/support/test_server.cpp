// The local webhook + Autopilot server (test_server.h), on cpp-httplib.
#include "tests/support/test_server.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <stdexcept>

namespace aud::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string ErrorBody(const std::string& error, const std::string& message) {
  return Dump({{"error", error}, {"message", message}});
}

// Applies Autopilot's upsert rule: given fields replace, `custom` merges.
void Upsert(nlohmann::json& stored, const nlohmann::json& contact) {
  if (!stored.is_object()) stored = nlohmann::json::object();
  for (auto it = contact.begin(); it != contact.end(); ++it) {
    if (it.key() == "custom" && it->is_object()) {
      for (auto c = it->begin(); c != it->end(); ++c) stored["custom"][c.key()] = *c;
    } else {
      stored[it.key()] = *it;
    }
  }
}

// Autopilot's standard contact fields; anything else must go under `custom`.
bool StandardField(const std::string& name) {
  static const std::set<std::string> standard = {
      "Email",          "FirstName",         "LastName",     "Salutation",
      "Company",        "NumberOfEmployees", "Title",        "Industry",
      "Phone",          "MobilePhone",       "Fax",          "Website",
      "MailingStreet",  "MailingCity",       "MailingState", "MailingPostalCode",
      "MailingCountry", "owner_name",        "LeadSource",   "Status",
      "LinkedIn",       "Twitter",           "unsubscribed"};
  return standard.count(name) > 0;
}

// Whether `v` is a value of Autopilot field type `type` (null clears any field).
bool OfType(const nlohmann::json& v, const std::string& type) {
  if (v.is_null()) return true;
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "float") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "date") {
    // ISO 8601: at least YYYY-MM-DD.
    if (!v.is_string()) return false;
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
      if (!std::isdigit(static_cast<unsigned char>(s[static_cast<size_t>(i)]))) return false;
    return true;
  }
  return false;
}

}  // namespace

int ServerStats::total() const {
  int n = 0;
  for (const auto& [route, count] : requests) n += count;
  return n;
}

nlohmann::json ServerStats::ToJson() const {
  return {{"requests", requests},
          {"total", total()},
          {"dedup_hits", dedup_hits},
          {"duplicate_applications", duplicate_applications},
          {"max_applications_per_key", max_applications_per_key},
          {"faults_injected", faults_injected},
          {"retry_after_checks", retry_after_checks},
          {"retry_after_violations", retry_after_violations},
          {"min_retry_after_ratio", min_retry_after_ratio},
          {"rate_limited", rate_limited},
          {"bad_requests", bad_requests},
          {"max_bulk_contacts", max_bulk_contacts}};
}

bool FaultFromJson(const nlohmann::json& j, Fault* out, std::string* error) {
  if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string()) {
    *error = "a fault needs a string `kind`";
    return false;
  }
  static const std::map<std::string, Fault::Kind> kinds = {
      {"429", Fault::TooManyRequests}, {"500", Fault::ServerError},
      {"503", Fault::Unavailable},     {"delay", Fault::Delay},
      {"reset", Fault::Reset},         {"reply_lost", Fault::ReplyLost},
      {"status", Fault::Status},       {"hang", Fault::Hang}};
  auto k = kinds.find(j["kind"].get<std::string>());
  if (k == kinds.end()) {
    *error = "unknown fault kind";
    return false;
  }
  Fault f;
  f.kind = k->second;
  try {
    f.next = j.value("next", 0);
    f.probability = j.value("probability", 0.0);
    f.retry_after_s = j.value("retry_after", 1);
    f.delay_s = j.value("delay_ms", 1000) / 1000.0;
    f.status = j.value("status", 400);
    f.route = j.value("route", std::string());
  } catch (const nlohmann::json::exception&) {
    *error = "a fault field has the wrong type";
    return false;
  }
  if (f.next <= 0 && f.probability <= 0) {
    *error = "a fault needs `next` > 0 or `probability` > 0";
    return false;
  }
  *out = f;
  return true;
}

TestServer::TestServer(Options options) : options_(std::move(options)), rng_(options_.seed) {
  server_ = std::make_unique<httplib::Server>();
  size_t threads = std::max<size_t>(2, options_.threads);
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_keep_alive_timeout(1);
  // Headers and body are separate writes: without this, Nagle's algorithm and
  // the client's delayed ACK add ~40 ms to every answer.
  server_->set_tcp_nodelay(true);
  server_->set_read_timeout(5, 0);
  server_->set_write_timeout(5, 0);
  auto route = [this](const std::string& name, bool webhook) {
    return [this, name, webhook](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res, name, webhook);
    };
  };
  server_->Post("/hook", route("POST /hook", true));
  server_->Get("/v1/lists", route("GET /v1/lists", false));
  server_->Post("/v1/list", route("POST /v1/list", false));
  server_->Post("/v1/contacts", route("POST /v1/contacts", false));
  server_->Post("/v1/contact", route("POST /v1/contact", false));
  server_->Post(R"(/v1/list/([^/]+)/contact/([^/]+))",
                route("POST /v1/list/:id/contact/:email", false));
  server_->Delete(R"(/v1/list/([^/]+)/contact/([^/]+))",
                  route("DELETE /v1/list/:id/contact/:email", false));
  auto control = [this](const httplib::Request& req, httplib::Response& res) { Control(req, res); };
  server_->Post(R"(/_control/(\w+))", control);
  server_->Get(R"(/_control/(\w+))", control);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // Bounded wait for the accept loop (listen_after_bind sets is_running).
  for (int i = 0; i < 500 && !server_->is_running(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

TestServer::~TestServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string TestServer::Url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void TestServer::AddFault(const Fault& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(fault);
}

void TestServer::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

void TestServer::RejectKeys(const std::set<std::string>& keys) {
  std::lock_guard<std::mutex> lock(mu_);
  reject_ = keys;
}

void TestServer::EchoVariants(int variant) {
  std::lock_guard<std::mutex> lock(mu_);
  echo_variant_ = variant;
}

std::vector<RecordedRequest> TestServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void TestServer::OmitFromContactMap(const std::set<std::string>& emails) {
  std::lock_guard<std::mutex> lock(mu_);
  omit_ = emails;
}

void TestServer::RenameList(const std::string& list_id, const std::string& title) {
  std::lock_guard<std::mutex> lock(mu_);
  if (lists_.count(list_id)) lists_[list_id] = title;
}

void TestServer::EchoHeaders(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  echo_ = on;
}

void TestServer::ResetState() {
  std::lock_guard<std::mutex> lock(mu_);
  stats_ = ServerStats();
  idempotent_.clear();
  applied_per_key_.clear();
  applied_changes_.clear();
  retry_after_.clear();
  requests_.clear();
  members_.clear();
  lists_.clear();
  contacts_.clear();
  list_members_.clear();
  log_.clear();
  admitted_.clear();
  custom_types_.clear();
}

std::map<std::pair<std::string, std::string>, nlohmann::json> TestServer::WebhookMembers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return members_;
}

std::map<std::string, std::string> TestServer::Lists() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lists_;
}

std::map<std::string, nlohmann::json> TestServer::Contacts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return contacts_;
}

std::map<std::string, std::set<std::string>> TestServer::ListMembers() const {
  std::lock_guard<std::mutex> lock(mu_);
  return list_members_;
}

std::vector<TestServer::RequestRecord> TestServer::RequestLog() const {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

std::map<std::string, std::string> TestServer::CustomFieldTypes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return custom_types_;
}

bool TestServer::OverRate(Clock::time_point now) {
  double rate = options_.rate_limit_per_sec;
  if (rate <= 0) return false;
  // A sliding window of one second over the requests let through.
  while (!admitted_.empty() && now - admitted_.front() >= std::chrono::seconds(1))
    admitted_.erase(admitted_.begin());
  if (static_cast<double>(admitted_.size()) + 1 > rate) return true;
  admitted_.push_back(now);
  return false;
}

ServerStats TestServer::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

nlohmann::json TestServer::StateJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  nlohmann::json webhook = nlohmann::json::array();
  for (const auto& [k, v] : members_)
    webhook.push_back({{"audience", k.first}, {"key", k.second}, {"member", v}});
  nlohmann::json lists = nlohmann::json::array();
  for (const auto& [id, title] : lists_) {
    auto m = list_members_.find(id);
    lists.push_back({{"list_id", id},
                     {"title", title},
                     {"members", m == list_members_.end() ? std::set<std::string>() : m->second}});
  }
  return {{"webhook", webhook}, {"lists", lists}, {"contacts", contacts_}};
}

std::string TestServer::HeaderText(const httplib::Request& req) const {
  std::string out = "request headers:";
  for (const auto& [name, value] : req.headers) out += " " + name + "=" + value + ";";
  return out;
}

std::vector<std::string> TestServer::EncodedVariants(const std::string& value) {
  static const char* lower = "0123456789abcdef";
  static const char* upper = "0123456789ABCDEF";
  std::string pct, form, uesc, slash;
  for (unsigned char c : value) {
    pct += '%';
    pct += lower[c >> 4];
    pct += lower[c & 15];
    if (std::isalnum(c)) {
      form += static_cast<char>(c);
    } else if (c == ' ') {
      form += '+';
    } else {
      form += '%';
      form += upper[c >> 4];
      form += upper[c & 15];
    }
    char u[8];
    std::snprintf(u, sizeof u, "\\u%04x", c);
    uesc += u;
    if (c == '/') {
      slash += "\\/";
    } else if (c == '"' || c == '\\') {
      slash += '\\';
      slash += static_cast<char>(c);
    } else if (c < 0x20) {
      slash += u;
    } else {
      slash += static_cast<char>(c);
    }
  }
  return {pct, form, uesc, slash};
}

std::string TestServer::VariantText(const httplib::Request& req) const {
  std::string secret = req.get_header_value("autopilotapikey");
  std::string auth = req.get_header_value("Authorization");
  if (auth.rfind("Bearer ", 0) == 0) secret = auth.substr(7);
  auto v = EncodedVariants(secret);
  return "credential echoed: " + v[static_cast<size_t>(echo_variant_) % v.size()];
}

bool TestServer::PickFault(const std::string& path, Fault* out) {
  for (Fault& f : faults_) {
    if (!f.route.empty() && path.rfind(f.route, 0) != 0) continue;
    if (f.next > 0) {
      --f.next;
      *out = f;
      return true;
    }
    if (f.probability > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < f.probability) {
      *out = f;
      return true;
    }
  }
  return false;
}

void TestServer::Handle(const httplib::Request& req, httplib::Response& res,
                        const std::string& route, bool webhook) {
  std::string idem = req.get_header_value("Idempotency-Key");
  std::string change =
      req.method + " " + req.path + " " + std::to_string(std::hash<std::string>{}(req.body));
  std::string retry_id = idem.empty() ? change : "key:" + idem;
  Answer answer;
  int retry_after = -1;
  bool drop = false;
  double delay = 0;
  double hang = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto now = Clock::now();
    stats_.requests[route]++;
    {
      RecordedRequest r{req.method, req.path, "", req.body};
      for (const auto& [name, value] : req.headers) r.headers += name + ": " + value + "\n";
      requests_.push_back(std::move(r));
    }
    log_.push_back({route, std::chrono::duration<double>(now - started_).count(), 0});
    size_t record = log_.size() - 1;
    std::string headers = echo_ ? " " + HeaderText(req) : "";
    if (auto it = retry_after_.find(retry_id); it != retry_after_.end()) {
      double gap = std::chrono::duration<double>(now - it->second.first).count();
      double ratio = gap / it->second.second;
      stats_.retry_after_checks++;
      if (stats_.min_retry_after_ratio == 0 || ratio < stats_.min_retry_after_ratio)
        stats_.min_retry_after_ratio = ratio;
      // A little slack for the clocks of two processes' threads.
      if (gap < it->second.second - 0.02) stats_.retry_after_violations++;
      retry_after_.erase(it);
    }
    bool authorized = webhook ? options_.token.empty() || req.get_header_value("Authorization") ==
                                                              "Bearer " + options_.token
                              : options_.api_key.empty() ||
                                    req.get_header_value("autopilotapikey") == options_.api_key;
    Fault fault;
    if (!authorized) {
      answer = {401, ErrorBody("unauthorized", "invalid credentials." + headers)};
    } else if (!webhook && OverRate(now)) {
      // Autopilot's answer above its limit (nothing applied; try again in a second).
      stats_.rate_limited++;
      answer = {429,
                ErrorBody("Too Many Requests",
                          "You have exceeded the rate limit of requests per second." + headers)};
      retry_after = 1;
      retry_after_[retry_id] = {now, retry_after};
    } else if (auto it = idempotent_.find(idem); !idem.empty() && it != idempotent_.end()) {
      stats_.dedup_hits++;
      answer = it->second;
    } else if (PickFault(req.path, &fault)) {
      stats_.faults_injected++;
      switch (fault.kind) {
        case Fault::TooManyRequests:
        case Fault::Unavailable:
          answer = {fault.kind == Fault::TooManyRequests ? 429 : 503,
                    ErrorBody("try later", "injected fault." + headers)};
          // 429 always says when to come back; 503 only when asked to.
          if (fault.kind == Fault::TooManyRequests || fault.retry_after_s > 0) {
            retry_after = std::max(0, fault.retry_after_s);
            if (retry_after > 0) retry_after_[retry_id] = {now, retry_after};
          }
          break;
        case Fault::ServerError:
          answer = {500, ErrorBody("internal", "injected fault." + headers)};
          break;
        case Fault::Status:
          answer = {fault.status, Dump({{"reason", "injected status." + headers}})};
          // Raw JSON text: the escapes must reach the client as escapes.
          if (echo_variant_ >= 0)
            answer.body = "{\"reason\":\"injected status. " + VariantText(req) + "\"}";
          break;
        case Fault::Hang: hang = fault.delay_s; break;
        case Fault::Reset: drop = true; break;
        case Fault::ReplyLost: drop = true; [[fallthrough]];
        case Fault::Delay:
          answer = Apply(req, webhook);
          if (fault.kind == Fault::Delay) delay = fault.delay_s;
          break;
      }
    } else {
      answer = Apply(req, webhook);
    }
    log_[record].status = drop ? 0 : answer.status;
  }
  if (delay > 0) std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  if (hang > 0) {
    // No answer until the server stops or `delay_s` passes; then the
    // connection is dropped without a reply.
    std::unique_lock<std::mutex> lock(mu_);
    stop_cv_.wait_for(lock, std::chrono::duration<double>(hang), [&] { return stopping_; });
    drop = true;
  }
  if (drop) {
    // Headers go out, then the body never does: the client sees a cut reply.
    res.status = 200;
    res.set_content_provider(64, "application/json",
                             [](size_t, size_t, httplib::DataSink&) { return false; });
    return;
  }
  res.status = answer.status;
  if (retry_after >= 0) res.set_header("Retry-After", std::to_string(retry_after));
  res.set_content(answer.body, "application/json");
}

TestServer::Answer TestServer::Apply(const httplib::Request& req, bool webhook) {
  std::string idem = req.get_header_value("Idempotency-Key");
  std::string headers = echo_ ? " " + HeaderText(req) : "";
  auto body =
      req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  Answer answer;
  if (body.is_discarded() || !body.is_object())
    answer = {400, Dump({{"reason", "malformed JSON body." + headers}})};
  else if (webhook)
    answer = ApplyWebhook(body, headers);
  else
    answer = ApplyAutopilot(req, body, headers);
  if (!webhook && answer.status == 400) stats_.bad_requests++;
  if (req.method != "GET" && answer.status >= 200 && answer.status < 300) {
    std::string change =
        req.method + " " + req.path + " " + std::to_string(std::hash<std::string>{}(req.body));
    if (++applied_changes_[change] > 1) stats_.duplicate_applications++;
  }
  if (!idem.empty()) {
    // Only final answers are remembered: a retryable one would be retried.
    if (answer.status < 500 && answer.status != 429) idempotent_[idem] = answer;
    stats_.max_applications_per_key =
        std::max(stats_.max_applications_per_key, ++applied_per_key_[idem]);
  }
  return answer;
}

bool TestServer::Refused(const std::string& key, const nlohmann::json& contact) const {
  (void)contact;
  return reject_.count(key) > 0;
}

std::string TestServer::ContactError(const nlohmann::json& contact,
                                     std::map<std::string, std::string>* types) const {
  for (auto it = contact.begin(); it != contact.end(); ++it) {
    const std::string& k = it.key();
    if (k == "custom" || k == "_autopilot_list" || StandardField(k)) continue;
    return "unknown contact field " + k + "; custom fields go under custom.";
  }
  if (contact.contains("_autopilot_list")) {
    const auto& l = contact["_autopilot_list"];
    if (!l.is_string() || !lists_.count(l.get<std::string>()))
      return "_autopilot_list names no list.";
  }
  if (!contact.contains("custom")) return "";
  if (!contact["custom"].is_object()) return "custom must be an object.";
  for (auto it = contact["custom"].begin(); it != contact["custom"].end(); ++it) {
    const std::string& k = it.key();
    size_t sep = k.find("--");
    std::string type = sep == std::string::npos ? "" : k.substr(0, sep);
    std::string name = sep == std::string::npos ? "" : k.substr(sep + 2);
    static const std::set<std::string> kTypes = {"string", "integer", "float", "boolean", "date"};
    if (!kTypes.count(type) || name.empty() || name.find(' ') != std::string::npos)
      return "custom field " + k + " is not named <type>--<Name> (type string, integer, float, " +
             "boolean or date; spaces written --).";
    if (!OfType(*it, type))
      return "custom field " + k + " holds a value that is not a " + type + ".";
    auto [known, inserted] = types->emplace(name, type);
    if (!inserted && known->second != type)
      return "custom field " + name + " exists with type " + known->second + ", not " + type + ".";
  }
  return "";
}

void TestServer::SaveContact(const nlohmann::json& contact) {
  std::string email = contact["Email"];
  nlohmann::json fields = contact;
  fields.erase("_autopilot_list");
  Upsert(contacts_[email], fields);
  if (contact.contains("custom"))
    for (auto it = contact["custom"].begin(); it != contact["custom"].end(); ++it) {
      size_t sep = it.key().find("--");
      custom_types_.emplace(it.key().substr(sep + 2), it.key().substr(0, sep));
    }
  if (contact.contains("_autopilot_list"))
    list_members_[contact["_autopilot_list"].get<std::string>()].insert(email);
}

TestServer::Answer TestServer::ApplyWebhook(const nlohmann::json& body,
                                            const std::string& headers) {
  if (!body.contains("audience") || !body["audience"].is_string() ||
      !body.value("upserts", nlohmann::json()).is_array() ||
      !body.value("removes", nlohmann::json()).is_array())
    return {400, Dump({{"reason", "expected audience, upserts and removes." + headers}})};
  std::string audience = body["audience"];
  // Validate first so a refused request changes nothing.
  for (const auto& u : body["upserts"])
    if (!u.is_object() || !u.contains("key") || !u["key"].is_string())
      return {400, Dump({{"reason", "every upsert needs a string key." + headers}})};
  for (const auto& r : body["removes"])
    if (!r.is_object() || !r.contains("key") || !r["key"].is_string())
      return {400, Dump({{"reason", "every remove needs a string key." + headers}})};
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& u : body["upserts"]) {
    std::string key = u["key"];
    if (Refused(key, u)) {
      rejected.push_back({{"key", key}, {"reason", "key " + key + " is refused." + headers}});
      continue;
    }
    members_[{audience, key}] = {{"identities", u.value("identities", nlohmann::json::object())},
                                 {"fields", u.value("fields", nlohmann::json::object())}};
  }
  for (const auto& r : body["removes"]) {
    std::string key = r["key"];
    if (Refused(key, r)) {
      rejected.push_back({{"key", key}, {"reason", "key " + key + " is refused." + headers}});
      continue;
    }
    members_.erase({audience, key});
  }
  return {200, Dump({{"rejected", rejected}})};
}

TestServer::Answer TestServer::ApplyAutopilot(const httplib::Request& req,
                                              const nlohmann::json& body,
                                              const std::string& headers) {
  auto bad = [&](const std::string& message) {
    return Answer{400, ErrorBody("Bad Request", message + headers)};
  };
  auto valid_contact = [&](const nlohmann::json& c, std::string* why) {
    if (!c.is_object() || !c.contains("Email") || !c["Email"].is_string()) {
      *why = "a contact needs an Email.";
      return false;
    }
    std::string email = c["Email"];
    if (email.find('@') == std::string::npos || Refused(email, c)) {
      *why = "invalid email " + email + ".";
      return false;
    }
    return true;
  };
  if (req.method == "GET" && req.path == "/v1/lists") {
    nlohmann::json lists = nlohmann::json::array();
    for (const auto& [id, title] : lists_) lists.push_back({{"list_id", id}, {"title", title}});
    return {200, Dump({{"lists", lists}})};
  }
  if (req.path == "/v1/list") {
    if (!body.contains("name") || !body["name"].is_string()) return bad("a list needs a name.");
    std::string id = "contactlist_" + std::to_string(next_list_++);
    lists_[id] = body["name"];
    return {200, Dump({{"list_id", id}})};
  }
  if (req.path == "/v1/contacts") {
    if (!body.contains("contacts") || !body["contacts"].is_array())
      return bad("expected a contacts array.");
    stats_.max_bulk_contacts =
        std::max(stats_.max_bulk_contacts, static_cast<int>(body["contacts"].size()));
    if (body["contacts"].size() > 100) return bad("at most 100 contacts per call.");
    // Validated first, so a refused call changes nothing.
    std::string why;
    for (const auto& c : body["contacts"])
      if (!valid_contact(c, &why)) return bad(why);
    auto types = custom_types_;
    for (const auto& c : body["contacts"])
      if (std::string e = ContactError(c, &types); !e.empty()) return bad(e);
    nlohmann::json ids = nlohmann::json::array();
    nlohmann::json map = nlohmann::json::object();
    for (const auto& c : body["contacts"]) {
      std::string email = c["Email"];
      if (omit_.count(email)) continue;  // not saved, so not in the map
      SaveContact(c);
      ids.push_back("person_" + email);
      map[email] = "person_" + email;
    }
    return {200, Dump({{"contact_ids", ids}, {"email_contact_map", map}})};
  }
  if (req.path == "/v1/contact") {
    std::string why;
    if (!body.contains("contact") || !valid_contact(body["contact"], &why))
      return bad(why.empty() ? "expected a contact." : why);
    auto types = custom_types_;
    if (std::string e = ContactError(body["contact"], &types); !e.empty()) return bad(e);
    SaveContact(body["contact"]);
    return {200, Dump({{"contact_id", "person_" + body["contact"]["Email"].get<std::string>()}})};
  }
  if (req.matches.size() == 3) {
    std::string id = req.matches[1], email = req.matches[2];
    if (!lists_.count(id)) return {404, ErrorBody("Not Found", "no list " + id + "." + headers)};
    if (req.method == "DELETE") {
      if (!list_members_[id].erase(email))
        return {404, ErrorBody("Not Found", "contact is not on the list." + headers)};
      return {200, "{}"};
    }
    if (!contacts_.count(email))
      return {404, ErrorBody("Not Found", "no contact " + email + "." + headers)};
    list_members_[id].insert(email);
    return {200, "{}"};
  }
  return {404, ErrorBody("Not Found", "unknown route." + headers)};
}

void TestServer::Control(const httplib::Request& req, httplib::Response& res) {
  std::string what = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  auto body =
      req.body.empty() ? nlohmann::json::object() : nlohmann::json::parse(req.body, nullptr, false);
  auto reply = [&](int status, const nlohmann::json& j) {
    res.status = status;
    res.set_content(Dump(j), "application/json");
  };
  if (req.method == "GET" && what == "stats") return reply(200, Stats().ToJson());
  if (req.method == "GET" && what == "state") return reply(200, StateJson());
  if (req.method != "POST") return reply(404, {{"error", "unknown control"}});
  if (what == "fault") {
    Fault f;
    std::string error;
    if (!FaultFromJson(body, &f, &error)) return reply(400, {{"error", error}});
    AddFault(f);
    return reply(200, nlohmann::json::object());
  }
  if (what == "clear") {
    ClearFaults();
    return reply(200, nlohmann::json::object());
  }
  if (what == "reset") {
    ResetState();
    return reply(200, nlohmann::json::object());
  }
  if (what == "echo") {
    EchoHeaders(body.is_object() && body.value("on", false));
    return reply(200, nlohmann::json::object());
  }
  if (what == "reject") {
    std::set<std::string> keys;
    if (body.is_object() && body.contains("keys") && body["keys"].is_array())
      for (const auto& k : body["keys"])
        if (k.is_string()) keys.insert(k.get<std::string>());
    RejectKeys(keys);
    return reply(200, nlohmann::json::object());
  }
  if (what == "omit") {
    std::set<std::string> emails;
    if (body.is_object() && body.contains("emails") && body["emails"].is_array())
      for (const auto& e : body["emails"])
        if (e.is_string()) emails.insert(e.get<std::string>());
    OmitFromContactMap(emails);
    return reply(200, nlohmann::json::object());
  }
  reply(404, {{"error", "unknown control"}});
}

}  // namespace aud::testing
