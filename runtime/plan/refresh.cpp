// The refresh step (refresh.h): what a destination holds against what state
// recorded, and the rows that bring the destination back.

#include "runtime/plan/refresh.h"

#include <algorithm>

namespace aud::plan {

const config::Connection* ConnectionOf(const check::Project& project,
                                       const std::string& connection) {
  if (connection.empty() || !project.config) return nullptr;
  auto it = project.config->connections.find(connection);
  return it == project.config->connections.end() ? nullptr : &it->second;
}

connectors::ReadBack ReadDestination(const check::Project& project, const std::string& project_dir,
                                     const std::string& environment, const std::string& connection,
                                     const std::string& audience,
                                     const std::vector<std::string>& field_names,
                                     const std::string& destination) {
  const config::Connection* c = ConnectionOf(project, connection);
  if (!connection.empty() && !c) return {};  // an undeclared connection: not readable
  connectors::Context ctx;
  ctx.project_dir = project_dir;
  ctx.environment = environment;
  return connectors::ReadBackPublication(c, ctx, audience, field_names, destination);
}

bool KeysDrift(const connectors::ReadBack& rb,
               const std::map<std::string, state::Member>& current) {
  if (!rb.readable || !rb.error.empty()) return false;
  if (rb.rows.size() != current.size()) return true;
  for (const auto& [key, _] : current)
    if (!rb.rows.count(key)) return true;
  return false;
}

void AddDriftRepairs(const connectors::ReadBack& rb, const config::Connection* connection,
                     const std::map<std::string, state::Member>& current,
                     const std::map<std::string, connectors::Row>& desired, PublicationPlan* pp) {
  if (!rb.readable || !rb.error.empty()) return;
  Drift& d = pp->drift;
  d.checked = true;
  d.where = rb.where;
  std::set<std::string> sent;
  for (const auto& r : pp->enter) sent.insert(r.key);
  for (const auto& r : pp->update) sent.insert(r.key);
  sent.insert(pp->exit.begin(), pp->exit.end());

  for (const auto& [key, _] : current) {
    if (rb.rows.count(key)) continue;
    d.missing.push_back(key);
    if (sent.count(key)) continue;  // already sent (an update, an exit)
    auto w = desired.find(key);
    if (w == desired.end()) continue;  // not desired: its exit is planned
    connectors::Row row = w->second;
    row.op = connectors::Row::Enter;
    pp->enter.push_back(std::move(row));
    sent.insert(key);
  }
  for (const auto& [key, content] : rb.rows) {
    auto c = current.find(key);
    if (c == current.end()) {
      d.extra.push_back(key);
      if (!sent.count(key) && !desired.count(key)) {
        pp->exit.push_back(key);
        sent.insert(key);
      }
      continue;
    }
    // The recorded payload is known only as a hash: the content is compared
    // with the desired row when state says that row is the one sent.
    if (sent.count(key)) continue;
    auto w = desired.find(key);
    if (w == desired.end() || w->second.payload_hash != c->second.payload_hash) continue;
    if (connectors::ExpectedContent(connection, w->second, pp->field_names) == content) continue;
    d.changed.push_back(key);
    connectors::Row row = w->second;
    row.op = connectors::Row::Update;
    pp->update.push_back(std::move(row));
    sent.insert(key);
  }
  auto by_key = [](const connectors::Row& a, const connectors::Row& b) { return a.key < b.key; };
  std::sort(pp->enter.begin(), pp->enter.end(), by_key);
  std::sort(pp->update.begin(), pp->update.end(), by_key);
  std::sort(pp->exit.begin(), pp->exit.end());
  pp->exit.erase(std::unique(pp->exit.begin(), pp->exit.end()), pp->exit.end());
}

void KeepDriftOnly(const std::set<std::string>& in_flight, PublicationPlan* pp) {
  const Drift& d = pp->drift;
  std::set<std::string> keys = in_flight;
  keys.insert(d.missing.begin(), d.missing.end());
  keys.insert(d.changed.begin(), d.changed.end());
  keys.insert(d.extra.begin(), d.extra.end());
  auto drop_row = [&](const connectors::Row& r) { return !keys.count(r.key); };
  pp->enter.erase(std::remove_if(pp->enter.begin(), pp->enter.end(), drop_row), pp->enter.end());
  pp->update.erase(std::remove_if(pp->update.begin(), pp->update.end(), drop_row),
                   pp->update.end());
  pp->exit.erase(std::remove_if(pp->exit.begin(), pp->exit.end(),
                                [&](const std::string& k) { return !keys.count(k); }),
                 pp->exit.end());
}

}  // namespace aud::plan
