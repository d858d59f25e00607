#pragma once
// The state backend the plan/apply tests run against (tests/plan/README.md):
// SQLite `.aud/state.db` by default; with AUD_TEST_STATE=postgres, a
// PostgreSQL state in a server this test process starts on first use (one
// per process, stopped at exit) with one database per project folder. In that
// mode TempDir::Write adds a `[state]` table to every aud.toml written without
// one, and RunAud / SpawnAud pass the folder's DSN in AUD_TEST_STATE_DSN.

#include <string>
#include <vector>

namespace aud::testing {

class PgServer;

// True when AUD_TEST_STATE=postgres.
bool PostgresStateTests();

// The server of this process (started on first call; null with the reason
// in `error` when it cannot start). Only in postgres mode.
PgServer* SharedPgServer(std::string* error = nullptr);

// The `[state]` table written into aud.toml in postgres mode ("" otherwise).
std::string StateToml();

// The superuser DSN of the database of project folder `dir` (created on
// first use); "" outside postgres mode.
std::string StateDsnFor(const std::string& dir);

// A query on the state of project folder `dir`: `.aud/state.db`, or its
// PostgreSQL database (schema `aud` first on the search path). Rows of text
// values; a failure adds a test failure and returns what was read.
std::vector<std::vector<std::string>> StateQuery(const std::string& dir, const std::string& sql);
// Runs statements on that state; false (with a test failure) on error.
bool StateExec(const std::string& dir, const std::string& sql);
// True when the state of `dir` exists (the file, or the project's row).
bool StateExists(const std::string& dir);

// Postgres mode: holds the state lock of `dir` as another aud process would
// (a session holding the advisory lock, and the lock row naming `who` and
// `pid`). Null (with a test failure) on error. ReleaseStateLock ends the
// session, as if that process died.
void* HoldStateLock(const std::string& dir, const std::string& id, const std::string& who,
                    long pid);
void ReleaseStateLock(void* holder);

}  // namespace aud::testing
