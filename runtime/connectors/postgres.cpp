// The `postgres` connector: one row per member in a PostgreSQL table, and
// per batch its idempotency key in the companion table `<table>_batches`,
// both in one transaction, so a batch is applied exactly once across crashes
// and retries (README.md, "postgres").

#include "runtime/connectors/postgres.h"

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/connectors/connector.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/http_client.h"
#include "runtime/connectors/http_options.h"
#include "runtime/connectors/pg_session.h"

namespace aud::connectors {

namespace {

std::string MillisText(int64_t ms) { return std::to_string(ms); }

class PostgresConnector : public Connector {
 public:
  PostgresConnector(const config::Connection& c, PgTarget target, Secret dsn, Limits limits)
      : name_(c.name),
        target_(std::move(target)),
        limits_(limits),
        session_("connection `" + c.name + "`", target_.dsn_var, std::move(dsn),
                 target_.timeout_s) {}

  Limits limits() const override { return limits_; }

  std::string Begin(const Publication&) override {
    std::string error;
    if (!Ready(&error)) return error;
    return "";
  }

  BatchResult Apply(const Publication& pub, const Batch& batch) override {
    BatchResult result;
    // A lost connection is reopened once: the batch's transaction either
    // committed (its key is in the companion table) or left no trace.
    for (int attempt = 1;; ++attempt) {
      result = Send(pub, batch);
      result.attempts = static_cast<uint32_t>(attempt);
      if (result.ok() || attempt == 2 || session_.failure() != PgFailure::Lost) break;
      created_ = false;
    }
    return result;
  }

 private:
  // Connects and creates the two tables when absent (once per connector).
  bool Ready(std::string* error) {
    if (!session_.Connect(error)) return false;
    if (created_) return true;
    const std::string t = PgQuoteTable(target_.table), b = PgQuoteTable(target_.table, "_batches");
    std::string sql =
        "BEGIN; SELECT pg_advisory_xact_lock(hashtext('aud destination ' || $$" + target_.table +
        "$$)); CREATE TABLE IF NOT EXISTS " + t +
        " (audience text NOT NULL, destination text NOT NULL, key text NOT NULL, fields jsonb NOT "
        "NULL, labels text[] NOT NULL, entered_at timestamptz NOT NULL, updated_at timestamptz "
        "NOT NULL, PRIMARY KEY (audience, destination, key)); CREATE TABLE IF NOT EXISTS " +
        b +
        " (idempotency_key text PRIMARY KEY, audience text NOT NULL, destination text NOT NULL, "
        "batch integer NOT NULL, upserts integer NOT NULL, removes integer NOT NULL, applied_at "
        "timestamptz NOT NULL, committed_at timestamptz NOT NULL DEFAULT now()); COMMIT";
    if (!session_.Exec(sql, error)) {
      std::string ignored;
      session_.Exec("ROLLBACK", &ignored);
      if (session_.failure() == PgFailure::MissingSchema)
        *error = "connection `" + name_ + "`: the schema of table `" + target_.table +
                 "` does not exist; create it, or change `table` in aud.toml";
      return false;
    }
    created_ = true;
    return true;
  }

  BatchResult Send(const Publication& pub, const Batch& batch) {
    BatchResult result;
    if (!Ready(&result.error)) {
      result.auth_error = session_.failure() == PgFailure::Auth;
      return result;
    }
    // Rows PostgreSQL text cannot hold are refused one by one; the last
    // upsert of a key wins (ON CONFLICT cannot touch a row twice).
    std::map<std::string, std::string> upserts;  // key -> fields JSON
    for (const Row& row : batch.upserts) {
      std::string fields = FieldsJson(row.fields);
      if (row.key.find('\0') != std::string::npos || fields.find("\\u0000") != std::string::npos) {
        result.rejected.push_back(
            {row.key, "a NUL character, which a PostgreSQL text value cannot hold"});
        continue;
      }
      upserts[row.key] = std::move(fields);
    }
    std::vector<std::string> keys, values, removes;
    for (auto& [k, f] : upserts) {
      keys.push_back(k);
      values.push_back(f);
    }
    for (const std::string& k : batch.removes)
      if (k.find('\0') == std::string::npos) removes.push_back(k);

    const std::string t = PgQuoteTable(target_.table), b = PgQuoteTable(target_.table, "_batches");
    const std::string at = "to_timestamp($3::bigint / 1000.0)";
    auto fail = [&](const std::string& error) {
      std::string ignored;
      session_.Exec("ROLLBACK", &ignored);
      result.error = error;
      result.auth_error = session_.failure() == PgFailure::Auth;
      if (session_.failure() == PgFailure::UndefinedTable) {
        created_ = false;  // dropped while in use: the next apply creates it again
        result.error = "connection `" + name_ + "`: table `" + target_.table +
                       "` (or its companion `" + target_.table +
                       "_batches`) disappeared during the apply; the next apply creates it again "
                       "and the plan's read-back repairs its rows";
      }
      return result;
    };
    std::string error;
    if (!session_.Exec("BEGIN", &error)) return fail(error);
    if (!batch.idempotency_key.empty()) {
      PgRows rows;
      if (!session_.Exec("INSERT INTO " + b +
                             " (idempotency_key, audience, destination, applied_at, batch, "
                             "upserts, removes) VALUES ($1::text, $2::text, $4::text, " +
                             at +
                             ", $5::integer, $6::integer, $7::integer) ON CONFLICT "
                             "(idempotency_key) DO NOTHING RETURNING 1",
                         {batch.idempotency_key, pub.audience, MillisText(pub.applied_at),
                          pub.destination, std::to_string(batch.index), std::to_string(keys.size()),
                          std::to_string(removes.size())},
                         &rows, &error))
        return fail(error);
      if (rows.empty()) {
        // Applied before (a re-sent batch after a crash): nothing to do.
        session_.Exec("ROLLBACK", &error);
        return result;
      }
    }
    if (!keys.empty() &&
        !session_.Exec(
            "INSERT INTO " + t +
                " AS t (audience, destination, key, fields, labels, entered_at, updated_at) "
                "SELECT $1::text, $4::text, u.k, u.f::jsonb, $2::text[], " +
                at + ", " + at +
                " FROM unnest($5::text[], $6::text[]) AS u(k, f) ON CONFLICT (audience, "
                "destination, key) DO UPDATE SET fields = EXCLUDED.fields, labels = "
                "EXCLUDED.labels, updated_at = EXCLUDED.updated_at WHERE t.fields IS DISTINCT "
                "FROM EXCLUDED.fields OR t.labels IS DISTINCT FROM EXCLUDED.labels",
            {pub.audience, PgTextArray(pub.labels), MillisText(pub.applied_at), pub.destination,
             PgTextArray(keys), PgTextArray(values)},
            nullptr, &error))
      return fail(error);
    if (!removes.empty() &&
        !session_.Exec("DELETE FROM " + t +
                           " WHERE audience = $1 AND destination = $2 AND key = ANY($3::text[])",
                       {pub.audience, pub.destination, PgTextArray(removes)}, nullptr, &error))
      return fail(error);
    if (batch.drop &&
        !session_.Exec("DELETE FROM " + t + " WHERE audience = $1 AND destination = $2",
                       {pub.audience, pub.destination}, nullptr, &error))
      return fail(error);
    if (!session_.Exec("COMMIT", &error)) return fail(error);
    return result;
  }

