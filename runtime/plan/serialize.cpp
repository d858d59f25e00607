// The saved plan file (`aud plan --out`): every field of the Plan, every row,
// as versioned JSON (docs/plan.md), ending with a checksum over every byte
// before it. A plan holds no secrets, so neither does the file. Deserialize
// never throws: malformed or modified input is an error message.

#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "runtime/plan/plan.h"

namespace aud::plan {

namespace {

using nlohmann::json;

// Numbers are read strictly: an integer where an integer is expected (a
// float such as 1e300 would overflow the conversion), within range.
uint64_t U64(const json& j) {
  if (j.is_number_unsigned()) return j.get<uint64_t>();
  throw std::runtime_error("expected a non-negative integer, got " + std::string(j.type_name()));
}
int64_t I64(const json& j) {
  if (j.is_number_integer() &&
      (!j.is_number_unsigned() ||
       j.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())))
    return j.get<int64_t>();
  throw std::runtime_error("expected a 64-bit integer, got " + std::string(j.type_name()));
}

json ValueJson(const connectors::Value& v) {
  switch (v.kind) {
    case connectors::Value::Null: return nullptr;
    case connectors::Value::Bool: return v.b;
    case connectors::Value::Int: return v.i;
    case connectors::Value::Float: return {{"f", v.f}};  // kept distinct from Int
    case connectors::Value::String: return v.s;
  }
  return nullptr;
}

connectors::Value JsonValue(const json& j) {
  connectors::Value v;
  if (j.is_boolean()) {
    v.kind = connectors::Value::Bool;
    v.b = j.get<bool>();
  } else if (j.is_number_integer()) {
    v.kind = connectors::Value::Int;
    v.i = I64(j);
  } else if (j.is_object()) {
    v.kind = connectors::Value::Float;
    const json& f = j.at("f");
    if (!f.is_number()) throw std::runtime_error("a float field value must be {\"f\": number}");
    v.f = f.get<double>();
  } else if (j.is_string()) {
    v.kind = connectors::Value::String;
    v.s = j.get<std::string>();
  } else if (!j.is_null()) {
    throw std::runtime_error(
        "a field value must be null, a boolean, an integer, {\"f\": number} or a string");
  }
  return v;
}

json FieldsJson(const std::vector<connectors::Field>& fs) {
  json a = json::array();
  for (const auto& f : fs) a.push_back({f.name, ValueJson(f.value)});
  return a;
}

std::vector<connectors::Field> JsonFields(const json& j) {
  std::vector<connectors::Field> out;
  for (const auto& e : j) {
    if (!e.is_array() || e.size() != 2) throw std::runtime_error("a field must be [name, value]");
    out.push_back({e[0].get<std::string>(), JsonValue(e[1])});
  }
  return out;
}

json RowJson(const connectors::Row& r) {
  json ids = json::array();
  for (const auto& id : r.identities)
    ids.push_back({{"ns", id.ns}, {"visitor", id.visitor}, {"values", id.values}});
  return {{"key", r.key},
          {"visitor", r.visitor},
          {"profile", r.profile},
          {"identities", ids},
          {"fields", FieldsJson(r.fields)},
          {"traits", FieldsJson(r.traits)},
          {"payload_hash", r.payload_hash}};
}

connectors::Row JsonRow(const json& j, connectors::Row::Op op) {
  connectors::Row r;
  r.op = op;
  r.key = j.at("key").get<std::string>();
  r.visitor = j.at("visitor").get<bool>();
  r.profile = j.at("profile").get<std::string>();
  for (const auto& id : j.at("identities"))
    r.identities.push_back({id.at("ns").get<std::string>(), id.at("visitor").get<bool>(),
                            id.at("values").get<std::vector<std::string>>()});
  r.fields = JsonFields(j.at("fields"));
  r.traits = JsonFields(j.at("traits"));
  r.payload_hash = j.at("payload_hash").get<std::string>();
  return r;
}

// The file ends with this, 64 hex digits, `"}` and a newline.
constexpr std::string_view kChecksumKey = ",\"checksum\":\"sha256:";
constexpr size_t kChecksumTail = 64 + 3;  // hex + `"}` + "\n"

bool IsLowerHex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// Verifies the checksum ending `text`. Errors name the problem and the fix.
bool VerifyChecksum(const std::string& text, std::string* error) {
  const size_t total = kChecksumKey.size() + kChecksumTail;
  const size_t at = text.size() >= total ? text.size() - total : std::string::npos;
  if (at == std::string::npos || text.compare(at, kChecksumKey.size(), kChecksumKey) != 0 ||
      text.compare(text.size() - 3, 3, "\"}\n") != 0 ||
      !IsLowerHex(std::string_view(text).substr(at + kChecksumKey.size(), 64))) {
    *error =
        "the plan file has no valid `checksum` at its end: it was not written by `aud plan --out` "
        "or was edited since; make and review a new plan with `aud plan --out FILE`";
    return false;
  }
  std::string body = text.substr(0, at) + "}";
  if (Sha256Hex(body) != text.substr(at + kChecksumKey.size(), 64)) {
    *error =
        "the plan file was modified after `aud plan` wrote it (its checksum does not match its "
        "content); nothing was applied: make and review a new plan with `aud plan --out FILE`";
    return false;
  }
  return true;
}

bool ParseAction(const std::string& s, Action* a) {
  for (Action x : {Action::Create, Action::Update, Action::NoOp, Action::Delete, Action::Replace})
    if (s == ActionName(x)) {
      *a = x;
      return true;
    }
  return false;
}

}  // namespace

