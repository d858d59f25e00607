// The checked module that later stages read: annotated types and references,
// dependency edges, label sets with their lineage, publications.

#include <gtest/gtest.h>

#include <functional>

#include "compiler/check/check.h"

namespace aud::check {
namespace {

const char* kToml = R"([project]
name = "t"
[connections.files]
type = "file"
format = "csv"
dir = "out"
)";

const char* kMain = R"(import "std/governance"
event order_completed "Order Completed" [C5] {
  revenue: float
  order_id: string [I2]
  quantity: int
}
trait email: string [I1]
trait country: string
trait health: string [S2]
identity user_id: declared from userId
identity email: declared from trait email normalize email
consent email_ok = health == "ok"
segment big = count(order_completed where order_id != "x" within 30d) >= 3
segment nordic = country in ["SE", "NO"]
audience vip {
  members big and nordic and email_ok
  identities user_id
  attributes {
    ltv = sum(order_completed.revenue)
    items = sum(order_completed.quantity)
    last_at = last(order_completed.timestamp)
    share = sum(order_completed.quantity) / 2
  }
}
destination crm { connection files actions analytics key email map email -> "Email" }
publish vip to crm, profile_store
)";

std::unique_ptr<Project> CheckMain(const std::string& main) {
  SourceTree tree;
  tree.files["aud.toml"] = kToml;
  tree.files["main.aud"] = main;
  return Check(tree);
}

TEST(CheckModule, ChecksCleanAndBuildsSymbolTables) {
  auto p = CheckMain(kMain);
  ASSERT_TRUE(p->ok()) << p->diags.Render();
  const Module& m = p->module;
  ASSERT_NE(m.Find("vip"), nullptr);
  EXPECT_EQ(m.Find("vip")->kind, SymbolKind::Audience);
  EXPECT_EQ(m.Find("C5")->kind, SymbolKind::Label);
  EXPECT_TRUE(m.Find("C5")->from_stdlib);
  EXPECT_FALSE(m.Find("big")->from_stdlib);
  EXPECT_EQ(m.identities.size(), 2u);
  EXPECT_NE(m.Get<ast::SegmentDecl>("big"), nullptr);
  EXPECT_EQ(m.Get<ast::SegmentDecl>("vip"), nullptr);
}

TEST(CheckModule, AnnotatesTypesAndReferences) {
  auto p = CheckMain(kMain);
  ASSERT_TRUE(p->ok());
  const auto* vip = p->module.Get<ast::AudienceDecl>("vip");
  std::map<std::string, ast::Type> types;
  for (const auto& item : vip->items)
    for (const auto& a : item.attributes) types[a.name.text] = a.expr->type;
  EXPECT_EQ(types["ltv"], ast::Type::Float);
  EXPECT_EQ(types["items"], ast::Type::Int);  // sum of an int property is an int
  EXPECT_EQ(types["last_at"], ast::Type::Timestamp);
  EXPECT_EQ(types["share"], ast::Type::Float);  // `/` is always a float
  const auto* big = p->module.Get<ast::SegmentDecl>("big");
  EXPECT_EQ(big->expr->type, ast::Type::Bool);
  // count(...) >= 3: the call resolved its event and the where's property.
  const ast::Expr& call = *big->expr->children[0];
  ASSERT_EQ(call.kind, ast::ExprKind::Call);
  EXPECT_EQ(call.type, ast::Type::Int);
  EXPECT_EQ(call.args[0].value->ref, ast::RefKind::Event);
  EXPECT_EQ(call.args[0].value->decl, p->module.Get<ast::EventDecl>("order_completed"));
  const ast::Expr& where_lhs = *call.args[0].where->children[0];
  EXPECT_EQ(where_lhs.ref, ast::RefKind::Property);
  EXPECT_EQ(where_lhs.type, ast::Type::String);
  // `country in [...]`: the list carries its element type.
  const auto* nordic = p->module.Get<ast::SegmentDecl>("nordic");
  EXPECT_EQ(nordic->expr->children[1]->type, ast::Type::List);
  EXPECT_EQ(nordic->expr->children[1]->elem_type, ast::Type::String);
  EXPECT_EQ(nordic->expr->children[0]->ref, ast::RefKind::Trait);
}

