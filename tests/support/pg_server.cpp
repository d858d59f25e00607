#include "tests/support/pg_server.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace aud::testing {
namespace {

bool RunningAsRoot() { return ::geteuid() == 0; }

// A port the kernel just handed out on 127.0.0.1 (free at that instant).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string RandomHex(int n) {
  std::random_device rd;
  std::string s;
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < n; ++i) s += hex[rd() % 16];
  return s;
}

// Runs a shell command (our own temp paths only: no quoting issues), as the
// `postgres` user when we are root. Output goes to `log`.
int Run(const std::string& cmd, const std::string& log) {
  std::string full = RunningAsRoot() ? "runuser -u postgres -- " + cmd : cmd;
  full += " >>" + log + " 2>&1";
  int rc = std::system(full.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// Escapes a libpq keyword value.
std::string DsnValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string PgServer::BinDir() {
  if (const char* e = std::getenv("AUD_PG_BINDIR"); e && *e) return e;
  std::string best;
  int best_version = 0;
  std::error_code ec;
  for (const auto& d : std::filesystem::directory_iterator("/usr/lib/postgresql", ec)) {
    int v = std::atoi(d.path().filename().c_str());
    if (v > best_version && std::filesystem::exists(d.path() / "bin" / "pg_ctl")) {
      best_version = v;
      best = (d.path() / "bin").string();
    }
  }
  return best;
}

std::unique_ptr<PgServer> PgServer::Start(std::string* error) {
  std::unique_ptr<PgServer> s(new PgServer());
  s->bin_ = BinDir();
  if (s->bin_.empty()) {
    *error =
        "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): run "
        "scripts/bootstrap.sh";
    return nullptr;
  }
  std::string tmpl =
      std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") + "/aud-pg.XXXXXX";
  if (!::mkdtemp(tmpl.data())) {
    *error = "cannot create a temporary directory for PostgreSQL";
    return nullptr;
  }
  s->dir_ = tmpl;
  if (RunningAsRoot()) {
    passwd* pw = ::getpwnam("postgres");
    if (!pw) {
      *error = "running as root but there is no `postgres` user to run PostgreSQL as";
      return nullptr;
    }
    if (::chown(s->dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      *error = "cannot hand the temporary directory to the `postgres` user";
      return nullptr;
    }
  }
  s->admin_password_ = RandomHex(24);
  const std::string pwfile = s->dir_ + "/pwfile";
  {
    std::ofstream(pwfile) << s->admin_password_ << "\n";
    if (RunningAsRoot()) {
      passwd* pw = ::getpwnam("postgres");
      if (::chown(pwfile.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        *error = "cannot hand the password file to the `postgres` user";
        return nullptr;
      }
    }
  }
  const std::string log = s->dir_ + "/setup.log";
  if (Run(s->bin_ + "/initdb -D " + s->dir_ + "/data -U aud_admin --pwfile=" + pwfile +
              " --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale --no-sync",
          log) != 0) {
    *error = "initdb failed:\n" + s->LogTail();
    return nullptr;
  }
  std::remove(pwfile.c_str());
  // A port taken between FreePort and the server's bind makes start fail:
  // try a few ports.
  for (int attempt = 0; attempt < 5; ++attempt) {
    s->port_ = FreePort();
    if (s->port_ == 0) continue;
    std::string why;
    if (s->Restart(&why)) {
      s->StartWatchdog();
      return s;
    }
    *error = why;
  }
  return nullptr;
}

void PgServer::StartWatchdog() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return;
  // Everything the child needs is prepared before fork (no allocation after
  // it in a possibly multi-threaded process).
  const std::string stop = (RunningAsRoot() ? "runuser -u postgres -- " : "") + bin_ +
                           "/pg_ctl -D " + dir_ + "/data -m immediate -w -t 30 stop";
  const std::string script =
      "read _ignored; " + stop + " >/dev/null 2>&1; rm -rf " + dir_ + " >/dev/null 2>&1";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setsid();         // out of the test's process group: a group kill must not take it
    ::dup2(fds[0], 0);  // dup2 clears FD_CLOEXEC on the copy
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    return;
  }
  watchdog_fd_ = fds[1];  // close-on-exec: never inherited by the aud processes tests run
  watchdog_pid_ = pid;
}

PgServer::~PgServer() {
  if (running_) Stop(nullptr);
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  if (watchdog_fd_ >= 0) {
    ::close(watchdog_fd_);  // EOF: the watchdog finds nothing left to stop and exits
    int status = 0;
    ::waitpid(watchdog_pid_, &status, 0);
  }
}

bool PgServer::Ctl(const std::string& args, std::string* error) const {
  if (Run(bin_ + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log " + args,
          dir_ + "/setup.log") == 0)
    return true;
  if (error) *error = "pg_ctl " + args.substr(0, args.find(' ')) + " failed:\n" + LogTail();
  return false;
}

bool PgServer::Restart(std::string* error) {
  // fsync off: the tests kill aud (the client), never the server.
  const std::string opts = "-p " + std::to_string(port_) + " -k " + dir_ +
                           " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60" +
                           " -c shared_buffers=16MB";
  if (!Ctl("-w -t 30 -o \"" + opts + "\" start", error)) return false;
  running_ = true;
  return true;
}

bool PgServer::Stop(std::string* error) {
  if (!running_) return true;
  bool ok = Ctl("-w -t 30 -m fast stop", error);
  running_ = !ok;
  return ok;
}

std::string PgServer::LogTail() const {
  std::string out;
  for (const char* name : {"/setup.log", "/server.log"}) {
    std::ifstream in(dir_ + name);
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    size_t from = lines.size() > 15 ? lines.size() - 15 : 0;
    for (size_t i = from; i < lines.size(); ++i) out += "  " + lines[i] + "\n";
  }
  return out;
}

std::string PgServer::Dsn(const std::string& role, const std::string& password,
                          const std::string& dbname) const {
  std::string pw = password.empty() && role == "aud_admin" ? admin_password_ : password;
  std::string dsn = "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + DsnValue(role) +
                    " dbname=" + DsnValue(dbname) + " connect_timeout=10";
  if (!pw.empty()) dsn += " password=" + DsnValue(pw);
  return dsn;
}

std::vector<std::vector<std::string>> PgServer::Query(const std::string& sql, std::string* error,
                                                      const std::string& dbname) const {
  std::vector<std::vector<std::string>> rows;
  PGconn* c = PQconnectdb(Dsn("aud_admin", "", dbname).c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    if (error) *error = PQerrorMessage(c);
    PQfinish(c);
    return rows;
  }
  PGresult* r = PQexec(c, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    if (error) *error = PQresultErrorMessage(r);
  } else {
    if (error) error->clear();
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int j = 0; j < PQnfields(r); ++j) row.emplace_back(PQgetvalue(r, i, j));
      rows.push_back(std::move(row));
    }
  }
  PQclear(r);
  PQfinish(c);
  return rows;
}

