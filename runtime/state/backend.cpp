#include "runtime/state/backend.h"

namespace aud::state {

bool BackendSupported(const std::string& backend, std::string* message) {
  if (backend.empty() || backend == "sqlite") return true;
  if (message) {
    if (backend == "postgres") {
      *message =
          "state backend `postgres` is not supported by this build of aud; remove "
          "`backend` from [state] in aud.toml to use `.aud/state.db` (SQLite)";
    } else {
      *message = "unknown state backend `" + backend + "` (expected `sqlite`)";
    }
  }
  return false;
}

}  // namespace aud::state