TEST(CheckModule, RecordsDependencies) {
  auto p = CheckMain(kMain);
  ASSERT_TRUE(p->ok());
  const auto& d = p->module.depends_on;
  EXPECT_TRUE(d.at("big").count("order_completed"));
  EXPECT_TRUE(d.at("nordic").count("country"));
  EXPECT_TRUE(d.at("vip").count("big"));
  EXPECT_TRUE(d.at("vip").count("email_ok"));
  EXPECT_TRUE(d.at("email_ok").count("health"));
  EXPECT_TRUE(d.at("crm").count("vip"));
  EXPECT_TRUE(d.at("profile_store").count("vip"));
}

TEST(CheckModule, PropagatesLabelsWithLineage) {
  auto p = CheckMain(kMain);
  ASSERT_TRUE(p->ok());
  const LabelSet& vip = p->module.audience_labels.at("vip");
  // event [C5], property order_id [I2] (read in `where`), trait health [S2]
  // through the consent; not email's I1: vip's identities are user_id only.
  EXPECT_EQ(vip.labels, (std::set<std::string>{"C5", "I2", "S2"}));
  bool via_consent = false;
  for (const auto& s : vip.sources)
    if (s.what == "trait `health`" && s.path == std::vector<std::string>{"consent `email_ok`"})
      via_consent = true;
  EXPECT_TRUE(via_consent);
  // The crm publication adds its key identity email and so trait email's I1.
  ASSERT_EQ(p->module.publications.size(), 2u);
  for (const auto& pub : p->module.publications) {
    if (pub.destination == "crm")
      EXPECT_TRUE(pub.labels.labels.count("I1"));
    else
      EXPECT_FALSE(pub.labels.labels.count("I1"));
  }
}

TEST(CheckModule, PolicyAddedLaterBlocksThePublication) {
  std::string with_policy =
      std::string(kMain) + "policy no_health { deny analytics when S2 and I1 }\n";
  auto p = CheckMain(with_policy);
  ASSERT_FALSE(p->ok());
  std::string out = p->diags.Render();
  EXPECT_NE(out.find("publishing `vip` to `crm` violates policy `no_health`"), std::string::npos)
      << out;
  EXPECT_NE(out.find("reads consent `email_ok` -> trait `health` [S2]"), std::string::npos) << out;
  EXPECT_NE(out.find("reads identity `email` -> trait `email` [I1]"), std::string::npos) << out;
  // The profile store performs no marketing action: no error for it.
  EXPECT_EQ(out.find("to `profile_store`"), std::string::npos);
}

TEST(CheckModule, StopsBetweenPhases) {
  // A duplicate (declare phase) hides the type error (resolve phase).
  auto p = CheckMain("segment a = true\nsegment a = 1 + \"x\"\n");
  ASSERT_EQ(p->diags.all().size(), 1u);
  EXPECT_EQ(p->diags.all()[0].kind, base::DiagKind::DuplicateDeclaration);
}

TEST(CheckModule, DiagnosticsAreSortedByLocation) {
  auto p = CheckMain("segment b = zz\nsegment a = yy\n");
  ASSERT_EQ(p->diags.all().size(), 2u);
  EXPECT_LT(p->diags.all()[0].range.begin, p->diags.all()[1].range.begin);
}

TEST(CheckModule, EveryExampleProjectChecks) {
  for (const char* ex : {"quickstart", "governance_violation"}) {
    auto p = Check(ReadSourceTree(std::string(AUD_SOURCE_DIR) + "/examples/" + ex));
    if (std::string(ex) == "quickstart") {
      EXPECT_TRUE(p->ok()) << p->diags.Render();
      EXPECT_GE(p->module.publications.size(), 3u);
    } else {
      ASSERT_EQ(p->diags.error_count(), 1u) << p->diags.Render();
      EXPECT_EQ(p->diags.all()[0].kind, base::DiagKind::PolicyViolation);
    }
  }
}

TEST(CheckModule, LongChainsOfSegmentsCheckWithoutDeepRecursionTrouble) {
  std::string src = "segment s0 = true\n";
  for (int i = 1; i < 3000; ++i)
    src += "segment s" + std::to_string(i) + " = s" + std::to_string(i - 1) + "\n";
  src += "audience a { members s2999 }\npublish a to profile_store\n";
  auto p = CheckMain(src);
  EXPECT_TRUE(p->ok()) << p->diags.Render();
}

}  // namespace
}  // namespace aud::check
