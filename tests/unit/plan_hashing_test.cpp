// The plan's hashes: SHA-256 of normalized values (`hashed`), payload hashes
// of rows and definition hashes of audiences.

#include <gtest/gtest.h>

#include "runtime/plan/plan.h"

namespace aud::plan {
namespace {

using connectors::Value;

Value Str(const std::string& s) {
  Value v;
  v.kind = Value::String;
  v.s = s;
  return v;
}

TEST(PlanHashing, Sha256IsTheStandardDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PlanHashing, NormalizationTrimsAndLowerCasesStrings) {
  EXPECT_EQ(NormalizedText(Str("  Ada@Example.COM\t\n")), "ada@example.com");
  EXPECT_EQ(NormalizedText(Str("ÅSA@x.se")), "Åsa@x.se");  // ASCII only
  Value i;
  i.kind = Value::Int;
  i.i = -42;
  EXPECT_EQ(NormalizedText(i), "-42");
  Value f;
  f.kind = Value::Float;
  f.f = 310.5;
  EXPECT_EQ(NormalizedText(f), "310.5");
  Value b;
  b.kind = Value::Bool;
  b.b = true;
  EXPECT_EQ(NormalizedText(b), "true");
  EXPECT_EQ(NormalizedText(Value{}), "");
}

TEST(PlanHashing, HashedValueIsTheDigestOfTheNormalizedText) {
  Value h = HashedValue(Str(" Ada@Example.com "));
  EXPECT_EQ(h.kind, Value::String);
  EXPECT_EQ(h.s, Sha256Hex("ada@example.com"));
  EXPECT_EQ(HashedValue(Str("ada@example.com")), h);
  EXPECT_EQ(HashedValue(Value{}).kind, Value::Null);  // missing stays missing
}

connectors::Row SampleRow() {
  connectors::Row r;
  r.key = "a@x.se";
  r.profile = "u1";
  r.identities = {{"email", false, {"a@x.se"}}, {"user_id", false, {"u1"}}};
  r.fields = {{"email", Str("a@x.se")}, {"orders", Value{Value::Int, false, 3, 0, ""}}};
  return r;
}

TEST(PlanHashing, PayloadHashCoversIdentitiesFieldsAndTraitsOnly) {
  connectors::Row a = SampleRow();
  const std::string h = PayloadHash(a);
  EXPECT_EQ(h.size(), 32u);
  connectors::Row b = a;
  b.op = connectors::Row::Update;
  b.profile = "u9";
  EXPECT_EQ(PayloadHash(b), h);  // op and profile are not the payload
  b.fields[1].value.i = 4;
  EXPECT_NE(PayloadHash(b), h);
  b = a;
  b.identities[1].values.push_back("u2");
  EXPECT_NE(PayloadHash(b), h);
  b = a;
  b.traits.push_back({"country", Str("SE")});
  EXPECT_NE(PayloadHash(b), h);
  // Int 3 and Float 3 are different payloads; so are shifted string boundaries.
  b = a;
  b.fields[1].value = Value{Value::Float, false, 0, 3.0, ""};
  EXPECT_NE(PayloadHash(b), h);
  connectors::Row c = a, d = a;
  c.fields = {{"ab", Str("c")}};
  d.fields = {{"a", Str("bc")}};
  EXPECT_NE(PayloadHash(c), PayloadHash(d));
}

struct Lowered {
  std::unique_ptr<check::Project> project;
  ir::Program program;
};

Lowered Lower(const std::string& body) {
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = R"(
event order_completed "Order Completed" { revenue: float }
event page_viewed page { name: string }
trait email: string
trait country: string
identity user_id: declared from userId
identity email: declared from trait email normalize email
)" + body;
  Lowered l;
  l.project = check::Check(tree);
  EXPECT_TRUE(l.project->ok()) << l.project->diags.Render(false);
  ir::LowerResult r = ir::Lower(l.project->module);
  EXPECT_EQ(r.error, "");
  l.program = std::move(r.program);
  return l;
}

const char* kVip = R"(
segment big = count(order_completed within 30d) >= 3
audience vip {
  members big and country == "SE"
  identities email
  attributes { ltv = sum(order_completed.revenue) }
}
)";

TEST(PlanHashing, DefinitionHashIsStableAcrossUnrelatedDeclarations) {
  Lowered a = Lower(kVip);
  // Another audience declared first shifts every slot and formula index.
  Lowered b = Lower(std::string(R"(
segment browsers = count(page_viewed within 7d) >= 1 and sum(order_completed.revenue within 1d) > 0
audience aaa { members browsers }
)") + kVip);
  const std::string h = DefinitionHash(a.program, "vip");
  EXPECT_EQ(h.size(), 32u);
  EXPECT_EQ(DefinitionHash(b.program, "vip"), h);
  EXPECT_EQ(DefinitionHash(a.program, "nope"), "");
}

TEST(PlanHashing, DefinitionHashChangesWithMembersAttributesAndIdentities) {
  const std::string h = DefinitionHash(Lower(kVip).program, "vip");
  auto changed = [&](const std::string& from, const std::string& to) {
    std::string s = kVip;
    s.replace(s.find(from), from.size(), to);
    return DefinitionHash(Lower(s).program, "vip");
  };
  EXPECT_NE(changed(">= 3", ">= 4"), h);      // a segment it reads
  EXPECT_NE(changed("\"SE\"", "\"NO\""), h);  // its members
  EXPECT_NE(changed("sum(order_completed.revenue)", "max(order_completed.revenue)"), h);
  EXPECT_NE(changed("ltv =", "value ="), h);  // an attribute's name
  EXPECT_NE(changed("identities email", "identities email, user_id"), h);
  EXPECT_EQ(changed("\"SE\"", "\"SE\""), h);
}

}  // namespace
}  // namespace aud::plan