  std::string name_;
  PgTarget target_;
  Limits limits_;
  PgSession session_;
  bool created_ = false;
};

}  // namespace

bool ReadPgTarget(const config::Connection& c, const Context& ctx, PgTarget* target, Secret* dsn,
                  std::string* error) {
  auto it = c.values.find("dsn");
  const auto* ref = it == c.values.end() ? nullptr : std::get_if<config::SecretRef>(&it->second);
  if (!ref) {
    *error = "connection `" + c.name + "`: `dsn` is required";
    return false;
  }
  target->dsn_var = ref->env;
  if (!ReadSecret(c, "dsn", true, ctx, dsn, error)) return false;
  target->table = ConnectionString(c, "table", "");
  if (c.type == "postgres") {
    if (target->table.empty()) {
      *error = "connection `" + c.name + "`: `table` is required";
      return false;
    }
    size_t dot = target->table.find('.');
    std::string name = dot == std::string::npos ? target->table : target->table.substr(dot + 1);
    // `<table>_batches` must fit PostgreSQL's 63-byte names.
    if (name.size() > 55) {
      *error = "connection `" + c.name + "`: the name of `table` must be at most 55 characters";
      return false;
    }
  }
  target->timeout_s = ConnectionNumber(c, "timeout_s", 30);
  return true;
}

std::unique_ptr<Connector> MakePostgres(const config::Connection& connection, const Context& ctx,
                                        std::string* error) {
  PgTarget target;
  Secret dsn;
  if (!ReadPgTarget(connection, ctx, &target, &dsn, error)) return nullptr;
  Limits limits;
  double batch = ConnectionNumber(connection, "batch_size", 1000);
  limits.batch_size = batch < 1 ? 1 : static_cast<uint32_t>(std::min(batch, 1e6));
  limits.concurrency = 1;
  // Nothing is opened here: preflight makes connectors to check them.
  return std::make_unique<PostgresConnector>(connection, std::move(target), std::move(dsn), limits);
}

ReadBack ReadBackPostgres(const config::Connection& c, const Context& ctx,
                          const std::string& audience, const std::string& destination) {
  ReadBack out;
  out.readable = true;
  PgTarget target;
  Secret dsn;
  if (!ReadPgTarget(c, ctx, &target, &dsn, &out.error)) return out;
  out.where = "table `" + target.table + "`";
  out.identity = Sha256Hex(DestinationIdentity(&c) + "\n" + destination, 32);
  PgSession session("connection `" + c.name + "`", target.dsn_var, std::move(dsn),
                    target.timeout_s);
  if (!session.Connect(&out.error)) return out;
  PgRows rows;
  std::string error;
  if (!session.Exec("SELECT key, fields::text FROM " + PgQuoteTable(target.table) +
                        " WHERE audience = $1 AND destination = $2",
                    {audience, destination}, &rows, &error)) {
    // No table yet (nothing applied, or it was dropped): it holds nothing.
    if (session.failure() != PgFailure::UndefinedTable) out.error = error;
    return out;
  }
  for (const auto& r : rows) out.rows.emplace(r[0], NormalizedJson(r[1]));
  return out;
}

std::string NormalizedJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return text;
  // Numbers compare by value: jsonb prints 1e20 as 100000000000000000000.
  std::function<void(nlohmann::json&)> walk = [&](nlohmann::json& v) {
    if (v.is_number_float()) {
      double d = v.get<double>();
      if (d == static_cast<double>(static_cast<int64_t>(d)) && d > -9.2e18 && d < 9.2e18)
        v = static_cast<int64_t>(d);
    } else if (v.is_number_unsigned() && v.get<uint64_t>() > INT64_MAX) {
      v = v.get<double>();
    } else if (v.is_structured()) {
      for (auto& x : v) walk(x);
    }
  };
  walk(j);
  return DumpJson(j);
}

}  // namespace aud::connectors
