// Rendering a plan: the Terraform-like text for people and the documented
// `--json` object (docs/plan.md). Neither contains secrets: a plan has none.
// Every string of the plan may come from event data (keys) or a hand-edited
// plan file, so the text escapes control characters (base::TerminalSafe) and
// the JSON escapes them as JSON (docs/runtime.md, "Output to terminals").

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "compiler/base/escape.h"
#include "runtime/plan/plan.h"

namespace aud::plan {

namespace {

constexpr size_t kSamples = 5;  // keys shown per list without --detail

const char* Symbol(Action a) {
  switch (a) {
    case Action::Create: return "+";
    case Action::Update: return "~";
    case Action::Delete: return "-";
    case Action::Replace: return "-/+";
    case Action::NoOp: return " ";
  }
  return "?";
}

const char* Color(Action a) {
  switch (a) {
    case Action::Create: return "\x1b[32m";
    case Action::Update: return "\x1b[33m";
    case Action::Delete: return "\x1b[31m";
    case Action::Replace: return "\x1b[35m";
    case Action::NoOp: return "";
  }
  return "";
}

std::string Plural(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

template <typename T, typename F>
void Keys(std::ostringstream& out, const char* what, const std::vector<T>& items, bool detail,
          F key) {
  if (items.empty()) return;
  out << "      " << what << ":";
  size_t n = detail ? items.size() : std::min(items.size(), kSamples);
  for (size_t i = 0; i < n; ++i) out << " " << key(items[i]);
  if (n < items.size()) out << " ... (" << items.size() - n << " more)";
  out << "\n";
}

// A string of the plan as printed: control characters made visible.
std::string E(const std::string& s) { return base::TerminalSafe(s); }

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + E(v[i]);
  return s;
}

}  // namespace

std::string RenderHuman(const Plan& plan, bool detail, bool color) {
  std::ostringstream out;
  const char* reset = color ? "\x1b[0m" : "";
  const IngestSummary& in = plan.ingest;
  out << "ingest: " << in.events << " events, " << in.identifies << " identifies, " << in.aliases
      << " aliases from " << Plural(in.files, "file", "files") << (in.cached ? " (cached)" : "")
      << (!in.cached && in.files_reused ? " (" + std::to_string(in.files_read) + " read, " +
                                              std::to_string(in.files_reused) + " reused)"
                                        : "")
      << "; " << in.profiles << " profiles at as_of " << ir::FormatTime(plan.as_of) << "\n";
  for (const IngestSummary::File& f : in.per_file) {
    if (!f.quarantined && !f.duplicates) continue;
    out << "  " << E(f.file) << ": " << f.lines << " lines, " << f.accepted << " accepted, "
        << f.quarantined << " quarantined, " << f.duplicates << " duplicates\n";
  }
  if (in.bad) out << "  bad lines: " << in.bad << " (quarantined in .aud/quarantine/)\n";
  if (in.duplicates) out << "  duplicates dropped: " << in.duplicates << "\n";
  if (!in.type_mismatches.empty()) {
    out << "  property type mismatches (missing on those events):";
    for (const auto& [prop, n] : in.type_mismatches) out << " " << E(prop) << " " << n;
    out << "\n";
  }
  out << "environment: " << (plan.environment.empty() ? "default" : E(plan.environment)) << "\n";
  out << "state: lineage " << E(plan.lineage) << ", serial " << plan.serial << "\n";
  if (plan.refresh == "off")
    out << "refresh: off (destinations not read back; drift is not shown)\n";
  if (plan.refresh == "only") out << "refresh only: the plan repairs drift and nothing else\n";
  uint64_t drifted = 0;
  for (const auto& p : plan.publications) drifted += p.drift.any() ? 1 : 0;
  if (drifted)
    out << "drift: "
        << Plural(drifted, "publication's destination differs", "publications' destinations differ")
        << " from the state (marked !)\n";
  out << "\n";

  bool any = false;
  for (const auto& p : plan.publications) {
    if (p.action == Action::NoOp) continue;
    if (!any) {
      out << "aud will perform the following actions:\n\n";
      any = true;
    }
    out << (color ? Color(p.action) : "") << "  " << Symbol(p.action) << " " << E(p.audience)
        << " -> " << E(p.destination) << reset << "  (" << ActionName(p.action);
    if (!p.connection_type.empty() && p.destination != "profile_store")
      out << ", " << E(p.connection_type) << " " << E(p.connection);
    out << ")\n";
    out << "      enter " << p.enter.size() << ", update " << p.update.size() << ", exit "
        << p.exit.size() << "; " << Plural(p.desired, "member", "members") << " after apply\n";
    if (p.skipped.no_key || p.skipped.no_consent || p.skipped.duplicate_key) {
      std::vector<std::string> parts;
      if (p.skipped.no_consent)
        parts.push_back(std::to_string(p.skipped.no_consent) + " without consent");
      if (p.skipped.no_key)
        parts.push_back(std::to_string(p.skipped.no_key) + " with no `" + E(p.key_namespace) + "`");
      if (p.skipped.duplicate_key)
        parts.push_back(std::to_string(p.skipped.duplicate_key) + " with a duplicate key");
      out << "      skipped: " << Join(parts) << "\n";
    }
    if (!p.labels.empty()) out << "      labels: " << Join(p.labels) << "\n";
    if (p.action == Action::Replace)
      out << "      definition changed (refresh once): every member is replaced\n";
    if (p.moved)
      out << "      the destination moved (its connection's `dir` or `format` changed): every "
             "member is sent to the new place; the old files are left alone\n";
    if (p.drift.any()) {
      std::vector<std::string> parts;
      if (!p.drift.missing.empty())
        parts.push_back(std::to_string(p.drift.missing.size()) + " missing");
      if (!p.drift.changed.empty())
        parts.push_back(std::to_string(p.drift.changed.size()) + " changed");
      if (!p.drift.extra.empty())
        parts.push_back(std::to_string(p.drift.extra.size()) + " not in state");
      out << "      ! drift at " << E(p.drift.where) << ": " << Join(parts)
          << " (repaired by the rows below)\n";
      auto str = [](const std::string& s) { return E(s); };
      Keys(out, "! missing", p.drift.missing, detail, str);
      Keys(out, "! changed", p.drift.changed, detail, str);
      Keys(out, "! not in state", p.drift.extra, detail, str);
    }
    auto row_key = [](const connectors::Row& r) { return E(r.key); };
    auto str_key = [](const std::string& s) { return E(s); };
    Keys(out, "+ enter", p.enter, detail, row_key);
    Keys(out, "~ update", p.update, detail, row_key);
    Keys(out, "- exit", p.exit, detail, str_key);
    out << "\n";
  }
  // Unchanged publications, briefly.
  for (const auto& p : plan.publications) {
    if (p.action != Action::NoOp) continue;
    out << "  = " << E(p.audience) << " -> " << E(p.destination) << ": "
        << Plural(p.desired, "member", "members") << ", "
        << (p.frozen    ? "frozen (refresh once)"
            : p.not_due ? "not due (refresh " + E(p.refresh) + ")"
                        : std::string("unchanged"))
        << "\n";
    if (p.skipped.no_key || p.skipped.no_consent || p.skipped.duplicate_key)
      out << "      skipped: no consent " << p.skipped.no_consent << "; no key " << p.skipped.no_key
          << "; duplicate key " << p.skipped.duplicate_key << "\n";
  }
  for (const auto& w : plan.warnings) out << "\nwarning: " << E(w);
  if (!plan.warnings.empty()) out << "\n";
  out << "\n";
  if (!plan.has_changes() && plan.refresh == "only") {
    out << "No changes. The destinations match the state (no drift).\n";
  } else if (!plan.has_changes()) {
    out << "No changes. The destinations match the audiences.\n";
  } else {
    Plan::Summary s = plan.summary();
    out << "Plan: " << s.add << " to add, " << s.change << " to change, " << s.destroy
        << " to destroy.\n";
  }
  return out.str();
}

std::string RenderJson(const Plan& plan, bool detail) {
  using nlohmann::json;
  json j;
  j["format_version"] = plan.format_version;
  j["id"] = plan.id;
  j["as_of"] = ir::FormatTime(plan.as_of);
  j["environment"] = plan.environment.empty() ? "default" : plan.environment;
  j["lineage"] = plan.lineage;
  j["serial"] = plan.serial;
  Plan::Summary s = plan.summary();
  j["summary"] = {{"add", s.add}, {"change", s.change}, {"destroy", s.destroy}};
  j["changes"] = plan.has_changes();
  j["refresh"] = plan.refresh;
  bool drift = false;
  for (const auto& p : plan.publications) drift = drift || p.drift.any();
  j["drift"] = drift;
  json pubs = json::array();
  for (const auto& p : plan.publications) {
    json o;
    o["audience"] = p.audience;
    o["destination"] = p.destination;
    o["action"] = ActionName(p.action);
    o["enter"] = p.enter.size();
    o["exit"] = p.exit.size();
    o["update"] = p.update.size();
    o["skipped"] = {{"no_key", p.skipped.no_key},
                    {"no_consent", p.skipped.no_consent},
                    {"duplicate_key", p.skipped.duplicate_key}};
    o["labels"] = p.labels;
    o["desired"] = p.desired;
    o["frozen"] = p.frozen;
    o["not_due"] = p.not_due;
    o["moved"] = p.moved;
    json drift = {{"checked", p.drift.checked},
                  {"missing", p.drift.missing.size()},
                  {"changed", p.drift.changed.size()},
                  {"extra", p.drift.extra.size()}};
    if (detail) {
      drift["missing_keys"] = p.drift.missing;
      drift["changed_keys"] = p.drift.changed;
      drift["extra_keys"] = p.drift.extra;
    }
    o["drift"] = std::move(drift);
    if (detail) {
      json e = json::array(), u = json::array();
      for (const auto& r : p.enter) e.push_back(r.key);
      for (const auto& r : p.update) u.push_back(r.key);
      o["enter_keys"] = e;
      o["exit_keys"] = p.exit;
      o["update_keys"] = u;
    }
    pubs.push_back(std::move(o));
  }
  j["publications"] = std::move(pubs);
  const IngestSummary& in = plan.ingest;
  j["ingest"] = {{"files", in.files},       {"events", in.events}, {"identifies", in.identifies},
                 {"aliases", in.aliases},   {"bad", in.bad},       {"duplicates", in.duplicates},
                 {"profiles", in.profiles}, {"cached", in.cached}};
  j["ingest"]["type_mismatches"] = json::object();
  for (const auto& [prop, n] : in.type_mismatches) j["ingest"]["type_mismatches"][prop] = n;
  j["ingest"]["files_read"] = in.files_read;
  j["ingest"]["files_reused"] = in.files_reused;
  json per_file = json::array();
  for (const IngestSummary::File& f : in.per_file)
    per_file.push_back({{"file", f.file},
                        {"lines", f.lines},
                        {"accepted", f.accepted},
                        {"quarantined", f.quarantined},
                        {"duplicates", f.duplicates}});
  j["ingest"]["per_file"] = std::move(per_file);
  j["warnings"] = plan.warnings;
  // nlohmann escapes what JSON requires; DEL, C1 and bidi controls too.
  return base::JsonTerminalSafe(j.dump(2, ' ', false, json::error_handler_t::replace)) + "\n";
}

}  // namespace aud::plan
