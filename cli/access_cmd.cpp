// `aud access grant|revoke ROLE CAPABILITY [CONNECTION]` and `aud access list
// [--json]`: who may view, create and publish, for a PostgreSQL state
// (docs/teams.md). PostgreSQL enforces the grants itself (GRANTs and
// row-level security on the state tables); an SQLite state has none.

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/escape.h"
#include "compiler/check/check.h"
#include "runtime/state/backend.h"

namespace aud::cli {

int RunAccess(const GlobalOptions& g, const AccessOptions& o) {
  std::unique_ptr<check::Project> project = check::Check(check::ReadSourceTree(g.dir));
  if (!project->config) {
    PrintDiagnostics(g, project->diags);
    std::cerr << "error: `aud access` needs a valid aud.toml\n";
    return 1;
  }
  const config::ProjectConfig& cfg = *project->config;
  if (cfg.state_backend != "postgres") {
    std::cerr << "error: an SQLite state has no permissions (one local user); permissions need "
                 "`[state] backend = \"postgres\"` in aud.toml (docs/teams.md)\n";
    return 1;
  }
  if (o.action != "list") {
    if (o.capability != "view" && o.capability != "create" && o.capability != "publish") {
      std::cerr << "error: unknown capability `" << base::TerminalSafe(o.capability)
                << "` (expected `view`, `create` or `publish`)\n";
      return 1;
    }
    if (!o.connection.empty() && o.capability != "publish") {
      std::cerr << "error: only `publish` is given per connection; `" << o.capability
                << "` applies to the whole state (drop `" << base::TerminalSafe(o.connection)
                << "`)\n";
      return 1;
    }
    if (!o.connection.empty() && o.connection != "profile_store" &&
        !cfg.connections.count(o.connection)) {
      std::cerr << "error: no connection `" << base::TerminalSafe(o.connection)
                << "` in aud.toml (`[connections.NAME]`, or `profile_store`)\n";
      return 1;
    }
  }
  state::Location where;
  std::string error;
  if (!StateLocationOf(g, &cfg, false, &where, &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  bool missing = false;
  auto st = state::OpenLocation(where, &error, &missing);
  if (missing) {
    std::cerr << "error: there is no " << state::ShownLocation(where)
              << " yet; run `aud plan` first (the role that creates the state is its "
                 "administrator)\n";
    return 1;
  }
  if (!st) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  if (o.action == "list") {
    auto grants = st->AccessList(&error);
    if (!error.empty()) {
      std::cerr << "error: " << error << "\n";
      return 1;
    }
    const std::string admin = st->Administrator();
    if (o.json) {
      nlohmann::json j;
      j["administrator"] = admin;
      j["grants"] = nlohmann::json::array();
      for (const auto& a : grants)
        j["grants"].push_back(
            {{"role", a.role}, {"capability", a.capability}, {"connection", a.connection}});
      std::cout << j.dump() << "\n";
      return 0;
    }
    auto E = [](const std::string& s) { return base::TerminalSafe(s); };
    std::cout << "administrator: " << E(admin) << " (every capability)\n";
    if (grants.empty()) std::cout << "No grants.\n";
    for (const auto& a : grants)
      std::cout << E(a.role) << "  " << a.capability
                << (a.capability == "publish"
                        ? (a.connection.empty() ? "  (every connection)" : "  " + E(a.connection))
                        : "")
                << "\n";
    return 0;
  }
  state::AccessGrant grant{o.role, o.capability, o.connection};
  if (!st->Grant(grant, o.action == "revoke", &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  std::cout << (o.action == "revoke" ? "Revoked `" : "Granted `") << o.capability << "`"
            << (o.connection.empty() ? std::string()
                                     : " on `" + base::TerminalSafe(o.connection) + "`")
            << (o.action == "revoke" ? " from " : " to ") << base::TerminalSafe(o.role) << ".\n";
  return 0;
}

}  // namespace aud::cli
