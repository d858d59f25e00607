// The `autopilot` connector: Autopilot's REST API v1. A publication is a
// list named after the audience; members are contacts (keyed by email).
// Enters and updates are bulk upserts (at most 100 contacts per call, custom
// fields under typed keys, `_autopilot_list` on entering contacts so they
// join the list in the same call); exits leave the list one DELETE each.
// Every request is idempotent in effect and carries an Idempotency-Key
// derived from the batch key, so a re-sent batch changes nothing (README.md,
// docs/destinations/autopilot.md).
#include "runtime/connectors/autopilot.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "compiler/config/connector_schema.h"
#include "runtime/connectors/connector.h"
#include "runtime/connectors/http_client.h"
#include "runtime/connectors/http_options.h"

namespace aud::connectors {
namespace {

// The API takes at most this many contacts per upsert (a bigger call is a 400).
constexpr size_t kMaxContacts = config::FindConnector("autopilot")->max_batch_size;
// Autopilot's documented limit: 5 requests per second per API key.
constexpr double kDefaultRate = config::DefaultNumber("autopilot", "rate_limit_per_sec", 5);
// Requests are spaced this much wider than the limit, so that network jitter
// cannot put limit + 1 requests into one second at Autopilot.
constexpr double kRateMargin = 0.95;

// Autopilot's standard contact fields (top-level keys); every other mapped
// field goes under `custom` with a typed key.
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

}  // namespace

std::string AutopilotType(const std::string& aud_type) {
  const std::string_view t = config::AutopilotFieldType(aud_type);
  return t.empty() ? "string" : std::string(t);
}

std::string AutopilotTypePrefix(const std::string& name) {
  return std::string(config::AutopilotTypePrefix(name));
}

std::string AutopilotCustomKey(const std::string& name, const std::string& aud_type) {
  if (!AutopilotTypePrefix(name).empty()) return name;
  std::string key = AutopilotType(aud_type) + "--";
  for (char c : name) {
    if (c == ' ')
      key += "--";
    else
      key += c;
  }
  return key;
}

namespace {

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

  std::string RemoteId(const Publication& pub) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lists_.find(pub.audience);
    return it == lists_.end() ? "" : it->second;
  }

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
    std::map<std::string, std::string> types = FieldTypes(pub);

    // 1. Contacts upserted in bulk, at most 100 per call; an entering contact
    //    carries `_autopilot_list`, so it joins the list in the same call.
    std::vector<HttpRequest> upserts;
    std::vector<std::vector<const Row*>> chunks;
    for (size_t i = 0; i < batch.upserts.size(); i += kMaxContacts) {
      chunks.emplace_back();
      nlohmann::json contacts = nlohmann::json::array();
      for (size_t r = i; r < std::min(batch.upserts.size(), i + kMaxContacts); ++r) {
        chunks.back().push_back(&batch.upserts[r]);
        contacts.push_back(Contact(batch.upserts[r], types, list_id));
      }
      upserts.push_back(Request("POST", "/v1/contacts", DumpJson({{"contacts", contacts}}),
                                batch.idempotency_key,
                                "contacts:" + std::to_string(chunks.size())));
    }
    std::vector<HttpResponse> answers = client_.SendAll(upserts, deadline);
    std::vector<const Row*> singles;  // rows of chunks refused as a whole: sent one by one
    for (size_t c = 0; c < answers.size(); ++c) {
      if (!Final(answers[c], &result)) return result;
      if (!answers[c].ok()) {
        singles.insert(singles.end(), chunks[c].begin(), chunks[c].end());
        continue;
      }
      // A contact absent from `email_contact_map` was not saved.
      std::set<std::string> saved;
      auto json = nlohmann::json::parse(answers[c].body, nullptr, false);
      const nlohmann::json* map = nullptr;
      if (json.is_object() && json.contains("email_contact_map") &&
          json["email_contact_map"].is_object())
        map = &json["email_contact_map"];
      if (map)
        for (auto it = map->begin(); it != map->end(); ++it)
          if (it->is_string() && !it->get<std::string>().empty()) saved.insert(Lower(it.key()));
      for (const Row* row : chunks[c]) {
        if (saved.count(Lower(row->key))) continue;
        rejected[row->key] = map ? "Autopilot did not save the contact (absent from "
                                   "`email_contact_map` of `POST /v1/contacts`)"
                                 : "`POST /v1/contacts` answered without an `email_contact_map`";
      }
    }
    if (!singles.empty()) {
      std::vector<HttpRequest> one;
      for (const Row* row : singles)
        one.push_back(Request("POST", "/v1/contact",
                              DumpJson({{"contact", Contact(*row, types, list_id)}}),
                              batch.idempotency_key, "contact:" + row->key));
      answers = client_.SendAll(one, deadline);
      for (size_t i = 0; i < answers.size(); ++i) {
        if (!Final(answers[i], &result)) return result;
        if (!answers[i].ok()) rejected[singles[i]->key] = Reason(answers[i]);
      }
    }

