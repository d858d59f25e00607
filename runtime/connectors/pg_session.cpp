// A libpq session that never leaks its DSN into a message (pg_session.h).

#include "runtime/connectors/pg_session.h"

#include <libpq-fe.h>

#include <cmath>
#include <cstring>

namespace aud::connectors {

namespace {

bool Contains(const std::string& text, const char* what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

PgSession::PgSession(std::string who, std::string dsn_var, Secret dsn, double timeout_s)
    : who_(std::move(who)),
      dsn_var_(std::move(dsn_var)),
      dsn_(std::move(dsn)),
      timeout_s_(timeout_s) {}

PgSession::~PgSession() { Close(); }

void PgSession::Close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
}

std::string PgSession::Scrub(std::string text) const {
  // The server's messages do not echo the connection string, but a value of
  // it (the password) must never pass even if one did.
  auto replace_all = [&](const std::string& secret) {
    if (secret.size() < 3) return;
    for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
      text.replace(at, secret.size(), "***");
  };
  replace_all(dsn_.reveal());
  if (PQconninfoOption* opts = PQconninfoParse(dsn_.reveal().c_str(), nullptr)) {
    for (PQconninfoOption* o = opts; o->keyword; ++o)
      if (o->val && std::strcmp(o->keyword, "password") == 0) replace_all(o->val);
    PQconninfoFree(opts);
  }
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text)
    if (c == '\n' || c == '\t') c = ' ';
  return text;
}

bool PgSession::Connect(std::string* error) {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return true;
  Close();
  failure_ = PgFailure::None;
  const std::string hint = " (check the DSN in `" + dsn_var_ + "`)";
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(dsn_.reveal().c_str(), &parse_error);
  if (!parsed) {
    // libpq's parse error quotes the offending part of the DSN: not shown.
    if (parse_error) PQfreemem(parse_error);
    failure_ = PgFailure::BadDsn;
    *error = who_ + ": the DSN in `" + dsn_var_ +
             "` is not a valid PostgreSQL connection string (`key=value ...` or "
             "`postgresql://...`)";
    return false;
  }
  PQconninfoFree(parsed);
  // Our defaults first: the DSN's own values override them.
  const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "aud", dsn_.reveal().c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
    std::string cause;
    if (Contains(msg, "password authentication failed") || Contains(msg, "no password supplied") ||
        Contains(msg, "authentication failed") || Contains(msg, "no pg_hba.conf entry")) {
      failure_ = PgFailure::Auth;
      cause = "PostgreSQL refused the login (wrong role or password)";
    } else if (Contains(msg, "does not exist")) {
      failure_ = PgFailure::Auth;
      cause = Contains(msg, "database") ? "the database named in the DSN does not exist"
                                        : "the role named in the DSN does not exist";
    } else if (Contains(msg, "Connection refused")) {
      failure_ = PgFailure::Unreachable;
      cause = "cannot reach the PostgreSQL server (connection refused)";
    } else if (Contains(msg, "timeout expired") || Contains(msg, "timed out")) {
      failure_ = PgFailure::Unreachable;
      cause = "cannot reach the PostgreSQL server (timed out)";
    } else if (Contains(msg, "could not translate host name") ||
               Contains(msg, "Name or service not known")) {
      failure_ = PgFailure::Unreachable;
      cause = "cannot reach the PostgreSQL server (unknown host)";
    } else if (Contains(msg, "No such file or directory")) {
      failure_ = PgFailure::Unreachable;
      cause = "cannot reach the PostgreSQL server (no such socket)";
    } else {
      failure_ = PgFailure::Unreachable;
      cause = "cannot connect to PostgreSQL";
    }
    Close();
    *error = who_ + ": " + cause + hint;
    return false;
  }
  std::string why;
  // Messages in English whatever the server's locale, so they classify.
  std::string setup = "SET lc_messages TO 'C'; SET client_min_messages TO warning";
  if (timeout_s_ > 0)
    setup += "; SET statement_timeout TO " +
             std::to_string(static_cast<int64_t>(std::ceil(timeout_s_ * 1000)));
  if (!Exec(setup, &why)) {
    // lc_messages needs a superuser on some servers: retry without it.
    std::string rest = "SET client_min_messages TO warning";
    if (timeout_s_ > 0)
      rest += "; SET statement_timeout TO " +
              std::to_string(static_cast<int64_t>(std::ceil(timeout_s_ * 1000)));
    if (!Exec(rest, error)) return false;
  }
  return true;
}

bool PgSession::Exec(const std::string& sql, const std::vector<std::optional<std::string>>& params,
                     PgRows* rows, std::string* error) {
  failure_ = PgFailure::None;
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    failure_ = PgFailure::Lost;
    *error = who_ + ": lost the connection to PostgreSQL";
    return false;
  }
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  PGresult* res = params.empty() ? PQexec(conn_, sql.c_str())
                                 : PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                                                nullptr, values.data(), nullptr, nullptr, 0);
  ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    if (rows) {
      rows->clear();
      int n = PQntuples(res), m = PQnfields(res);
      for (int i = 0; i < n; ++i) {
        std::vector<std::string> row;
        for (int j = 0; j < m; ++j)
          row.emplace_back(PQgetvalue(res, i, j), static_cast<size_t>(PQgetlength(res, i, j)));
        rows->push_back(std::move(row));
      }
    }
    PQclear(res);
    return true;
  }
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string code = state ? state : "";
  std::string message = primary ? primary : "";
  PQclear(res);
  if (PQstatus(conn_) != CONNECTION_OK || code.rfind("08", 0) == 0 || code == "57P01" ||
      code == "57P02" || code == "57P03") {
    failure_ = PgFailure::Lost;
    *error = who_ + ": lost the connection to PostgreSQL" +
             (message.empty() ? std::string() : " (" + Scrub(message) + ")");
    Close();
    return false;
  }
  if (code == "57014") {
    failure_ = PgFailure::Timeout;
    *error = who_ + ": a statement timed out after " +
             std::to_string(static_cast<int64_t>(std::ceil(timeout_s_))) +
             " s (`timeout_s` of the connection)";
    return false;
  }
  if (code == "42P01") {
    failure_ = PgFailure::UndefinedTable;
  } else if (code == "3F000") {
    failure_ = PgFailure::MissingSchema;
  } else if (code == "28000" || code == "28P01" || code == "42501") {
    failure_ = PgFailure::Auth;
  } else {
    failure_ = PgFailure::Other;
  }
  if (message.empty()) message = Scrub(PQerrorMessage(conn_));
  *error = who_ + ": PostgreSQL: " + Scrub(message);
  return false;
}

std::string PgTextArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  return out + "}";
}

std::string PgQuoteTable(const std::string& table, const std::string& suffix) {
  // Names are validated plain SQL names (letters, digits, `_`): quoting keeps
  // their case.
  size_t dot = table.find('.');
  if (dot == std::string::npos) return "\"" + table + suffix + "\"";
  return "\"" + table.substr(0, dot) + "\".\"" + table.substr(dot + 1) + suffix + "\"";
}

}  // namespace aud::connectors
