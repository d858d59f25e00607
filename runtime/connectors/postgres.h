#pragma once
// The `postgres` destination's connection values, its read-back, and the
// comparable text of its rows (README.md, "postgres").

#include <string>

#include "compiler/config/config.h"
#include "runtime/connectors/connector.h"
#include "runtime/connectors/profile_store.h"
#include "runtime/connectors/readback.h"

namespace aud::connectors {

// What a PostgreSQL connection names: the variable holding its DSN, the
// table (`name` or `schema.name`; empty for the profile store) and the
// statement timeout.
struct PgTarget {
  std::string dsn_var;
  std::string table;
  double timeout_s = 30;
};

// Reads `dsn` (through ctx.getenv), `table` and `timeout_s` of `c`. False
// with an error naming the connection and the variable, never the value.
bool ReadPgTarget(const config::Connection& c, const Context& ctx, PgTarget* target, Secret* dsn,
                  std::string* error);

// The rows `destination` holds in the table for `audience`: key -> fields
// (NormalizedJson). A missing table is readable and empty.
ReadBack ReadBackPostgres(const config::Connection& c, const Context& ctx,
                          const std::string& audience, const std::string& destination);

// The built-in profile store on PostgreSQL (`[connections.profile_store]
// dsn`): its tables in the schema `aud_profiles` (`aud_profiles_NAME` for
// the environment NAME); the connector, a reader (`aud profile show`) and
// its read-back (memberships: profile -> attributes JSON).
std::unique_ptr<Connector> MakePgProfileStore(const config::Connection& connection,
                                              const Context& ctx, std::string* error);
std::unique_ptr<ProfileStoreReader> OpenPgProfileStore(const config::Connection& connection,
                                                       const Context& ctx, std::string* error);
void ReadBackPgProfileStore(const config::Connection& connection, const Context& ctx,
                            const std::string& audience, ReadBack* out);

// A JSON text in a form equal for equal values (sorted keys, compact,
// integral numbers as integers), so jsonb's rendering compares with ours.
std::string NormalizedJson(const std::string& text);

}  // namespace aud::connectors
