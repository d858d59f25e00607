#pragma once
// One libpq session of an SQL engine (pg_engine, shard_engine): connect,
// statements, queries returning text rows, and COPY, with every failure
// naming the server as the engine calls it (`who`) and what was being done,
// never the DSN nor libpq's connection text (which can echo it).

#include <libpq-fe.h>

#include <string>

#include "runtime/sql_engine/pg_engine.h"

namespace aud::sql_engine {

// A libpq connection named `who` in messages; closed on destruction.
class SqlSession {
 public:
  SqlSession() = default;
  ~SqlSession();
  SqlSession(const SqlSession&) = delete;
  SqlSession& operator=(const SqlSession&) = delete;

  // How messages name this server, e.g. "engine `postgres` (DSN in `VAR`)".
  std::string who;
  // The connection (null before Connect).
  PGconn* c = nullptr;

  // Connects to `dsn` and runs `setup`; false with an error naming `who`.
  bool Connect(const std::string& dsn, const std::string& setup, std::string* err);
  // Whether the connection is up.
  bool Up() const;
  // A statement's failure, naming what was being done; a lost connection says so.
  std::string Failure(PGresult* res, const std::string& what) const;
  // Runs statements; false with an error naming `what`.
  bool Exec(const std::string& sql, const std::string& what, std::string* err) const;
  // Runs a query returning `columns` columns (0: any), appending its rows as text.
  bool Query(const std::string& sql, const std::string& what, size_t columns, Rows* rows,
             std::string* err) const;
  // COPY `text` (COPY text format) into `table`, in 1 MiB pieces.
  bool Copy(const std::string& table, const std::string& text, std::string* err) const;
};

// Why a connection failed, as a phrase without libpq's text.
std::string ConnectFailure(PGconn* c);

}  // namespace aud::sql_engine