    // 2. Exits leave the list, one DELETE each (404 and `not_modified`: done).
    std::vector<HttpRequest> removes;
    std::string list_path = "/v1/list/" + UrlEncode(list_id) + "/contact/";
    for (const std::string& key : batch.removes)
      removes.push_back(Request("DELETE", list_path + UrlEncode(key), "", batch.idempotency_key,
                                "remove:" + key));
    answers = client_.SendAll(removes, deadline);
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!Final(answers[i], &result)) return result;
      if (answers[i].ok() || NotOnList(answers[i])) continue;
      rejected[batch.removes[i]] = Reason(answers[i]);
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

  // Mapped field name -> aud type, from the publication.
  static std::map<std::string, std::string> FieldTypes(const Publication& pub) {
    std::map<std::string, std::string> types;
    for (size_t i = 0; i < pub.field_names.size() && i < pub.field_types.size(); ++i)
      types[pub.field_names[i]] = pub.field_types[i];
    return types;
  }

  // A contact as Autopilot takes it: standard fields top-level, the others
  // under `custom` with typed keys; `_autopilot_list` when it enters.
  static nlohmann::json Contact(const Row& row, const std::map<std::string, std::string>& types,
                                const std::string& list_id) {
    nlohmann::json c = {{"Email", row.key}};
    nlohmann::json custom = nlohmann::json::object();
    for (const Field& f : row.fields) {
      if (f.name == "Email") continue;  // the key identity is the email
      if (StandardField(f.name)) {
        c[f.name] = FieldValueJson(f.value);
        continue;
      }
      auto t = types.find(f.name);
      std::string type = t != types.end() ? t->second : ValueType(f.value);
      if (type.empty()) continue;  // a null of unknown type (a plan without types)
      custom[AutopilotCustomKey(f.name, type)] = FieldValueJson(f.value);
    }
    if (!custom.empty()) c["custom"] = std::move(custom);
    if (row.op == Row::Enter) c["_autopilot_list"] = list_id;
    return c;
  }

  // The aud type a value's kind implies ("" for null): for plans without types.
  static std::string ValueType(const Value& v) {
    switch (v.kind) {
      case Value::Null: return "";
      case Value::Bool: return "bool";
      case Value::Int: return "int";
      case Value::Float: return "float";
      case Value::String: return "string";
    }
    return "";
  }

  static std::string Lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // A DELETE that found the contact not on the list: 404, 304 or a
  // `not_modified` error body.
  static bool NotOnList(const HttpResponse& a) {
    if (a.status == 404 || a.status == 304) return true;
    if (a.status < 400 || a.status >= 500) return false;
    auto json = nlohmann::json::parse(a.body, nullptr, false);
    if (!json.is_object()) return false;
    for (const char* k : {"error", "message", "code"})
      if (json.contains(k) && json[k] == "not_modified") return true;
    return false;
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
    // The list recorded in state (whatever its title now), else the first
    // list titled after the audience.
    std::string by_title;
    for (const auto& l : json["lists"]) {
      if (!l.is_object() || !l.contains("list_id") || !l["list_id"].is_string()) continue;
      std::string id = l["list_id"].get<std::string>();
      if (!pub.remote_id.empty() && id == pub.remote_id) {
        *list_id = id;
        break;
      }
      if (by_title.empty() && l.value("title", nlohmann::json()) == pub.audience) by_title = id;
    }
    if (list_id->empty()) *list_id = by_title;
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
  std::string endpoint = ConnectionString(
      connection, "endpoint", std::string(config::DefaultString("autopilot", "endpoint")));
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0) {
    *error =
        "connection `" + connection.name + "`: `endpoint` must be an `http://` or `https://` URL";
    return nullptr;
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  Secret key;
  if (!ReadSecret(connection, "api_key", true, ctx, &key, error)) return nullptr;
  HttpClientOptions options = ClientOptions(connection, key);
  // Autopilot answers 429 above 5 requests/s: that is the default, and an
  // account with a raised limit sets `rate_limit_per_sec` (0: unlimited).
  double rate = std::max(0.0, ConnectionNumber(connection, "rate_limit_per_sec", kDefaultRate));
  options.rate_limit_per_sec = rate * kRateMargin;
  Limits limits;
  double batch = ConnectionNumber(connection, "batch_size", static_cast<double>(kMaxContacts));
  limits.batch_size = batch < 1              ? 1
                      : batch > kMaxContacts ? kMaxContacts
                                             : static_cast<uint32_t>(batch);
  limits.concurrency = options.concurrency;
  double deadline = BatchDeadline(connection, ctx, options.timeout_s);
  return std::make_unique<AutopilotConnector>(connection.name, endpoint, std::move(key), limits,
                                              std::move(options), deadline);
}

}  // namespace aud::connectors
