// The `http` connector: a generic JSON webhook. One POST per batch carrying
// the batch's upserts and removes, deduplicated by the destination through the
// `Idempotency-Key` header (see README.md, "http and autopilot").
#include <chrono>
#include <set>

#include "compiler/config/connector_schema.h"
#include "runtime/connectors/connector.h"
#include "runtime/connectors/http_client.h"
#include "runtime/connectors/http_options.h"

namespace aud::connectors {
namespace {

class HttpConnector : public Connector {
 public:
  HttpConnector(std::string name, std::string url, Secret token, Limits limits,
                HttpClientOptions options, double deadline_s)
      : name_(std::move(name)),
        url_(std::move(url)),
        token_(std::move(token)),
        limits_(limits),
        client_(std::move(options)),
        deadline_s_(deadline_s) {}

  Limits limits() const override { return limits_; }
  std::string Begin(const Publication&) override { return ""; }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    BatchResult result;
    nlohmann::json upserts = nlohmann::json::array();
    for (const Row& row : batch.upserts) {
      nlohmann::json identities = nlohmann::json::object();
      for (const IdentityValues& id : row.identities) identities[id.ns] = id.values;
      nlohmann::json fields = nlohmann::json::object();
      for (const Field& f : row.fields) fields[f.name] = FieldValueJson(f.value);
      upserts.push_back(
          {{"key", row.key}, {"identities", std::move(identities)}, {"fields", std::move(fields)}});
    }
    nlohmann::json removes = nlohmann::json::array();
    for (const std::string& key : batch.removes) removes.push_back({{"key", key}});
    nlohmann::json body = {{"audience", pub.audience},
                           {"destination", pub.destination},
                           {"batch", batch.index},
                           {"upserts", std::move(upserts)},
                           {"removes", std::move(removes)}};
    if (batch.drop) body["drop"] = true;

    HttpRequest request;
    request.method = "POST";
    request.url = url_;
    request.body = DumpJson(body);
    // An empty key (tests only) sends no header, so the destination cannot deduplicate.
    if (!batch.idempotency_key.empty())
      request.headers.emplace_back("Idempotency-Key", batch.idempotency_key);
    if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_.reveal());

    Deadline deadline = DeadlineIn(deadline_s_);
    HttpResponse response = client_.Send(request, deadline);
    result.attempts = response.attempts;
    if (!response.error.empty()) {
      result.error = response.error;
      return result;
    }
    long status = response.status;
    if (status == 401 || status == 403) {
      result.auth_error = true;
      result.error = "connection `" + name_ + "`: the webhook refused the credentials (HTTP " +
                     std::to_string(status) + "); check `token`";
      return result;
    }
    if (status >= 400 && status < 500) {
      // The request as a whole was refused: every row is rejected with the
      // destination's reason and retried on the next apply.
      std::string reason = "HTTP " + std::to_string(status) + ": " + ReasonFromBody(response.body);
      for (const Row& row : batch.upserts) result.rejected.push_back({row.key, reason});
      for (const std::string& key : batch.removes) result.rejected.push_back({key, reason});
      return result;
    }
    if (status < 200 || status >= 300) {
      result.error = "connection `" + name_ + "`: unexpected HTTP status " +
                     std::to_string(status) + " from the webhook";
      return result;
    }
    // 2xx: an optional JSON body lists the rows refused one by one.
    auto json = nlohmann::json::parse(response.body, nullptr, false);
    if (json.is_object() && json.contains("rejected") && json["rejected"].is_array()) {
      std::set<std::string> keys;
      for (const Row& row : batch.upserts) keys.insert(row.key);
      keys.insert(batch.removes.begin(), batch.removes.end());
      std::set<std::string> seen;
      for (const auto& r : json["rejected"]) {
        if (!r.is_object() || !r.contains("key") || !r["key"].is_string()) continue;
        std::string key = r["key"].get<std::string>();
        // Keys the batch did not carry are ignored: they cannot be confirmed
        // or refused by this batch.
        if (!keys.count(key) || !seen.insert(key).second) continue;
        std::string reason = r.contains("reason") && r["reason"].is_string()
                                 ? r["reason"].get<std::string>()
                                 : "rejected by the destination";
        result.rejected.push_back({key, client_.Scrub(ShortReason(reason))});
      }
    }
    return result;
  }

 private:
  std::string name_;
  std::string url_;
  Secret token_;
  Limits limits_;
  HttpClient client_;
  double deadline_s_;
};

}  // namespace

std::unique_ptr<Connector> MakeHttp(const config::Connection& connection, const Context& ctx,
                                    std::string* error) {
  std::string url = ConnectionString(connection, "url", "");
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    *error = "connection `" + connection.name + "`: `url` must be an `http://` or `https://` URL";
    return nullptr;
  }
  Secret token;
  if (!ReadSecret(connection, "token", false, ctx, &token, error)) return nullptr;
  HttpClientOptions options = ClientOptions(connection, token);
  Limits limits;
  double batch =
      ConnectionNumber(connection, "batch_size", config::DefaultNumber("http", "batch_size", 500));
  limits.batch_size = batch < 1 ? 1 : static_cast<uint32_t>(std::min(batch, 1e6));
  limits.concurrency = options.concurrency;
  double deadline = BatchDeadline(connection, ctx, options.timeout_s);
  return std::make_unique<HttpConnector>(connection.name, url, std::move(token), limits,
                                         std::move(options), deadline);
}

}  // namespace aud::connectors
