// `aud plan` scenarios: a small scratch project with hand-written Segment
// lines, planned (and applied with --auto-approve through the file connector
// and the profile store) with a fixed --as-of; each test asserts the plan
// JSON and the exit codes.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/run_aud.h"

namespace {

using aud::testing::RunAud;
using aud::testing::RunResult;
using aud::testing::TempDir;
using nlohmann::json;

const char* kToml = R"([project]
name = "plantest"

[sources.web]
path = "data/*.jsonl"

[connections.files]
type = "file"
format = "jsonl"
dir = "exports"
)";

const char* kHeader = R"(import "std/governance"
import "std/ecommerce"

trait email: string [I1]
trait country: string
trait opt_in: bool

identity user_id: declared from userId
identity email: declared from trait email normalize email

consent ok = opt_in == true

segment buyers = count(order_completed) >= 1
)";

// `refresh` and extra destination items are spliced in per test.
std::string Project(const std::string& refresh = "", const std::string& mail_extra = "",
                    const std::string& publish = "publish buyers_aud to mail, profile_store\n",
                    const std::string& orders = "count(order_completed)") {
  return std::string(kHeader) +
         "\naudience buyers_aud \"Buyers\" {\n"
         "  members buyers\n"
         "  identities email, user_id\n"
         "  attributes { orders = " +
         orders + " }\n" + (refresh.empty() ? "" : "  refresh " + refresh + "\n") +
         "}\n\n"
         "destination mail {\n"
         "  connection files\n"
         "  actions analytics\n"
         "  consent ok\n"
         "  key email\n"
         "  map email -> \"email\", orders -> \"orders\"\n" +
         mail_extra + "}\n\n" + publish;
}

std::string Identify(const std::string& user, const std::string& traits, const std::string& ts) {
  return R"({"type":"identify","userId":")" + user + R"(","timestamp":")" + ts + R"(","traits":{)" +
         traits + "}}\n";
}
std::string Order(const std::string& user, const std::string& id, const std::string& ts) {
  return R"({"type":"track","event":"Order Completed","userId":")" + user + R"(","timestamp":")" +
         ts + R"(","properties":{"order_id":")" + id + R"(","revenue":10}})" + "\n";
}

// u1: member, consent, key a@x.se. u2: no email (no key). u3: no consent.
// u4: email A@X.se again (duplicate of u1's key). u5: not a buyer.
std::string BaseEvents() {
  return Identify("u1", R"("email":" A@x.se ","opt_in":true)", "2026-11-01T00:00:00Z") +
         Identify("u2", R"("opt_in":true)", "2026-11-01T00:00:00Z") +
         Identify("u3", R"("email":"c@x.se","opt_in":false)", "2026-11-01T00:00:00Z") +
         Identify("u4", R"("email":"a@X.se","opt_in":true)", "2026-11-01T00:00:00Z") +
         Identify("u5", R"("email":"e@x.se","opt_in":true)", "2026-11-01T00:00:00Z") +
         Order("u1", "o1", "2026-11-02T00:00:00Z") + Order("u2", "o2", "2026-11-02T00:00:00Z") +
         Order("u3", "o3", "2026-11-02T00:00:00Z") + Order("u4", "o4", "2026-11-02T00:00:00Z");
}

const char* kAsOf = "2026-11-10";

class PlanScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_.Write("aud.toml", kToml);
    dir_.Write("main.aud", Project());
    dir_.Write("data/base.jsonl", BaseEvents());
  }
  RunResult Aud(const std::vector<std::string>& args) { return RunAud(dir_.path(), args); }
  // `aud plan --json --detail` at `as_of` (plus `extra`); asserts exit code 0.
  json PlanJson(std::vector<std::string> extra = {}, const std::string& as_of = kAsOf) {
    std::vector<std::string> args{"plan", "--json", "--detail", "--as-of", as_of};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = Aud(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << r.err;
    return j;
  }
  void Apply(const std::string& as_of = kAsOf) {
    RunResult r = Aud({"apply", "--auto-approve", "--as-of", as_of});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }
  static const json& Pub(const json& plan, const std::string& audience, const std::string& dest) {
    for (const auto& p : plan.at("publications"))
      if (p.at("audience") == audience && p.at("destination") == dest) return p;
    static json none;
    ADD_FAILURE() << "no publication " << audience << " -> " << dest << " in " << plan.dump();
    return none;
  }
  TempDir dir_{"aud-plan"};
};

