// One libpq session of an SQL engine (sql_session.h).

#include "runtime/sql_engine/sql_session.h"

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace aud::sql_engine {

std::string ConnectFailure(PGconn* c) {
  std::string m = c ? PQerrorMessage(c) : "";
  if (m.find("password authentication failed") != std::string::npos ||
      m.find("no pg_hba.conf entry") != std::string::npos)
    return "the server refused the login";
  if (m.find("does not exist") != std::string::npos) return "the database or role does not exist";
  if (m.find("invalid") != std::string::npos || m.find("missing \"=\"") != std::string::npos)
    return "the DSN is not a valid libpq connection string";
  return "the server cannot be reached";
}

SqlSession::~SqlSession() {
  if (c) PQfinish(c);
}

bool SqlSession::Connect(const std::string& dsn, const std::string& setup, std::string* err) {
  c = PQconnectdb(dsn.c_str());
  if (!Up()) {
    *err = who + ": cannot connect: " + ConnectFailure(c) + "; check the DSN in the variable";
    return false;
  }
  return Exec(setup, "setting up the session", err);
}

bool SqlSession::Up() const { return c && PQstatus(c) == CONNECTION_OK; }

std::string SqlSession::Failure(PGresult* res, const std::string& what) const {
  if (!Up())
    return who + ": the connection was lost while " + what + "; check the server and retry";
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string m = primary ? primary : PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return who + ": " + what + " failed: " + m;
}

bool SqlSession::Exec(const std::string& sql, const std::string& what, std::string* err) const {
  PGresult* res = PQexec(c, sql.c_str());
  const ExecStatusType st = PQresultStatus(res);
  const bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  if (!ok) *err = Failure(res, what);
  PQclear(res);
  return ok;
}

bool SqlSession::Query(const std::string& sql, const std::string& what, size_t columns, Rows* rows,
                       std::string* err) const {
  PGresult* res = PQexec(c, sql.c_str());
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    *err = Failure(res, "running " + what);
    PQclear(res);
    return false;
  }
  if (columns && static_cast<size_t>(PQnfields(res)) != columns) {
    *err = who + ": " + what + " returned an unexpected shape";
    PQclear(res);
    return false;
  }
  const int n = PQntuples(res), m = PQnfields(res);
  rows->reserve(rows->size() + static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::vector<std::optional<std::string>> row;
    row.reserve(static_cast<size_t>(m));
    for (int k = 0; k < m; ++k) {
      if (PQgetisnull(res, i, k))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(
            std::string(PQgetvalue(res, i, k), static_cast<size_t>(PQgetlength(res, i, k))));
    }
    rows->push_back(std::move(row));
  }
  PQclear(res);
  return true;
}

bool SqlSession::Copy(const std::string& table, const std::string& text, std::string* err) const {
  const std::string what = "loading table `" + table + "`";
  PGresult* res = PQexec(c, ("COPY " + table + " FROM STDIN").c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    *err = Failure(res, what);
    PQclear(res);
    return false;
  }
  PQclear(res);
  const size_t chunk = size_t{1} << 20;
  for (size_t at = 0; at < text.size(); at += chunk) {
    const size_t len = std::min(chunk, text.size() - at);
    if (PQputCopyData(c, text.data() + at, static_cast<int>(len)) != 1) {
      *err = Failure(nullptr, what);
      return false;
    }
  }
  if (PQputCopyEnd(c, nullptr) != 1) {
    *err = Failure(nullptr, what);
    return false;
  }
  bool ok = true;
  while (PGresult* r = PQgetResult(c)) {
    if (PQresultStatus(r) != PGRES_COMMAND_OK && ok) {
      *err = Failure(r, what);
      ok = false;
    }
    PQclear(r);
  }
  return ok;
}

}  // namespace aud::sql_engine
