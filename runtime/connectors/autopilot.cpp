// The `autopilot` connector: Autopilot's REST API v1. A publication is a
// list named after the audience; members are contacts (keyed by email)
// upserted in bulk, then added to / removed from the list one by one. Every
// request is idempotent in effect and carries an Idempotency-Key derived from
// the batch key, so a re-sent batch changes nothing (README.md).
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/http_client.h"
#include "runtime/connectors/http_options.h"

namespace aud::connectors {
namespace {

// The API takes at most this many contacts per upsert.
constexpr size_t kMaxContacts = 100;

// Field names Autopilot stores as standard contact fields; others go under `custom`.
bool StandardField(const std::string& name) {
  return name == "Email" || name == "FirstName" || name == "LastName";
}

class AutopilotConnector : public Connector {
 public:
  AutopilotConnector(std::string name, std::string endpoint, Secret key, Limits limits,
                     HttpClientOptions options, double deadline_s)
      : name_(std::move(name)),
        endpoint_(std::move(endpoint)),
        key_(std::move(key)),
        limits_(limits),
        client_(std::move(options)),
        deadline_s_(deadline_s) {}

  Limits limits() const override { return limits_; }

  std::string Begin(const Publication& pub) override {
    std::string list_id;
    uint32_t attempts = 0;
    bool auth = false;
    return FindOrCreateList(pub, &list_id, &attempts, &auth);
  }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    BatchResult result;
    result.attempts = 0;
    Deadline deadline = DeadlineIn(deadline_s_);
    std::string list_id;
    if (std::string err = FindOrCreateList(pub, &list_id, &result.attempts, &result.auth_error);
        !err.empty()) {
      result.error = err;
      return result;
    }
    std::map<std::string, std::string> rejected;  // key -> reason

    // 1. Contacts, in bulk (at most 100 per call).
    std::vector<const Row*> rows;
    for (const Row& row : batch.upserts) rows.push_back(&row);
    std::vector<HttpRequest> upserts;
    std::vector<std::vector<const Row*>> chunks;
    for (size_t i = 0; i < rows.size(); i += kMaxContacts) {
      chunks.emplace_back(rows.begin() + i, rows.begin() + std::min(rows.size(), i + kMaxContacts));
      nlohmann::json contacts = nlohmann::json::array();
      for (const Row* row : chunks.back()) contacts.push_back(Contact(*row));
      upserts.push_back(Request("POST", "/v1/contacts", DumpJson({{"contacts", contacts}}),
                                batch.idempotency_key,
                                "contacts:" + std::to_string(chunks.size())));
    }
    std::vector<HttpResponse> answers = client_.SendAll(upserts, deadline);
    std::vector<const Row*> singles;  // rows of chunks refused as a whole: sent one by one
    for (size_t c = 0; c < answers.size(); ++c) {
      if (!Final(answers[c], &result)) return result;
      if (!answers[c].ok()) singles.insert(singles.end(), chunks[c].begin(), chunks[c].end());
    }
    if (!singles.empty()) {
      std::vector<HttpRequest> one;
      for (const Row* row : singles)
        one.push_back(Request("POST", "/v1/contact", DumpJson({{"contact", Contact(*row)}}),
                              batch.idempotency_key, "contact:" + row->key));
      answers = client_.SendAll(one, deadline);
      for (size_t i = 0; i < answers.size(); ++i) {
        if (!Final(answers[i], &result)) return result;
        if (!answers[i].ok()) rejected[singles[i]->key] = Reason(answers[i]);
      }
    }