std::string Serialize(const Plan& plan) {
  json j;
  j["aud_plan"] = true;
  j["format_version"] = plan.format_version;
  j["id"] = plan.id;
  j["lineage"] = plan.lineage;
  j["environment"] = plan.environment;
  j["serial"] = plan.serial;
  j["as_of"] = plan.as_of;
  j["created_at"] = plan.created_at;
  j["fingerprints"] = {{"definitions", plan.fingerprints.definitions},
                       {"data", plan.fingerprints.data},
                       {"policies", plan.fingerprints.policies},
                       {"config", plan.fingerprints.config}};
  const IngestSummary& in = plan.ingest;
  j["ingest"] = {{"files", in.files},       {"events", in.events}, {"identifies", in.identifies},
                 {"aliases", in.aliases},   {"bad", in.bad},       {"duplicates", in.duplicates},
                 {"profiles", in.profiles}, {"cached", in.cached}};
  j["ingest"]["type_mismatches"] = json::object();
  for (const auto& [prop, n] : in.type_mismatches) j["ingest"]["type_mismatches"][prop] = n;
  json pubs = json::array();
  for (const auto& p : plan.publications) {
    json enter = json::array(), update = json::array();
    for (const auto& r : p.enter) enter.push_back(RowJson(r));
    for (const auto& r : p.update) update.push_back(RowJson(r));
    pubs.push_back({{"audience", p.audience},
                    {"destination", p.destination},
                    {"connection", p.connection},
                    {"connection_type", p.connection_type},
                    {"action", ActionName(p.action)},
                    {"enter", enter},
                    {"update", update},
                    {"exit", p.exit},
                    {"skipped",
                     {{"no_key", p.skipped.no_key},
                      {"no_consent", p.skipped.no_consent},
                      {"duplicate_key", p.skipped.duplicate_key}}},
                    {"desired", p.desired},
                    {"labels", p.labels},
                    {"actions", p.actions},
                    {"field_names", p.field_names},
                    {"field_types", p.field_types},
                    {"key_namespace", p.key_namespace},
                    {"definition_hash", p.definition_hash},
                    {"refresh", p.refresh},
                    {"frozen", p.frozen},
                    {"not_due", p.not_due}});
    if (!p.target.empty()) pubs.back()["target"] = p.target;  // optional keys
    if (p.moved) pubs.back()["moved"] = true;
    if (p.drift.checked)  // optional: plans without a refresh have none
      pubs.back()["drift"] = {{"where", p.drift.where},
                              {"missing", p.drift.missing},
                              {"changed", p.drift.changed},
                              {"extra", p.drift.extra}};
  }
  j["publications"] = std::move(pubs);
  json auds = json::array();
  for (const auto& a : plan.audiences)
    auds.push_back({{"name", a.name},
                    {"description", a.description},
                    {"definition_hash", a.definition_hash},
                    {"labels", a.labels},
                    {"refresh", a.refresh},
                    {"evaluated", a.evaluated},
                    {"members", a.members}});
  j["audiences"] = std::move(auds);
  j["warnings"] = plan.warnings;
  j["refresh"] = plan.refresh;
  j["allow_mass_exit"] = plan.allow_mass_exit;
  // Keys sorted, no `checksum` among them: the object ends with `}`, which the
  // checksum member replaces. The checksum covers every byte before it.
  return WithChecksum(j.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string WithChecksum(std::string body) {
  std::string sum = Sha256Hex(body);
  if (!body.empty() && body.back() == '}') body.pop_back();
  body += kChecksumKey;
  body += sum;
  body += "\"}\n";
  return body;
}

bool Deserialize(const std::string& text, Plan* out, std::string* error) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    *error = "not a plan file (invalid JSON)";
    return false;
  }
  if (!j.contains("aud_plan") || !j.contains("format_version")) {
    *error = "not a plan file (no `aud_plan` / `format_version`)";
    return false;
  }
  try {
    const json& fv = j.at("format_version");
    if (!fv.is_number_integer() || fv.get<int64_t>() < 0 || fv.get<int64_t>() > 1000000) {
      *error = "not a plan file (`format_version` is not a version number)";
      return false;
    }
    int version = fv.get<int>();
    if (version != kFormatVersion) {
      *error = "plan file format_version " + std::to_string(version) +
               " is not supported (this aud reads " + std::to_string(kFormatVersion) +
               "); make the plan again";
      return false;
    }
    if (!VerifyChecksum(text, error)) return false;
    Plan p;
    p.format_version = version;
    p.id = j.at("id").get<std::string>();
    p.lineage = j.at("lineage").get<std::string>();
    // Plans saved before environments existed were made for the default one.
    if (j.contains("environment")) p.environment = j.at("environment").get<std::string>();
    p.serial = U64(j.at("serial"));
    p.as_of = I64(j.at("as_of"));
    p.created_at = I64(j.at("created_at"));
    const json& fp = j.at("fingerprints");
    p.fingerprints.definitions = fp.at("definitions").get<std::string>();
    p.fingerprints.data = fp.at("data").get<std::string>();
    p.fingerprints.policies = fp.at("policies").get<std::string>();
    p.fingerprints.config = fp.at("config").get<std::string>();
    const json& in = j.at("ingest");
    p.ingest.files = U64(in.at("files"));
    p.ingest.events = U64(in.at("events"));
    p.ingest.identifies = U64(in.at("identifies"));
    p.ingest.aliases = U64(in.at("aliases"));
    p.ingest.bad = U64(in.at("bad"));
    p.ingest.duplicates = U64(in.at("duplicates"));
    p.ingest.profiles = U64(in.at("profiles"));
    p.ingest.cached = in.at("cached").get<bool>();
    if (in.contains("type_mismatches"))  // plan files written before it have none
      for (const auto& [prop, n] : in.at("type_mismatches").items())
        p.ingest.type_mismatches[prop] = n.get<uint64_t>();
    for (const auto& o : j.at("publications")) {
      PublicationPlan pp;
      pp.audience = o.at("audience").get<std::string>();
      pp.destination = o.at("destination").get<std::string>();
      pp.connection = o.at("connection").get<std::string>();
      pp.connection_type = o.at("connection_type").get<std::string>();
      if (!ParseAction(o.at("action").get<std::string>(), &pp.action)) {
        *error = "invalid plan file: unknown action `" + o.at("action").get<std::string>() + "`";
        return false;
      }
      for (const auto& r : o.at("enter")) pp.enter.push_back(JsonRow(r, connectors::Row::Enter));
      for (const auto& r : o.at("update")) pp.update.push_back(JsonRow(r, connectors::Row::Update));
      pp.exit = o.at("exit").get<std::vector<std::string>>();
      const json& sk = o.at("skipped");
      pp.skipped.no_key = U64(sk.at("no_key"));
      pp.skipped.no_consent = U64(sk.at("no_consent"));
      pp.skipped.duplicate_key = U64(sk.at("duplicate_key"));
      pp.desired = U64(o.at("desired"));
      pp.labels = o.at("labels").get<std::vector<std::string>>();
      pp.actions = o.at("actions").get<std::vector<std::string>>();
      pp.field_names = o.at("field_names").get<std::vector<std::string>>();
      if (o.contains("field_types"))  // absent in plans saved before it was added
        pp.field_types = o.at("field_types").get<std::vector<std::string>>();
      pp.key_namespace = o.at("key_namespace").get<std::string>();
      pp.definition_hash = o.at("definition_hash").get<std::string>();
      pp.refresh = o.at("refresh").get<std::string>();
      pp.frozen = o.at("frozen").get<bool>();
      pp.not_due = o.at("not_due").get<bool>();
      if (auto t = o.find("target"); t != o.end()) pp.target = t->get<std::string>();
      if (auto m = o.find("moved"); m != o.end()) pp.moved = m->get<bool>();
      if (auto d = o.find("drift"); d != o.end()) {
        pp.drift.checked = true;
        pp.drift.where = d->at("where").get<std::string>();
        pp.drift.missing = d->at("missing").get<std::vector<std::string>>();
        pp.drift.changed = d->at("changed").get<std::vector<std::string>>();
        pp.drift.extra = d->at("extra").get<std::vector<std::string>>();
      }
      p.publications.push_back(std::move(pp));
    }
    for (const auto& o : j.at("audiences")) {
      AudiencePlan a;
      a.name = o.at("name").get<std::string>();
      a.description = o.at("description").get<std::string>();
      a.definition_hash = o.at("definition_hash").get<std::string>();
      a.labels = o.at("labels").get<std::vector<std::string>>();
      a.refresh = o.at("refresh").get<std::string>();
      a.evaluated = o.at("evaluated").get<bool>();
      a.members = U64(o.at("members"));
      p.audiences.push_back(std::move(a));
    }
    p.warnings = j.at("warnings").get<std::vector<std::string>>();
    if (auto r = j.find("refresh"); r != j.end()) {
      p.refresh = r->get<std::string>();
      if (p.refresh != "on" && p.refresh != "off" && p.refresh != "only") {
        *error = "invalid plan file: unknown refresh `" + p.refresh + "`";
        return false;
      }
    }
    p.allow_mass_exit = j.at("allow_mass_exit").get<bool>();
    *out = std::move(p);
    return true;
  } catch (const std::exception& e) {
    *error = std::string("invalid plan file: ") + e.what();
    return false;
  }
}

}  // namespace aud::plan