bool PgServer::Exec(const std::string& sql, std::string* error, const std::string& dbname) const {
  std::string why;
  Query(sql, &why, dbname);
  if (error) *error = why;
  return why.empty();
}

bool PgServer::Connects(const std::string& dsn, std::string* error) {
  PGconn* c = PQconnectdb(dsn.c_str());
  bool ok = PQstatus(c) == CONNECTION_OK;
  if (!ok && error) *error = PQerrorMessage(c);
  PQfinish(c);
  return ok;
}

bool PgServer::ExecAs(const std::string& dsn, const std::string& sql, std::string* error) {
  PGconn* c = PQconnectdb(dsn.c_str());
  if (PQstatus(c) != CONNECTION_OK) {
    if (error) *error = PQerrorMessage(c);
    PQfinish(c);
    return false;
  }
  PGresult* r = PQexec(c, sql.c_str());
  ExecStatusType st = PQresultStatus(r);
  bool ok = st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
  if (error) *error = ok ? "" : PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  return ok;
}

bool PgServer::CreateRole(const std::string& role, const std::string& password,
                          std::string* error) const {
  return Exec("CREATE ROLE \"" + role + "\" LOGIN PASSWORD '" + password + "'", error);
}

bool PgServer::CreateDatabase(const std::string& name, std::string* error) const {
  return Exec("CREATE DATABASE \"" + name + "\"", error);
}

bool PgServer::TerminateClients(std::string* error) const {
  return Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'",
      error);
}

}  // namespace aud::testing
