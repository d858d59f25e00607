#include "runtime/state/backend.h"

#include <sys/stat.h>

namespace aud::state {

bool BackendSupported(const std::string& backend, std::string* message) {
  if (backend.empty() || backend == "sqlite" || backend == "postgres") return true;
  if (message)
    *message = "unknown state backend `" + backend + "` (expected `sqlite` or `postgres`)";
  return false;
}

bool ValidSchemaName(const std::string& schema) {
  if (schema.empty() || schema.size() > 63) return false;
  if (!(schema[0] == '_' || (schema[0] >= 'a' && schema[0] <= 'z'))) return false;
  for (char c : schema)
    if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return false;
  return true;
}

std::string ShownLocation(const Location& where) {
  if (where.backend == "postgres")
    return "PostgreSQL state (schema `" + where.schema + "`, project `" + where.project +
           "`, environment `" + where.environment + "`)";
  return "state `" + where.path + "`";
}

std::unique_ptr<State> OpenLocation(const Location& where, std::string* error, bool* missing) {
  std::string err;
  if (!error) error = &err;
  bool ignored = false;
  if (!missing) missing = &ignored;
  *missing = false;
  if (!BackendSupported(where.backend, error)) return nullptr;
  if (where.backend == "postgres") return OpenPostgres(where, error, missing);
  if (!where.create) {
    struct stat sb {};
    if (::stat(where.path.c_str(), &sb) != 0) {
      *missing = true;
      return nullptr;
    }
  }
  return State::Open(where.path, error);
}

}  // namespace aud::state
