// `aud profile show KEY`: one profile of the profile store `.aud/profiles.db`
// — its identities (namespace, value, declared/visitor), traits, and audience
// memberships (status, qualified/exited times, attributes, the audience's
// labels). KEY is a profile key or any identity value of a profile. Every
// value comes from event data: control characters are printed escaped.

#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/pipeline.h"
#include "compiler/base/escape.h"
#include "compiler/check/check.h"
#include "runtime/connectors/file_format.h"
#include "runtime/connectors/postgres.h"
#include "runtime/connectors/profile_store.h"

namespace aud::cli {

namespace {

using connectors::StoredProfile;

std::string Pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

std::string E(const std::string& s) { return base::TerminalSafe(s); }

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + E(s);
  return out;
}

void Print(const StoredProfile& p, std::ostream& out) {
  out << "profile " << E(p.key) << "  (updated " << connectors::Rfc3339Utc(p.updated_at) << ")\n";

  out << "\nidentities:\n";
  if (p.identities.empty()) out << "  (none)\n";
  size_t ns_w = 0, value_w = 0;
  for (const auto& i : p.identities) {
    ns_w = std::max(ns_w, E(i.ns).size());
    value_w = std::max(value_w, E(i.value).size());
  }
  for (const auto& i : p.identities)
    out << "  " << Pad(E(i.ns), ns_w) << "  " << Pad(E(i.value), value_w) << "  "
        << (i.visitor ? "visitor" : "declared") << "\n";

  out << "\ntraits:\n";
  if (p.traits.empty()) out << "  (none)\n";
  size_t name_w = 0;
  for (const auto& t : p.traits) name_w = std::max(name_w, E(t.name).size());
  for (const auto& t : p.traits)
    out << "  " << Pad(E(t.name), name_w) << "  " << E(t.value_json) << "\n";

  out << "\naudiences:\n";
  if (p.memberships.empty()) out << "  (none)\n";
  size_t aud_w = 0;
  for (const auto& m : p.memberships) aud_w = std::max(aud_w, E(m.audience).size());
  for (const auto& m : p.memberships) {
    out << "  " << Pad(E(m.audience), aud_w) << "  " << Pad(E(m.status), 8) << "  qualified "
        << connectors::Rfc3339Utc(m.qualified_at);
    if (m.exited_at) out << "  exited " << connectors::Rfc3339Utc(*m.exited_at);
    out << "\n";
    std::string indent(aud_w + 4, ' ');
    out << indent << "labels: " << (m.labels.empty() ? "(none)" : Join(m.labels)) << "\n";
    out << indent << "attributes: " << E(m.attributes_json) << "\n";
  }
}

}  // namespace

int RunProfileShow(const GlobalOptions& g, const std::string& key) {
  std::string error;
  // With `[connections.profile_store] dsn`, the store is in PostgreSQL.
  auto project = check::Check(check::ReadSourceTree(g.dir),
                              {.require_config = false, .environment = EnvironmentName(g)});
  const config::Connection* pg = nullptr;
  if (project->config) {
    auto it = project->config->connections.find("profile_store");
    if (it != project->config->connections.end() && it->second.values.count("dsn"))
      pg = &it->second;
  }
  if (!MayView(g, project->config ? &*project->config : nullptr, &error)) {
    std::cerr << "error: " << error << "\n";
    return 1;
  }
  std::unique_ptr<connectors::ProfileStoreReader> reader;
  if (pg) {
    connectors::Context ctx;
    ctx.project_dir = g.dir;
    ctx.environment = EnvironmentName(g);
    reader = connectors::OpenPgProfileStore(*pg, ctx, &error);
  } else {
    reader = connectors::ProfileStoreReader::Open(g.dir, &error, EnvironmentName(g));
  }
  if (!reader) {
    std::cerr << "error: " << E(error) << "\n";
    return 1;
  }
  std::vector<std::string> keys = reader->FindProfiles(key, &error);
  if (!error.empty()) {
    std::cerr << "error: reading the profile store: " << E(error) << "\n";
    return 1;
  }
  if (keys.empty()) {
    std::cerr << "error: no profile `" << E(key)
              << "` in the profile store (neither a profile key nor an identity value)\n";
    return 1;
  }
  // Usually one profile; several when KEY is both the key of a profile and
  // an id of another (e.g. an anonymous profile later stitched into a known
  // one, which keeps its exited memberships), or ids of different
  // namespaces share the value: every match is shown, the key match first.
  bool first = true;
  for (const std::string& k : keys) {
    auto profile = reader->GetProfile(k, &error);
    if (!profile) {
      std::cerr << "error: reading profile `" << E(k) << "`: " << E(error) << "\n";
      return 1;
    }
    if (!first) std::cout << "\n";
    first = false;
    Print(*profile, std::cout);
  }
  return 0;
}

}  // namespace aud::cli
