// Connection values of the http and autopilot connectors (http_options.h).
#include "runtime/connectors/http_options.h"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "compiler/config/connector_schema.h"

namespace aud::connectors {

std::string ConnectionString(const config::Connection& c, const std::string& key,
                             const std::string& fallback) {
  auto it = c.values.find(key);
  if (it == c.values.end()) return fallback;
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return fallback;
}

double ConnectionNumber(const config::Connection& c, const std::string& key, double fallback) {
  auto it = c.values.find(key);
  if (it == c.values.end()) return fallback;
  if (const auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  return fallback;
}

bool ReadSecret(const config::Connection& c, const std::string& key, bool required,
                const Context& ctx, Secret* out, std::string* error) {
  *out = Secret();
  auto it = c.values.find(key);
  const auto* ref = it == c.values.end() ? nullptr : std::get_if<config::SecretRef>(&it->second);
  if (!ref) {
    if (!required) return true;
    *error = "connection `" + c.name + "`: `" + key + "` is required";
    return false;
  }
  std::string value;
  bool found = false;
  if (ctx.getenv) {
    found = ctx.getenv(ref->env, &value);
  } else if (const char* v = std::getenv(ref->env.c_str())) {
    value = v;
    found = true;
  }
  if (!found) {
    *error = "connection `" + c.name + "`: environment variable `" + ref->env + "` (for `" + key +
             "`) is not set";
    return false;
  }
  if (value.empty()) {
    *error = "connection `" + c.name + "`: environment variable `" + ref->env + "` (for `" + key +
             "`) is empty";
    return false;
  }
  *out = Secret(std::move(value));
  return true;
}

HttpClientOptions ClientOptions(const config::Connection& c, const Secret& secret) {
  HttpClientOptions o;
  o.connection = c.name;
  o.timeout_s = ConnectionNumber(c, "timeout_s", config::DefaultNumber(c.type, "timeout_s", 30));
  if (o.timeout_s <= 0) o.timeout_s = 30;
  o.rate_limit_per_sec = std::max(0.0, ConnectionNumber(c, "rate_limit_per_sec", 0));
  double conc = ConnectionNumber(c, "concurrency", config::DefaultNumber(c.type, "concurrency", 1));
  o.concurrency = conc < 1 ? 1 : conc > 64 ? 64 : static_cast<uint32_t>(conc);
  if (!secret.empty()) o.secrets.push_back(secret.reveal());
  return o;
}

double BatchDeadline(const config::Connection& c, const Context& ctx, double timeout_s) {
  double set = ConnectionNumber(c, "deadline_s", 0);
  if (set > 0) return set;
  if (ctx.batch_deadline_s > 0) return ctx.batch_deadline_s;
  return 3 * timeout_s + 5;
}

nlohmann::json FieldValueJson(const Value& v) {
  switch (v.kind) {
    case Value::Null: return nullptr;
    case Value::Bool: return v.b;
    case Value::Int: return v.i;
    case Value::Float: return v.f;  // NaN and infinities dump as null
    case Value::String: return v.s;
  }
  return nullptr;
}

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace aud::connectors
