// Rendering plans (Terraform-like text and the documented JSON), the summary
// counting, and the saved plan file's round trip.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/plan/plan.h"

namespace aud::plan {
namespace {

using connectors::Row;
using connectors::Value;

Row MakeRow(const std::string& key, Row::Op op = Row::Enter) {
  Row r;
  r.op = op;
  r.key = key;
  r.profile = "p-" + key;
  r.identities = {{"email", false, {key}}, {"ecid", true, {"a1", "a2"}}};
  Value s;
  s.kind = Value::String;
  s.s = "SE \"quoted\"\n";
  Value f;
  f.kind = Value::Float;
  f.f = 3.0;
  Value i;
  i.kind = Value::Int;
  i.i = -7;
  Value b;
  b.kind = Value::Bool;
  b.b = true;
  r.fields = {{"country", s}, {"ltv", f}, {"n", i}, {"opt", b}, {"missing", Value{}}};
  r.traits = {{"email", s}};
  r.payload_hash = PayloadHash(r);
  return r;
}

Plan Sample() {
  Plan p;
  p.id = "11111111-2222-4333-8444-555555555555";
  p.lineage = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  p.serial = 7;
  p.as_of = 1'763'000'000'000;
  p.created_at = 1'763'000'100'000;
  p.fingerprints = {"d1", "d2", "d3", "d4"};
  p.ingest = {2, 100, 10, 1, 3, 4, 20, true, {}};
  PublicationPlan create;
  create.audience = "vip";
  create.destination = "crm";
  create.connection = "files";
  create.connection_type = "file";
  create.action = Action::Create;
  for (int k = 0; k < 8; ++k) create.enter.push_back(MakeRow("k" + std::to_string(k)));
  create.skipped = {1, 2, 3};
  create.desired = 8;
  create.labels = {"C2", "I1"};
  create.actions = {"analytics"};
  create.field_names = {"country", "ltv", "n", "opt", "missing"};
  create.key_namespace = "email";
  create.definition_hash = "h1";
  create.refresh = "every 1d";
  PublicationPlan update = create;
  update.destination = "hook";
  update.action = Action::Update;
  update.enter.clear();
  update.update = {MakeRow("u1", Row::Update)};
  update.exit = {"x1", "x2"};
  PublicationPlan replace = create;
  replace.destination = "profile_store";
  replace.action = Action::Replace;
  replace.exit = {"k0"};
  PublicationPlan del;
  del.audience = "old";
  del.destination = "crm";
  del.action = Action::Delete;
  del.exit = {"z"};
  PublicationPlan noop;
  noop.audience = "once";
  noop.destination = "crm";
  noop.frozen = true;
  noop.desired = 5;
  p.publications = {create, update, replace, del, noop};
  p.audiences = {{"vip", "VIPs", "h1", {"I1"}, "every 1d", true, 9}};
  p.warnings = {"imported list \"x.csv\": 1 of 2 entries match no profile (not published)"};
  return p;
}

TEST(PlanRender, SummaryCountsLikeTerraform) {
  Plan p = Sample();
  Plan::Summary s = p.summary();
  EXPECT_EQ(s.add, 2u);      // create + replace
  EXPECT_EQ(s.change, 1u);   // update
  EXPECT_EQ(s.destroy, 2u);  // delete + replace
  EXPECT_TRUE(p.has_changes());
  Plan empty;
  EXPECT_FALSE(empty.has_changes());
}

TEST(PlanRender, HumanShowsSymbolsCountsSamplesAndTheSummaryLine) {
  std::string h = RenderHuman(Sample(), false, false);
  EXPECT_NE(h.find("  + vip -> crm  (create, file files)"), std::string::npos) << h;
  EXPECT_NE(h.find("  ~ vip -> hook"), std::string::npos) << h;
  EXPECT_NE(h.find("  -/+ vip -> profile_store"), std::string::npos) << h;
  EXPECT_NE(h.find("  - old -> crm"), std::string::npos) << h;
  EXPECT_NE(h.find("  = once -> crm: 5 members, frozen (refresh once)"), std::string::npos) << h;
  EXPECT_NE(h.find("enter 8, update 0, exit 0; 8 members after apply"), std::string::npos) << h;
  EXPECT_NE(h.find("skipped: 2 without consent, 1 with no `email`, 3 with a duplicate key\n"),
            std::string::npos)
      << h;
  EXPECT_NE(h.find("labels: C2, I1"), std::string::npos) << h;
  EXPECT_NE(h.find("+ enter: k0 k1 k2 k3 k4 ... (3 more)"), std::string::npos) << h;
  EXPECT_NE(h.find("- exit: x1 x2\n"), std::string::npos) << h;
  EXPECT_NE(h.find("warning: imported list"), std::string::npos) << h;
  EXPECT_NE(
      h.find("ingest: 100 events, 10 identifies, 1 aliases from 2 files (cached); 20 profiles"),
      std::string::npos)
      << h;
  EXPECT_EQ(h.substr(h.size() - 43), "Plan: 2 to add, 1 to change, 2 to destroy.\n");
  EXPECT_EQ(h.find("\x1b["), std::string::npos);  // no colour unless asked
  EXPECT_NE(RenderHuman(Sample(), false, true).find("\x1b[32m"), std::string::npos);

  std::string d = RenderHuman(Sample(), true, false);
  EXPECT_NE(d.find("+ enter: k0 k1 k2 k3 k4 k5 k6 k7\n"), std::string::npos) << d;

  Plan none = Sample();
  none.publications = {none.publications.back()};
  EXPECT_NE(RenderHuman(none, false, false).find("No changes."), std::string::npos);
}

TEST(PlanRender, JsonIsTheDocumentedObject) {
  auto j = nlohmann::json::parse(RenderJson(Sample(), false));
  EXPECT_EQ(j["format_version"], 2);
  EXPECT_EQ(j["lineage"], "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee");
  EXPECT_EQ(j["serial"], 7);
  EXPECT_EQ(j["as_of"], "2025-11-13T02:13:20Z");
  EXPECT_EQ(j["summary"], nlohmann::json({{"add", 2}, {"change", 1}, {"destroy", 2}}));
  ASSERT_EQ(j["publications"].size(), 5u);
  const auto& c = j["publications"][0];
  EXPECT_EQ(c["audience"], "vip");
  EXPECT_EQ(c["destination"], "crm");
  EXPECT_EQ(c["action"], "create");
  EXPECT_EQ(c["enter"], 8);
  EXPECT_EQ(c["exit"], 0);
  EXPECT_EQ(c["update"], 0);
  EXPECT_EQ(c["desired"], 8);
  EXPECT_EQ(c["skipped"], nlohmann::json({{"no_key", 1}, {"no_consent", 2}, {"duplicate_key", 3}}));
  EXPECT_EQ(c["labels"], nlohmann::json({"C2", "I1"}));
  EXPECT_FALSE(c.contains("enter_keys"));
  EXPECT_EQ(j["publications"][2]["action"], "replace");
  EXPECT_EQ(j["publications"][4]["action"], "no-op");
  EXPECT_EQ(j["warnings"].size(), 1u);

  auto d = nlohmann::json::parse(RenderJson(Sample(), true));
  EXPECT_EQ(d["publications"][0]["enter_keys"].size(), 8u);
  EXPECT_EQ(d["publications"][1]["update_keys"], nlohmann::json({"u1"}));
  EXPECT_EQ(d["publications"][1]["exit_keys"], nlohmann::json({"x1", "x2"}));
}

TEST(PlanRender, SerializeRoundTripsEveryField) {
  Plan p = Sample();
  p.allow_mass_exit = true;
  std::string text = Serialize(p);
  Plan q;
  std::string error;
  ASSERT_TRUE(Deserialize(text, &q, &error)) << error;
  EXPECT_EQ(q.id, p.id);
  EXPECT_TRUE(q.allow_mass_exit);
  EXPECT_EQ(q.lineage, p.lineage);
  EXPECT_EQ(q.serial, p.serial);
  EXPECT_EQ(q.as_of, p.as_of);
  EXPECT_EQ(q.created_at, p.created_at);
  EXPECT_EQ(q.fingerprints.definitions, "d1");
  EXPECT_EQ(q.fingerprints.config, "d4");
  EXPECT_EQ(q.ingest.duplicates, 4u);
  EXPECT_TRUE(q.ingest.cached);
  ASSERT_EQ(q.publications.size(), p.publications.size());
  for (size_t i = 0; i < p.publications.size(); ++i) {
    const auto &a = p.publications[i], &b = q.publications[i];
    EXPECT_EQ(a.audience, b.audience);
    EXPECT_EQ(a.destination, b.destination);
    EXPECT_EQ(a.connection, b.connection);
    EXPECT_EQ(a.connection_type, b.connection_type);
    EXPECT_EQ(a.action, b.action);
    EXPECT_EQ(a.enter, b.enter);  // rows: every value kind (Float 3.0 stays Float)
    EXPECT_EQ(a.update, b.update);
    EXPECT_EQ(a.exit, b.exit);
    EXPECT_EQ(a.skipped.no_key, b.skipped.no_key);
    EXPECT_EQ(a.skipped.duplicate_key, b.skipped.duplicate_key);
    EXPECT_EQ(a.desired, b.desired);
    EXPECT_EQ(a.labels, b.labels);
    EXPECT_EQ(a.actions, b.actions);
    EXPECT_EQ(a.field_names, b.field_names);
    EXPECT_EQ(a.key_namespace, b.key_namespace);
    EXPECT_EQ(a.definition_hash, b.definition_hash);
    EXPECT_EQ(a.refresh, b.refresh);
    EXPECT_EQ(a.frozen, b.frozen);
    EXPECT_EQ(a.not_due, b.not_due);
  }
  ASSERT_EQ(q.audiences.size(), 1u);
  EXPECT_EQ(q.audiences[0].description, "VIPs");
  EXPECT_EQ(q.audiences[0].members, 9u);
  EXPECT_EQ(q.warnings, p.warnings);
  EXPECT_EQ(Serialize(q), text);  // stable
  // Rows keep their payload hash: applying them records what was planned.
  EXPECT_EQ(PayloadHash(q.publications[0].enter[0]), q.publications[0].enter[0].payload_hash);
}

// A modified plan file sealed again with a valid checksum (as aud writes it),
// so the checks behind the checksum are reached.
std::string Sealed(nlohmann::json j) {
  j.erase("checksum");
  return WithChecksum(j.dump());
}

TEST(PlanRender, DeserializeRefusesOtherVersionsAndBadInput) {
  Plan q;
  std::string error;
  auto j = nlohmann::json::parse(Serialize(Sample()));
  ASSERT_TRUE(Deserialize(Sealed(j), &q, &error)) << error;  // re-sealing is faithful
  j["format_version"] = 3;
  EXPECT_FALSE(Deserialize(Sealed(j), &q, &error));
  EXPECT_NE(error.find("format_version 3 is not supported"), std::string::npos) << error;
  j["format_version"] = 1;  // the unchecked format before checksums
  EXPECT_FALSE(Deserialize(Sealed(j), &q, &error));
  EXPECT_NE(error.find("format_version 1 is not supported"), std::string::npos) << error;
  for (const std::string bad : {"", "nope", "[]", "{}", "{\"aud_plan\":true,\"format_version\":1}",
                                "{\"aud_plan\":true,\"format_version\":\"1\"}"}) {
    error.clear();
    EXPECT_FALSE(Deserialize(bad, &q, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
  // Every truncation of a valid file is refused without crashing.
  std::string text = Serialize(Sample());
  for (size_t n = 0; n < text.size(); n += 37)
    EXPECT_FALSE(Deserialize(text.substr(0, n), &q, &error));
  // A wrong type deep inside.
  j = nlohmann::json::parse(Serialize(Sample()));
  j["publications"][0]["enter"][0]["fields"][0] = 5;
  EXPECT_FALSE(Deserialize(Sealed(j), &q, &error));
  EXPECT_NE(error.find("invalid plan file"), std::string::npos) << error;
  j = nlohmann::json::parse(Serialize(Sample()));
  j["publications"][0]["action"] = "explode";
  EXPECT_FALSE(Deserialize(Sealed(j), &q, &error));
  EXPECT_NE(error.find("unknown action"), std::string::npos);
}

TEST(PlanRender, ModifiedPlanFilesAreRefusedByTheirChecksum) {
  const std::string text = Serialize(Sample());
  Plan q;
  std::string error;
  ASSERT_TRUE(Deserialize(text, &q, &error)) << error;
  // Every single-byte change, anywhere, is refused (the checksum covers every
  // byte; a change inside the checksum itself no longer matches).
  for (size_t i = 0; i < text.size(); ++i) {
    std::string b = text;
    b[i] = static_cast<char>(b[i] ^ 0x01);
    error.clear();
    EXPECT_FALSE(Deserialize(b, &q, &error)) << "byte " << i;
    EXPECT_FALSE(error.empty());
  }
  // The same content re-encoded (whitespace) is a modified file too.
  std::string spaced = nlohmann::json::parse(text).dump(1);
  EXPECT_FALSE(Deserialize(spaced, &q, &error));
  EXPECT_NE(error.find("checksum"), std::string::npos) << error;
  // Edited content with the old checksum.
  std::string edited = text;
  edited.replace(edited.find("\"desired\":8"), 11, "\"desired\":7");
  EXPECT_FALSE(Deserialize(edited, &q, &error));
  EXPECT_NE(error.find("was modified after `aud plan` wrote it"), std::string::npos) << error;
}

}  // namespace
}  // namespace aud::plan
