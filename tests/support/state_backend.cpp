#include "tests/support/state_backend.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "tests/support/pg_server.h"

namespace aud::testing {

namespace {

std::mutex mu;
std::unique_ptr<PgServer>& Server() {
  static std::unique_ptr<PgServer> server;
  return server;
}
std::map<std::string, std::string>& Databases() {
  static std::map<std::string, std::string> dbs;  // dir -> database
  return dbs;
}

// A database name for a folder: stable within the process.
std::string DatabaseName(const std::string& dir) {
  return "t" + std::to_string(std::hash<std::string>{}(dir) % 1000000000000ULL);
}

std::vector<std::vector<std::string>> PgQuery(const std::string& dsn, const std::string& sql,
                                              bool* ok, std::string* error) {
  std::vector<std::vector<std::string>> rows;
  *ok = false;
  PGconn* c = PQconnectdb(dsn.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    *error = PQerrorMessage(c);
    PQfinish(c);
    return rows;
  }
  PGresult* s = PQexec(c, "SET search_path = aud, public; SET client_min_messages = warning");
  PQclear(s);
  PGresult* r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK) {
    *ok = true;
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.push_back(PQgetvalue(r, i, j));
      rows.push_back(std::move(row));
    }
  } else {
    *error = PQresultErrorMessage(r);
  }
  PQclear(r);
  PQfinish(c);
  return rows;
}

std::vector<std::vector<std::string>> SqliteQuery(const std::string& path, const std::string& sql,
                                                  bool* ok, std::string* error) {
  std::vector<std::vector<std::string>> rows;
  *ok = false;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    *error = "cannot open " + path;
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  const char* tail = sql.c_str();
  *ok = true;
  while (tail && *tail) {
    if (sqlite3_prepare_v2(db, tail, -1, &st, &tail) != SQLITE_OK) {
      *error = sqlite3_errmsg(db);
      *ok = false;
      break;
    }
    if (!st) break;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        const unsigned char* t = sqlite3_column_text(st, c);
        row.push_back(t ? reinterpret_cast<const char*>(t) : "");
      }
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) {
      *error = sqlite3_errmsg(db);
      *ok = false;
    }
    sqlite3_finalize(st);
    if (!*ok) break;
  }
  sqlite3_close(db);
  return rows;
}

}  // namespace

bool PostgresStateTests() {
  const char* v = std::getenv("AUD_TEST_STATE");
  return v && std::string(v) == "postgres";
}

PgServer* SharedPgServer(std::string* error) {
  std::lock_guard<std::mutex> lock(mu);
  if (!Server()) {
    std::string why;
    Server() = PgServer::Start(&why);
    if (!Server()) {
      if (error) *error = why;
      return nullptr;
    }
  }
  return Server().get();
}

std::string StateToml() {
  if (!PostgresStateTests()) return "";
  return "\n[state]\nbackend = \"postgres\"\ndsn = { env = \"AUD_TEST_STATE_DSN\" }\n";
}

std::string StateDsnFor(const std::string& dir_as_given) {
  if (!PostgresStateTests()) return "";
  std::error_code ec;
  std::string dir = std::filesystem::weakly_canonical(dir_as_given, ec).string();
  if (ec) dir = dir_as_given;
  std::string error;
  PgServer* pg = SharedPgServer(&error);
  if (!pg) {
    ADD_FAILURE() << "cannot start PostgreSQL: " << error;
    return "";
  }
  std::lock_guard<std::mutex> lock(mu);
  auto it = Databases().find(dir);
  if (it == Databases().end()) {
    const std::string name = DatabaseName(dir);
    if (!pg->CreateDatabase(name, &error)) ADD_FAILURE() << "CREATE DATABASE: " << error;
    it = Databases().emplace(dir, name).first;
  }
  return pg->Dsn("aud_admin", "", it->second);
}

std::vector<std::vector<std::string>> StateQuery(const std::string& dir, const std::string& sql) {
  bool ok = false;
  std::string error;
  auto rows = PostgresStateTests() ? PgQuery(StateDsnFor(dir), sql, &ok, &error)
                                   : SqliteQuery(dir + "/.aud/state.db", sql, &ok, &error);
  if (!ok) ADD_FAILURE() << "state query failed: " << error << "\n" << sql;
  return rows;
}

bool StateExec(const std::string& dir, const std::string& sql) {
  bool ok = false;
  std::string error;
  if (PostgresStateTests())
    PgQuery(StateDsnFor(dir), sql, &ok, &error);
  else
    SqliteQuery(dir + "/.aud/state.db", sql, &ok, &error);
  if (!ok) ADD_FAILURE() << "state statement failed: " << error << "\n" << sql;
  return ok;
}

bool StateExists(const std::string& dir) {
  if (!PostgresStateTests()) return std::filesystem::exists(dir + "/.aud/state.db");
  bool ok = false;
  std::string error;
  auto rows = PgQuery(StateDsnFor(dir),
                      "SELECT count(*) FROM pg_tables WHERE schemaname = 'aud' AND tablename = "
                      "'meta'",
                      &ok, &error);
  if (!ok || rows.empty() || rows[0][0] == "0") return false;
  rows = PgQuery(StateDsnFor(dir), "SELECT count(*) FROM aud.meta", &ok, &error);
  return ok && !rows.empty() && rows[0][0] != "0";
}

void* HoldStateLock(const std::string& dir, const std::string& id, const std::string& who,
                    long pid) {
  PGconn* c = PQconnectdb(StateDsnFor(dir).c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    ADD_FAILURE() << PQerrorMessage(c);
    PQfinish(c);
    return nullptr;
  }
  const std::string sql =
      "SELECT pg_advisory_lock(1096107091, (SELECT id::int FROM aud.meta)); "
      "INSERT INTO aud.lock (state, id, operation, who, pid, backend_pid, created_at) "
      "SELECT id, '" +
      id + "', 'apply', '" + who + "', " + std::to_string(pid) +
      ", pg_backend_pid(), 1790000000000 FROM aud.meta";
  PGresult* r = PQexec(c, sql.c_str());
  if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
    ADD_FAILURE() << PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    return nullptr;
  }
  PQclear(r);
  return c;
}

void ReleaseStateLock(void* holder) {
  if (holder) PQfinish(static_cast<PGconn*>(holder));
}

}  // namespace aud::testing
