// Drift in plans (docs/plan.md "Refresh and drift"): the `!` lines of the
// text, the `drift`/`moved`/`refresh` keys of `--json`, and the plan file's
// round trip of drift keys, the destination identity and the refresh mode
// (older plan files without them still load).

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "runtime/plan/plan.h"

namespace aud::plan {
namespace {

Plan DriftPlan() {
  Plan p;
  p.id = "11111111-2222-4333-8444-555555555555";
  p.lineage = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
  p.serial = 3;
  p.refresh = "only";
  PublicationPlan pub;
  pub.audience = "gold";
  pub.destination = "files_out";
  pub.connection = "files";
  pub.connection_type = "file";
  pub.action = Action::Update;
  connectors::Row r;
  r.key = "u1";
  r.payload_hash = "h";
  pub.enter.push_back(r);
  r.key = "u2";
  r.op = connectors::Row::Update;
  pub.update.push_back(r);
  pub.exit = {"u9"};
  pub.desired = 2;
  pub.drift.checked = true;
  pub.drift.where = "exports/gold.csv";
  pub.drift.missing = {"u1"};
  pub.drift.changed = {"u2"};
  pub.drift.extra = {"u9"};
  pub.target = "0123abcd";
  pub.moved = true;
  p.publications.push_back(pub);
  PublicationPlan hook;
  hook.audience = "gold";
  hook.destination = "hook";
  hook.action = Action::NoOp;
  p.publications.push_back(hook);
  return p;
}

TEST(PlanDrift, HumanTextMarksDriftAndTheMove) {
  std::string text = RenderHuman(DriftPlan(), true, false);
  EXPECT_NE(text.find("refresh only: the plan repairs drift and nothing else"), std::string::npos);
  EXPECT_NE(text.find("drift: 1 publication's destination differs from the state (marked !)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("! drift at exports/gold.csv: 1 missing, 1 changed, 1 not in state"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("! missing: u1"), std::string::npos) << text;
  EXPECT_NE(text.find("! changed: u2"), std::string::npos) << text;
  EXPECT_NE(text.find("! not in state: u9"), std::string::npos) << text;
  EXPECT_NE(text.find("the destination moved"), std::string::npos) << text;
  Plan off;
  off.refresh = "off";
  EXPECT_NE(RenderHuman(off, false, false).find("refresh: off"), std::string::npos);
}

TEST(PlanDrift, JsonHasDriftCountsKeysAndRefresh) {
  auto j = nlohmann::json::parse(RenderJson(DriftPlan(), true));
  EXPECT_EQ(j.at("refresh"), "only");
  EXPECT_EQ(j.at("drift"), true);
  const auto& d = j.at("publications")[0].at("drift");
  EXPECT_EQ(d.at("checked"), true);
  EXPECT_EQ(d.at("missing"), 1);
  EXPECT_EQ(d.at("changed"), 1);
  EXPECT_EQ(d.at("extra"), 1);
  EXPECT_EQ(d.at("extra_keys"), nlohmann::json({"u9"}));
  EXPECT_EQ(j.at("publications")[0].at("moved"), true);
  EXPECT_EQ(j.at("publications")[1].at("drift").at("checked"), false);
  auto brief = nlohmann::json::parse(RenderJson(DriftPlan(), false));
  EXPECT_FALSE(brief.at("publications")[0].at("drift").contains("missing_keys"));
}

TEST(PlanDrift, PlanFileKeepsDriftTargetAndRefresh) {
  Plan in = DriftPlan();
  Plan out;
  std::string error;
  ASSERT_TRUE(Deserialize(Serialize(in), &out, &error)) << error;
  EXPECT_EQ(out.refresh, "only");
  const PublicationPlan& p = out.publications[0];
  EXPECT_TRUE(p.drift.checked);
  EXPECT_EQ(p.drift.where, "exports/gold.csv");
  EXPECT_EQ(p.drift.missing, std::vector<std::string>{"u1"});
  EXPECT_EQ(p.drift.changed, std::vector<std::string>{"u2"});
  EXPECT_EQ(p.drift.extra, std::vector<std::string>{"u9"});
  EXPECT_EQ(p.target, "0123abcd");
  EXPECT_TRUE(p.moved);
  EXPECT_FALSE(out.publications[1].drift.checked);

  // A plan file written before these keys existed loads with the defaults.
  auto j = nlohmann::json::parse(Serialize(in));
  j.erase("checksum");  // re-sealed below, as a file of an older aud would be
  j.erase("refresh");
  for (auto& pub : j.at("publications")) {
    pub.erase("drift");
    pub.erase("target");
    pub.erase("moved");
  }
  ASSERT_TRUE(Deserialize(WithChecksum(j.dump()), &out, &error)) << error;
  EXPECT_EQ(out.refresh, "on");
  EXPECT_FALSE(out.publications[0].drift.checked);
  EXPECT_FALSE(out.publications[0].moved);

  j["refresh"] = "sometimes";
  EXPECT_FALSE(Deserialize(WithChecksum(j.dump()), &out, &error));
  EXPECT_NE(error.find("unknown refresh `sometimes`"), std::string::npos) << error;
}

}  // namespace
}  // namespace aud::plan
