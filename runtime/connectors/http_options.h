#pragma once
// Reading the `[connections.NAME]` values shared by the http and autopilot
// connectors (docs/config.md): the request knobs and secrets.

#include <nlohmann/json.hpp>
#include <string>

#include "compiler/config/config.h"
#include "runtime/connectors/connector.h"
#include "runtime/connectors/http_client.h"

namespace aud::connectors {

// A string value of the connection, or `fallback` when absent.
std::string ConnectionString(const config::Connection& c, const std::string& key,
                             const std::string& fallback);
// A numeric value (count or number), or `fallback` when absent.
double ConnectionNumber(const config::Connection& c, const std::string& key, double fallback);
// Reads the secret `key` through ctx.getenv. Absent key: true with `out`
// empty unless `required`. A missing variable is an error naming the
// connection and the variable (never a value).
bool ReadSecret(const config::Connection& c, const std::string& key, bool required,
                const Context& ctx, Secret* out, std::string* error);
// Client options from batch-independent connection values.
HttpClientOptions ClientOptions(const config::Connection& c, const Secret& secret);
// Seconds one batch may take, retries included (a failed batch ends its
// publication for this apply): the connection's `deadline_s`, else
// ctx.batch_deadline_s when set, else 3 x timeout_s + 5 (three attempts and
// their backoff).
double BatchDeadline(const config::Connection& c, const Context& ctx, double timeout_s);
// The JSON value of a field value.
nlohmann::json FieldValueJson(const Value& v);
// `json` as compact text; invalid UTF-8 is replaced, never thrown.
std::string DumpJson(const nlohmann::json& json);

}  // namespace aud::connectors