TEST_F(PlanScenario, FirstPlanCreatesEveryPublicationAndCountsSkips) {
  json j = PlanJson();
  EXPECT_EQ(j.at("format_version"), 2);
  EXPECT_EQ(j.at("serial"), 0);
  EXPECT_EQ(j.at("as_of"), "2026-11-10T00:00:00Z");
  EXPECT_EQ(j.at("lineage").get<std::string>().size(), 36u);
  EXPECT_EQ(j.at("summary"), json({{"add", 2}, {"change", 0}, {"destroy", 0}}));
  ASSERT_EQ(j.at("publications").size(), 2u);

  const json& mail = Pub(j, "buyers_aud", "mail");
  EXPECT_EQ(mail.at("action"), "create");
  EXPECT_EQ(mail.at("enter"), 1);
  EXPECT_EQ(mail.at("enter_keys"), json({"a@x.se"}));  // u1 wins over u4 (earlier profile key)
  EXPECT_EQ(mail.at("exit"), 0);
  EXPECT_EQ(mail.at("desired"), 1);
  EXPECT_EQ(mail.at("skipped"), json({{"no_key", 1}, {"no_consent", 1}, {"duplicate_key", 1}}));
  EXPECT_EQ(mail.at("labels"), json({"I1"}));

  const json& ps = Pub(j, "buyers_aud", "profile_store");
  EXPECT_EQ(ps.at("action"), "create");
  EXPECT_EQ(ps.at("enter_keys"), json({"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(ps.at("skipped"), json({{"no_key", 0}, {"no_consent", 0}, {"duplicate_key", 0}}));

  // The duplicate key is also a warning.
  ASSERT_EQ(j.at("warnings").size(), 1u);
  EXPECT_NE(j.at("warnings")[0].get<std::string>().find("shares its `email` key"),
            std::string::npos);

  RunResult human = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(human.exit_code, 0) << human.err;
  EXPECT_NE(human.out.find("+ buyers_aud -> mail"), std::string::npos) << human.out;
  EXPECT_NE(human.out.find("skipped: 1 without consent, 1 with no `email`, 1 with a duplicate key"),
            std::string::npos)
      << human.out;
  EXPECT_NE(human.out.find("Plan: 2 to add, 0 to change, 0 to destroy."), std::string::npos);
}

TEST_F(PlanScenario, DetailedExitcodeTwoOnChangesZeroWithout) {
  EXPECT_EQ(Aud({"plan", "--as-of", kAsOf, "--detailed-exitcode"}).exit_code, 2);
  EXPECT_EQ(Aud({"plan", "--as-of", kAsOf}).exit_code, 0);
  Apply();
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--detailed-exitcode"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("No changes."), std::string::npos) << r.out;
  json j = PlanJson();
  EXPECT_EQ(j.at("changes"), false);
  EXPECT_GT(j.at("serial").get<int>(), 0);
  for (const auto& p : j.at("publications")) EXPECT_EQ(p.at("action"), "no-op") << p.dump();
}

TEST_F(PlanScenario, MaxProfilesExceededIsAnErrorAndPlansNothing) {
  // u5 becomes a buyer with its own email: two members keyed at `mail`.
  dir_.Write("data/more.jsonl", Order("u5", "o5", "2026-11-03T00:00:00Z"));
  dir_.Write("main.aud", Project("", "  max_profiles 1\n"));
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "p.plan", "--json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("audience `buyers_aud` would publish 2 profiles to destination `mail`, "
                       "over its max_profiles 1"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(dir_.Exists("p.plan"));
  // At the cap it is fine.
  dir_.Write("main.aud", Project("", "  max_profiles 2\n"));
  EXPECT_EQ(PlanJson().at("summary").at("add"), 2);
}

TEST_F(PlanScenario, GovernanceViolationFailsWithLineage) {
  dir_.Write("main.aud", Project() +
                             "\npolicy no_pii \"no PII for analytics\" {\n"
                             "  deny analytics when I1\n}\n");
  RunResult r = Aud({"plan", "--as-of", kAsOf});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("violates policy `no_pii`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("reads identity `email`"), std::string::npos) << r.err;
}

TEST_F(PlanScenario, TargetAndExclude) {
  json t = PlanJson({"--target", "mail"});
  ASSERT_EQ(t.at("publications").size(), 1u);
  EXPECT_EQ(t.at("publications")[0].at("destination"), "mail");
  EXPECT_EQ(t.at("summary").at("add"), 1);

  json e = PlanJson({"--exclude", "mail"});
  ASSERT_EQ(e.at("publications").size(), 1u);
  EXPECT_EQ(e.at("publications")[0].at("destination"), "profile_store");

  json a = PlanJson({"--target", "buyers_aud"});
  EXPECT_EQ(a.at("publications").size(), 2u);
  json none = PlanJson({"--target", "buyers_aud", "--exclude", "buyers_aud"});
  EXPECT_EQ(none.at("publications").size(), 0u);
  EXPECT_EQ(none.at("changes"), false);

  RunResult bad = Aud({"plan", "--as-of", kAsOf, "--target", "nope"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("--target `nope` is not an audience or destination"), std::string::npos)
      << bad.err;
}

TEST_F(PlanScenario, SavedPlanIsPrivateAndShowsLikeThePlan) {
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "saved.plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(dir_.Exists("saved.plan"));
  struct stat sb {};
  ASSERT_EQ(::stat((dir_.path() + "/saved.plan").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
  RunResult show = Aud({"show", "saved.plan", "--json"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  json j = json::parse(show.out);
  EXPECT_EQ(Pub(j, "buyers_aud", "profile_store").at("enter_keys"), json({"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(j.at("summary").at("add"), 2);
  RunResult human = Aud({"show", "saved.plan"});
  EXPECT_NE(human.out.find("Plan: 2 to add"), std::string::npos) << human.out;
  // A file that is not a plan is refused cleanly.
  dir_.Write("junk.plan", "{\"hello\": 1}");
  RunResult junk = Aud({"show", "junk.plan"});
  EXPECT_EQ(junk.exit_code, 1);
  EXPECT_NE(junk.err.find("not a plan file"), std::string::npos) << junk.err;
  // `aud show` without a file: the state (none yet).
  RunResult st = Aud({"show"});
  EXPECT_EQ(st.exit_code, 0);
}

TEST_F(PlanScenario, NewEventsGiveExactEntersAndExits) {
  Apply();
  // u5 becomes a buyer; u1 withdraws consent (mail exit, profile store update of traits).
  dir_.Write("data/more.jsonl", Order("u5", "o5", "2026-11-12T00:00:00Z") +
                                    Identify("u1", R"("opt_in":false)", "2026-11-12T00:00:00Z"));
  json j = PlanJson({}, "2026-11-13");
  const json& mail = Pub(j, "buyers_aud", "mail");
  EXPECT_EQ(mail.at("action"), "update");
  // u4 now holds a@x.se (u1 no longer consents): the destination receives
  // only its key and mapped fields (not `user_id`), which are the same, so
  // nothing is re-sent for that key; u5 enters.
  EXPECT_EQ(mail.at("enter_keys"), json({"e@x.se"}));
  EXPECT_EQ(mail.at("exit_keys"), json::array());
  EXPECT_EQ(mail.at("update_keys"), json::array());
  EXPECT_EQ(mail.at("skipped").at("no_consent"), 2);
  EXPECT_EQ(mail.at("skipped").at("duplicate_key"), 0);
  const json& ps = Pub(j, "buyers_aud", "profile_store");
  EXPECT_EQ(ps.at("enter_keys"), json({"u5"}));
  EXPECT_EQ(ps.at("update_keys"), json({"u1"}));  // its opt_in trait changed
  EXPECT_EQ(j.at("summary"), json({{"add", 0}, {"change", 2}, {"destroy", 0}}));

  // A member that stops being a buyer exits: a later as_of than its only order does not
  // matter, but dropping the order file does.
  dir_.Write("data/base.jsonl", BaseEvents().substr(0, BaseEvents().find("{\"type\":\"track\"")) +
                                    Order("u2", "o2", "2026-11-02T00:00:00Z"));
  dir_.Write("data/more.jsonl", "");
  json k = PlanJson();
  EXPECT_EQ(Pub(k, "buyers_aud", "mail").at("exit_keys"), json({"a@x.se"}));
  EXPECT_EQ(Pub(k, "buyers_aud", "profile_store").at("exit_keys"), json({"u1", "u3", "u4"}));
}

TEST_F(PlanScenario, DefinitionChangeUpdatesPayloads) {
  Apply();
  dir_.Write("main.aud", Project("", "", "publish buyers_aud to mail, profile_store\n",
                                 "count(order_completed) * 10"));
  json j = PlanJson();
  EXPECT_EQ(Pub(j, "buyers_aud", "mail").at("action"), "update");
  EXPECT_EQ(Pub(j, "buyers_aud", "mail").at("update_keys"), json({"a@x.se"}));
  EXPECT_EQ(Pub(j, "buyers_aud", "profile_store").at("update_keys"),
            json({"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(j.at("summary"), json({{"add", 0}, {"change", 2}, {"destroy", 0}}));
}

TEST_F(PlanScenario, RemovedPublishIsADelete) {
  Apply();
  dir_.Write("main.aud", Project("", "", "publish buyers_aud to profile_store\n"));
  json j = PlanJson();
  const json& mail = Pub(j, "buyers_aud", "mail");
  EXPECT_EQ(mail.at("action"), "delete");
  EXPECT_EQ(mail.at("exit_keys"), json({"a@x.se"}));
  EXPECT_EQ(Pub(j, "buyers_aud", "profile_store").at("action"), "no-op");
  EXPECT_EQ(j.at("summary"), json({{"add", 0}, {"change", 0}, {"destroy", 1}}));
  RunResult human = Aud({"plan", "--as-of", kAsOf});
  EXPECT_NE(human.out.find("- buyers_aud -> mail"), std::string::npos) << human.out;
  // Applying it drops the record: the next plan no longer mentions it.
  Apply();
  json after = PlanJson();
  EXPECT_EQ(after.at("publications").size(), 1u);
  EXPECT_EQ(after.at("changes"), false);
}

TEST_F(PlanScenario, RefreshOnceIsFrozenThenReplacedWhenItsDefinitionChanges) {
  dir_.Write("main.aud", Project("once"));
  Apply();
  // New data does not matter to a frozen audience.
  dir_.Write("data/more.jsonl", Order("u5", "o5", "2026-11-03T00:00:00Z"));
  json j = PlanJson();
  EXPECT_EQ(j.at("changes"), false);
  for (const auto& p : j.at("publications")) {
    EXPECT_EQ(p.at("frozen"), true);
    EXPECT_EQ(p.at("action"), "no-op");
  }
  EXPECT_EQ(Pub(j, "buyers_aud", "profile_store").at("desired"), 4);
  // A definition change is a replace: every current member exits, every desired one enters.
  dir_.Write("main.aud", Project("once", "", "publish buyers_aud to mail, profile_store\n",
                                 "count(order_completed) + 1"));
  json r = PlanJson();
  const json& ps = Pub(r, "buyers_aud", "profile_store");
  EXPECT_EQ(ps.at("action"), "replace");
  EXPECT_EQ(ps.at("exit_keys"), json({"u1", "u2", "u3", "u4"}));
  EXPECT_EQ(ps.at("enter_keys"), json({"u1", "u2", "u3", "u4", "u5"}));
  EXPECT_EQ(r.at("summary"), json({{"add", 2}, {"change", 0}, {"destroy", 2}}));
  RunResult human = Aud({"plan", "--as-of", kAsOf});
  EXPECT_NE(human.out.find("-/+ buyers_aud -> profile_store"), std::string::npos) << human.out;
  // Applied, it is frozen again.
  Apply();
  EXPECT_EQ(PlanJson().at("changes"), false);
}

TEST_F(PlanScenario, DueSkipsAudiencesWhoseIntervalHasNotElapsed) {
  dir_.Write("main.aud", Project("every 1d"));
  // Never published: due.
  EXPECT_EQ(PlanJson({"--due"}).at("summary").at("add"), 2);
  Apply();
  dir_.Write("data/more.jsonl", Order("u5", "o5", "2026-11-03T00:00:00Z"));
  // Published moments ago with `refresh every 1d`: not due, not evaluated.
  json j = PlanJson({"--due"});
  EXPECT_EQ(j.at("changes"), false);
  for (const auto& p : j.at("publications")) EXPECT_EQ(p.at("not_due"), true);
  // Without --due every plan evaluates it.
  json all = PlanJson();
  EXPECT_EQ(Pub(all, "buyers_aud", "profile_store").at("enter_keys"), json({"u5"}));
  // An audience without `refresh` is always due.
  dir_.Write("main.aud", Project());
  EXPECT_EQ(Pub(PlanJson({"--due"}), "buyers_aud", "profile_store").at("enter_keys"), json({"u5"}));
}

TEST_F(PlanScenario, SavedRowsCarryMappedHashedAndTimestampValues) {
  dir_.Write("main.aud", std::string(kHeader) + R"(
audience buyers_aud {
  members buyers
  identities email
  attributes {
    last_order = last(order_completed.timestamp)
    country = "attr"
  }
}
destination mail {
  connection files
  actions analytics
  key user_id
  map email -> "hashed_email" hashed, country -> "country", last_order -> "last", opt_in -> "opt_in"
}
publish buyers_aud to mail, profile_store
)");
  RunResult r = Aud({"plan", "--as-of", kAsOf, "--out", "rows.plan"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json f = json::parse(dir_.Read("rows.plan"));
  EXPECT_EQ(f.at("format_version"), 2);
  json mail, ps;
  for (const auto& p : f.at("publications")) (p.at("destination") == "mail" ? mail : ps) = p;
  ASSERT_EQ(mail.at("enter").size(), 4u);  // keyed by user_id: no duplicates, no missing key
  EXPECT_EQ(mail.at("field_names"), json({"hashed_email", "country", "last", "opt_in"}));
  const json& u1 = mail.at("enter")[0];
  EXPECT_EQ(u1.at("key"), "u1");
  EXPECT_EQ(u1.at("profile"), "u1");
  // SHA-256 of the normalized identity value "a@x.se".
  EXPECT_EQ(
      u1.at("fields")[0],
      json({"hashed_email", "89d89d73734b161daa0e897b41f195b49b2cbdb1bde770ff514f07ad6b7dcb58"}))
      << u1.dump();
  // The attribute `country` wins over the trait of the same name.
  EXPECT_EQ(u1.at("fields")[1], json({"country", "attr"}));
  EXPECT_EQ(u1.at("fields")[2], json({"last", "2026-11-02T00:00:00Z"}));
  EXPECT_EQ(u1.at("fields")[3], json({"opt_in", true}));  // a trait
  // Only the identities the destination keys by or maps, hashed as mapped.
  EXPECT_EQ(u1.at("identities"),
            json::parse(R"([{"ns":"email","visitor":false,"values":)"
                        R"(["89d89d73734b161daa0e897b41f195b49b2cbdb1bde770ff514f07ad6b7dcb58"]},)"
                        R"({"ns":"user_id","visitor":false,"values":["u1"]}])"));
  EXPECT_EQ(mail.at("enter")[1].at("fields")[0][1], nullptr);  // u2 has no email: null stays null
  // The profile store carries the attributes and every declared trait.
  const json& p1 = ps.at("enter")[0];
  EXPECT_EQ(p1.at("fields"),
            json::parse(R"([["last_order","2026-11-02T00:00:00Z"],["country","attr"]])"));
  EXPECT_EQ(p1.at("traits"),
            json::parse(R"([["country",null],["email"," A@x.se "],["opt_in",true]])"));
}

TEST_F(PlanScenario, ImportedAudienceCountsUnmatchedEntries) {
  dir_.Write("main.aud", std::string(kHeader) + R"(
audience vip_list {
  import "lists/vip.csv" key email
  identities email
}
publish vip_list to profile_store
)");
  dir_.Write("lists/vip.csv", "email\nA@x.se\nnobody@x.se\nc@x.se\n");
  json j = PlanJson();
  // a@x.se matches u1 and u4, c@x.se matches u3.
  EXPECT_EQ(Pub(j, "vip_list", "profile_store").at("enter_keys"), json({"u1", "u3", "u4"}));
  ASSERT_EQ(j.at("warnings").size(), 1u) << j.dump();
  EXPECT_EQ(j.at("warnings")[0],
            "imported list \"lists/vip.csv\": 1 of 3 entries match no profile (not published)");
}

TEST_F(PlanScenario, AnExitedMemberReEnters) {
  Apply();
  const std::string base = BaseEvents();
  const std::string u3_order = Order("u3", "o3", "2026-11-02T00:00:00Z");
  std::string without = base;
  without.erase(without.find(u3_order), u3_order.size());
  dir_.Write("data/base.jsonl", without);
  EXPECT_EQ(Pub(PlanJson(), "buyers_aud", "profile_store").at("exit_keys"), json({"u3"}));
  Apply();
  dir_.Write("data/base.jsonl", base);
  json j = PlanJson();
  const json& ps = Pub(j, "buyers_aud", "profile_store");
  EXPECT_EQ(ps.at("action"), "update");
  EXPECT_EQ(ps.at("enter_keys"), json({"u3"}));
  EXPECT_EQ(ps.at("exit_keys"), json::array());
  EXPECT_EQ(ps.at("desired"), 4);
  EXPECT_EQ(Pub(j, "buyers_aud", "mail").at("action"), "no-op");  // u3 never consented
}

TEST_F(PlanScenario, NoSecretInOutputOrPlanFile) {
  dir_.Write("aud.toml", std::string(kToml) + R"(
[connections.hook]
type = "http"
url = "http://127.0.0.1:9/audiences"
token = { env = "PLAN_TEST_HOOK_TOKEN" }
)");
  dir_.Write("main.aud", Project() + R"(
destination hook {
  connection hook
  actions analytics
  key user_id
}
publish buyers_aud to hook
)");
  const std::string secret = "s3cr3t-token-value-4711";
  RunResult r = RunAud(dir_.path(), {"plan", "--as-of", kAsOf, "--out", "s.plan", "--detail"},
                       {{"PLAN_TEST_HOOK_TOKEN", secret}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("+ buyers_aud -> hook  (create, http hook)"), std::string::npos) << r.out;
  RunResult j = RunAud(dir_.path(), {"plan", "--as-of", kAsOf, "--json", "--detail"},
                       {{"PLAN_TEST_HOOK_TOKEN", secret}});
  RunResult show = Aud({"show", "s.plan", "--json"});
  for (const std::string& text : {r.out, r.err, j.out, j.err, show.out, dir_.Read("s.plan")})
    EXPECT_EQ(text.find(secret), std::string::npos);
  EXPECT_NE(dir_.Read("s.plan").find("\"connection_type\":\"http\""), std::string::npos);
}

TEST_F(PlanScenario, PostgresStateWithoutItsDsnIsAClearError) {
  dir_.Write("aud.toml", std::string(kToml) + R"(
[state]
backend = "postgres"
dsn = { env = "PLAN_TEST_STATE_DSN" }
)");
  RunResult r =
      RunAud(dir_.path(), {"plan", "--as-of", kAsOf}, {{"PLAN_TEST_STATE_DSN", "\x01unset"}});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("the environment variable `PLAN_TEST_STATE_DSN` (`[state] dsn` in "
                       "aud.toml) is not set"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(dir_.Exists(".aud/state.db"));
}

}  // namespace
