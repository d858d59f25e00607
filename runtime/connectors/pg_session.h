#pragma once
// One libpq session of a PostgreSQL connection (the `postgres` destination,
// the profile store with a `dsn`, their read-back). Every message names the
// connection (`who`), never the DSN: libpq's own connection-failure text can
// echo parts of the connection string, so it is reduced to a known cause.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "runtime/connectors/connector.h"

struct pg_conn;

namespace aud::connectors {

// Rows of text values (NULL as "") of one statement.
using PgRows = std::vector<std::vector<std::string>>;

// What went wrong with a statement or the connection, classified.
enum class PgFailure : uint8_t {
  None,
  Unreachable,     // cannot reach the server (refused, unknown host, timeout)
  Auth,            // the server refused the login (password, role)
  BadDsn,          // the DSN does not parse as a libpq connection string
  Lost,            // the connection broke in the middle of work
  Timeout,         // statement_timeout cancelled the statement
  UndefinedTable,  // a table is missing (e.g. dropped while in use)
  MissingSchema,   // the schema named in `table` does not exist
  Other,
};

class PgSession {
 public:
  // `who` prefixes messages ("connection `crm_db`"); `dsn_var` is the name of
  // the environment variable holding the DSN (for hints); `timeout_s` becomes
  // the session's statement_timeout (0: none).
  PgSession(std::string who, std::string dsn_var, Secret dsn, double timeout_s);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  // Connects when not connected (again after a lost connection). False with
  // `error` and `failure` set.
  bool Connect(std::string* error);
  // Runs one statement with text parameters (nullopt: NULL). `rows` may be
  // null. False with `error` (the server's primary message, classified).
  bool Exec(const std::string& sql, const std::vector<std::optional<std::string>>& params,
            PgRows* rows, std::string* error);
  // Exec without parameters.
  bool Exec(const std::string& sql, std::string* error) { return Exec(sql, {}, nullptr, error); }
  // The class of the last failure.
  PgFailure failure() const { return failure_; }
  // Drops the connection (the next Connect opens a new one).
  void Close();

 private:
  std::string Scrub(std::string text) const;
  std::string who_, dsn_var_;
  Secret dsn_;
  double timeout_s_ = 0;
  pg_conn* conn_ = nullptr;
  PgFailure failure_ = PgFailure::None;
};

// A PostgreSQL array literal of text values (`{"a","b"}`).
std::string PgTextArray(const std::vector<std::string>& values);
// `name` or `schema.name` as a quoted identifier; `suffix` is appended to
// the table part (`_batches`).
std::string PgQuoteTable(const std::string& table, const std::string& suffix = "");

}  // namespace aud::connectors