    // 2. List membership: entering contacts are added, exiting ones removed.
    std::vector<HttpRequest> members;
    std::vector<std::string> member_keys;
    std::vector<bool> is_remove;
    std::string list_path = "/v1/list/" + UrlEncode(list_id) + "/contact/";
    for (const Row& row : batch.upserts) {
      // Updates are already members; re-adding would only cost a request.
      if (row.op != Row::Enter || rejected.count(row.key)) continue;
      members.push_back(Request("POST", list_path + UrlEncode(row.key), "", batch.idempotency_key,
                                "add:" + row.key));
      member_keys.push_back(row.key);
      is_remove.push_back(false);
    }
    for (const std::string& key : batch.removes) {
      members.push_back(Request("DELETE", list_path + UrlEncode(key), "", batch.idempotency_key,
                                "remove:" + key));
      member_keys.push_back(key);
      is_remove.push_back(true);
    }
    answers = client_.SendAll(members, deadline);
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!Final(answers[i], &result)) return result;
      // Removing a contact that is not on the list is already done.
      if (answers[i].ok() || (is_remove[i] && answers[i].status == 404)) continue;
      rejected[member_keys[i]] = Reason(answers[i]);
    }
    for (auto& [key, reason] : rejected) result.rejected.push_back({key, reason});
    return result;
  }

 private:
  // A request to the API with the key header and a sub-request idempotency key.
  HttpRequest Request(const std::string& method, const std::string& path, std::string body,
                      const std::string& batch_key, const std::string& part) const {
    HttpRequest r;
    r.method = method;
    r.url = endpoint_ + path;
    r.body = std::move(body);
    r.headers.emplace_back("autopilotapikey", key_.reveal());
    // An empty batch key (tests only) sends no header.
    if (!batch_key.empty())
      r.headers.emplace_back("Idempotency-Key", Sha256Hex(batch_key + "\n" + part, 32));
    return r;
  }

  nlohmann::json Contact(const Row& row) const {
    nlohmann::json c = {{"Email", row.key}};
    nlohmann::json custom = nlohmann::json::object();
    for (const Field& f : row.fields) {
      if (f.name == "Email") continue;  // the key identity is the email
      if (StandardField(f.name))
        c[f.name] = FieldValueJson(f.value);
      else
        custom[f.name] = FieldValueJson(f.value);
    }
    if (!custom.empty()) c["custom"] = std::move(custom);
    return c;
  }

  // Adds the answer's attempts; false (with the result's error set) when the
  // batch cannot be confirmed: a transport error, a timeout or refused credentials.
  bool Final(const HttpResponse& a, BatchResult* result) const {
    result->attempts += a.attempts;
    if (!a.error.empty()) {
      result->error = a.error;
      return false;
    }
    if (a.status == 401 || a.status == 403) {
      result->auth_error = true;
      result->error = AuthError(a.status);
      return false;
    }
    if (a.ok() || (a.status >= 400 && a.status < 500)) return true;
    result->error = "connection `" + name_ + "`: unexpected HTTP status " +
                    std::to_string(a.status) + " from Autopilot";
    return false;
  }

  std::string Reason(const HttpResponse& a) const {
    return "HTTP " + std::to_string(a.status) + ": " + ReasonFromBody(a.body);
  }

  std::string AuthError(long status) const {
    return "connection `" + name_ + "`: Autopilot refused the API key (HTTP " +
           std::to_string(status) + "); check `api_key`";
  }

  // The list of `pub.audience`, found by title or created (remembered per audience).
  // Adds the requests made to `attempts`; `auth` is set when the key was refused.
  std::string FindOrCreateList(const Publication& pub, std::string* list_id, uint32_t* attempts,
                               bool* auth) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = lists_.find(pub.audience);
      if (it != lists_.end()) {
        *list_id = it->second;
        return "";
      }
    }
    // One lookup at a time, so concurrent batches never create the list twice.
    std::lock_guard<std::mutex> begin(begin_mu_);
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = lists_.find(pub.audience);
      if (it != lists_.end()) {
        *list_id = it->second;
        return "";
      }
    }
    Deadline deadline = DeadlineIn(deadline_s_);
    HttpResponse got = client_.Send(Request("GET", "/v1/lists", "", "", ""), deadline);
    *attempts += got.attempts;
    if (std::string err = ListError(got, "listing the lists", auth); !err.empty()) return err;
    auto json = nlohmann::json::parse(got.body, nullptr, false);
    if (!json.is_object() || !json.contains("lists") || !json["lists"].is_array())
      return "connection `" + name_ + "`: `GET /v1/lists` answered without a `lists` array";
    for (const auto& l : json["lists"]) {
      if (l.is_object() && l.value("title", nlohmann::json()) == pub.audience &&
          l.contains("list_id") && l["list_id"].is_string()) {
        *list_id = l["list_id"].get<std::string>();
        break;
      }
    }
    if (list_id->empty()) {
      // Keyed by the apply (applied_at), so a lost reply is not a second list.
      HttpResponse made = client_.Send(
          Request("POST", "/v1/list", DumpJson({{"name", pub.audience}}),
                  "list:" + pub.destination + ":" + std::to_string(pub.applied_at), pub.audience),
          deadline);
      *attempts += made.attempts;
      if (std::string err = ListError(made, "creating the list", auth); !err.empty()) return err;
      auto created = nlohmann::json::parse(made.body, nullptr, false);
      if (!created.is_object() || !created.contains("list_id") || !created["list_id"].is_string())
        return "connection `" + name_ + "`: `POST /v1/list` answered without a `list_id`";
      *list_id = created["list_id"].get<std::string>();
    }
    if (list_id->empty()) return "connection `" + name_ + "`: Autopilot returned an empty list id";
    std::lock_guard<std::mutex> lock(mu_);
    lists_[pub.audience] = *list_id;
    return "";
  }

  std::string ListError(const HttpResponse& a, const std::string& what, bool* auth) const {
    if (!a.error.empty()) return a.error + " (" + what + ")";
    if (a.status == 401 || a.status == 403) {
      *auth = true;
      return AuthError(a.status);
    }
    if (!a.ok()) return "connection `" + name_ + "`: " + what + " failed: " + Reason(a);
    return "";
  }

  std::string name_;
  std::string endpoint_;
  Secret key_;
  Limits limits_;
  HttpClient client_;
  double deadline_s_;
  std::mutex begin_mu_;
  std::mutex mu_;
  std::map<std::string, std::string> lists_;  // audience -> list_id
};

}  // namespace

std::unique_ptr<Connector> MakeAutopilot(const config::Connection& connection, const Context& ctx,
                                         std::string* error) {
  std::string endpoint = ConnectionString(connection, "endpoint", "https://api2.autopilothq.com");
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    *error =
        "connection `" + connection.name + "`: `endpoint` must be an `http://` or `https://` URL";
    return nullptr;
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  Secret key;
  if (!ReadSecret(connection, "api_key", true, ctx, &key, error)) return nullptr;
  HttpClientOptions options = ClientOptions(connection, key);
  Limits limits;
  double batch = ConnectionNumber(connection, "batch_size", 100);
  limits.batch_size = batch < 1              ? 1
                      : batch > kMaxContacts ? kMaxContacts
                                             : static_cast<uint32_t>(batch);
  limits.concurrency = options.concurrency;
  double deadline = BatchDeadline(connection, ctx, options.timeout_s);
  return std::make_unique<AutopilotConnector>(connection.name, endpoint, std::move(key), limits,
                                              std::move(options), deadline);
}

}  // namespace aud::connectors
