#pragma once
// A real PostgreSQL 15 server for tests: a fresh cluster (Debian's
// `postgresql` package, installed by scripts/bootstrap.sh) in a temporary
// directory, listening on 127.0.0.1 on a free port and on a Unix socket in
// that directory, with password (SCRAM) authentication over TCP. PostgreSQL
// refuses to run as root, so when the tests run as root (CI does) the
// cluster is created and started as the `postgres` user (`runuser`). The
// server is stopped and its directory removed when the object goes away, and
// by a watchdog process when the test process dies without running its
// destructors (a crash, SIGKILL, a ctest timeout): no server outlives a test.
// The shell twin for script tests is tests/support/pg_server.sh.

#include <memory>
#include <string>
#include <vector>

namespace aud::testing {

class PgServer {
 public:
  // Creates and starts a cluster whose superuser is `aud_admin` with a random
  // password; nullptr with a message (and the server log's tail) on failure.
  static std::unique_ptr<PgServer> Start(std::string* error);
  // The directory of PostgreSQL's binaries: $AUD_PG_BINDIR, else the newest
  // /usr/lib/postgresql/*/bin; "" when PostgreSQL is not installed.
  static std::string BinDir();

  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  const std::string& admin_password() const { return admin_password_; }

  // A libpq DSN reaching the server over TCP as `role`; the password is the
  // superuser's when `password` is empty and `role` is `aud_admin`.
  std::string Dsn(const std::string& role = "aud_admin", const std::string& password = "",
                  const std::string& dbname = "postgres") const;

  // True when a connection with `dsn` succeeds; else false with libpq's message.
  static bool Connects(const std::string& dsn, std::string* error = nullptr);
  // Runs SQL as whoever `dsn` logs in as; false with the server's message.
  static bool ExecAs(const std::string& dsn, const std::string& sql, std::string* error = nullptr);

  // Runs SQL (one or more statements) as the superuser in `dbname`.
  bool Exec(const std::string& sql, std::string* error = nullptr,
            const std::string& dbname = "postgres") const;
  // Runs a query as the superuser; rows of text values (NULL as "").
  std::vector<std::vector<std::string>> Query(const std::string& sql, std::string* error = nullptr,
                                              const std::string& dbname = "postgres") const;
  // A LOGIN role with a password (no other privileges).
  bool CreateRole(const std::string& role, const std::string& password,
                  std::string* error = nullptr) const;
  // A database owned by the superuser.
  bool CreateDatabase(const std::string& name, std::string* error = nullptr) const;

  // Stops the server (fast shutdown); Start again with Restart. For tests of
  // an unreachable database or a connection lost in the middle of work.
  bool Stop(std::string* error = nullptr);
  bool Restart(std::string* error = nullptr);
  // Terminates every client backend except the caller's (a lost connection).
  bool TerminateClients(std::string* error = nullptr) const;

 private:
  PgServer() = default;
  bool Ctl(const std::string& args, std::string* error) const;
  std::string LogTail() const;

  std::string bin_;
  std::string dir_;
  std::string admin_password_;
  int port_ = 0;
  bool running_ = false;
  // The watchdog (StartWatchdog): a detached shell that stops the server and
  // removes its directory when this process ends, even by SIGKILL or a
  // ctest timeout; `watchdog_fd_` is the write end of its stdin pipe.
  void StartWatchdog();
  int watchdog_fd_ = -1;
  int watchdog_pid_ = -1;
};

}  // namespace aud::testing
