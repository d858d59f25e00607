// Lowering to the IR: slots deduplicated across declarations, typed
// formulas in dependency order, sequences, and the stable printer.

#include <gtest/gtest.h>

#include "compiler/ir/ir.h"

namespace aud::ir {
namespace {

const char* kToml = "[project]\nname = \"t\"\n";

const char* kEvents = R"(
event order_completed "Order Completed" {
  revenue: float
  quantity: int
  currency: string
  paid_at: timestamp
}
event product_added "Product Added" { sku: string }
event page_viewed page { name: string }
trait email: string
trait country: string
trait age: int
trait opt_in: bool
identity user_id: declared from userId
identity ecid: visitor from anonymousId
identity email: declared from trait email normalize email
)";

struct Lowered {
  std::unique_ptr<check::Project> project;
  Program program;
};

Lowered LowerSource(const std::string& body) {
  check::SourceTree tree;
  tree.files["aud.toml"] = kToml;
  tree.files["main.aud"] = std::string(kEvents) + body;
  Lowered l;
  l.project = check::Check(tree);
  EXPECT_TRUE(l.project->ok()) << l.project->diags.Render();
  if (!l.project->ok()) return l;
  LowerResult r = Lower(l.project->module);
  EXPECT_EQ(r.error, "");
  l.program = std::move(r.program);
  return l;
}

TEST(IrLower, SharedAggregateIsOneSlot) {
  auto l = LowerSource(R"(
segment a = count(order_completed where revenue > 50 within 30d) >= 3
segment b = count(order_completed where revenue > 50 within 30d) < 10 and did(product_added)
segment c = did(order_completed where revenue > 50 within 30d)
consent k = count(order_completed where revenue > 50 within 30d) > 0
audience v {
  members c
  attributes { n = count(order_completed where revenue > 50 within 30d) }
}
)");
  const Program& p = l.program;
  EXPECT_EQ(PrintNode(p, p.formulas[p.FindAudience("v")->attributes[0]].root), "s0");
  EXPECT_EQ(PrintNode(p, p.formulas[p.FindFormula("k")].root), "(s0 > 0)");
  // count(order where ...) shared by a, b and c (did is count >= 1); count(product_added).
  ASSERT_EQ(p.slots.size(), 2u);
  EXPECT_EQ(p.slots[0].key,
            "count(order_completed where (event.revenue:float > float(50)) within 30d)");
  EXPECT_EQ(p.slots[1].key, "count(product_added)");
  EXPECT_EQ(PrintNode(p, p.formulas[p.FindFormula("c")].root), "(s0 >= 1)");
  EXPECT_EQ(PrintNode(p, p.formulas[p.FindFormula("b")].root), "((s0 < 10) and (s1 >= 1))");
}

TEST(IrLower, DifferentWindowsOrPredicatesAreDifferentSlots) {
  auto l = LowerSource(R"(
segment a = count(order_completed within 30d) >= 1
segment b = count(order_completed within 31d) >= 1
segment c = count(order_completed where revenue > 50.0) >= 1
segment d = count(order_completed where revenue > 50) >= 1
segment e = count(order_completed between @2026-01-01 and @2026-02-01) >= 1
segment f = sum(order_completed.revenue) > 1 and sum(order_completed.quantity) > 1
)");
  const Program& p = l.program;
  // 50 and 50.0 lower to different constants (float(50) vs 50.0) and so different keys.
  ASSERT_EQ(p.slots.size(), 7u);
  std::vector<std::string> keys;
  for (const auto& s : p.slots) keys.push_back(s.key);
  EXPECT_NE(std::find(keys.begin(), keys.end(),
                      "count(order_completed between @2026-01-01T00:00:00Z and "
                      "@2026-02-01T00:00:00Z)"),
            keys.end());
  EXPECT_NE(std::find(keys.begin(), keys.end(), "sum(order_completed.quantity:int)"), keys.end());
}

TEST(IrLower, DedupedSlotLeavesNoGarbageNodes) {
  auto one = LowerSource("segment a = count(order_completed where revenue > 1) >= 1\n");
  auto two = LowerSource(
      "segment a = count(order_completed where revenue > 1) >= 1\n"
      "segment b = count(order_completed where revenue > 1) >= 1\n");
  // The second segment adds its own formula nodes only (slot ref, 1, >=).
  EXPECT_EQ(two.program.nodes.size(), one.program.nodes.size() + 3);
}

TEST(IrLower, TypesAndConversions) {
  auto l = LowerSource(R"(
audience v {
  members age > 1.5 and age + 1 > 2 and country in ["SE", "NO"]
  identities email
  attributes {
    total = sum(order_completed.revenue)
    items = sum(order_completed.quantity) * 2
    share = sum(order_completed.quantity) / 2
    since = days_since(last(order_completed.timestamp))
    paid = max(order_completed.paid_at)
    adult = age >= 18
    name = lower(profile.email)
  }
}
)");
  const Program& p = l.program;
  const Audience* a = p.FindAudience("v");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->attributes.size(), 7u);
  std::vector<Type> types;
  for (uint32_t f : a->attributes) types.push_back(p.formulas[f].type);
  EXPECT_EQ(types, (std::vector<Type>{Type::Float, Type::Int, Type::Float, Type::Float,
                                      Type::Timestamp, Type::Bool, Type::String}));
  EXPECT_EQ(PrintNode(p, p.formulas[a->attributes[2]].root), "(float(s1) / float(2))");
  EXPECT_EQ(PrintNode(p, p.formulas[a->formula].root),
            "(((float(profile.age:int) > 1.5) and ((profile.age:int + 1) > 2)) and "
            "(profile.country:string in [\"SE\", \"NO\"]))");
  ASSERT_EQ(a->identities.size(), 1u);
  EXPECT_EQ(p.identities[a->identities[0]].name, "email");
}

TEST(IrLower, FormulasFollowWhatTheyRead) {
  auto l = LowerSource(R"(
segment z_base = did(order_completed)
consent a_ok = opt_in == true
audience m { members z_base and a_ok }
segment b_top = m and not z_base
)");
  const Program& p = l.program;
  auto pos = [&](const std::string& n) { return p.FindFormula(n); };
  EXPECT_LT(pos("z_base"), pos("m"));
  EXPECT_LT(pos("a_ok"), pos("m"));
  EXPECT_LT(pos("m"), pos("b_top"));
  for (size_t i = 0; i < p.formulas.size(); ++i) {
    std::vector<uint32_t> stack{p.formulas[i].root};
    while (!stack.empty()) {
      const Node& n = p.nodes[stack.back()];
      stack.pop_back();
      if (n.op == Op::Formula) {
        EXPECT_LT(n.index, i);
      }
      for (uint32_t x : n.args) stack.push_back(x);
    }
  }
}

TEST(IrLower, AudienceWithoutIdentitiesCarriesAll) {
  auto l = LowerSource("audience all { members did(order_completed) }\n");
  const Audience* a = l.program.FindAudience("all");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->identities.size(), 3u);
}

TEST(IrLower, Sequences) {
  auto l = LowerSource(R"(
segment abandoned = sequence(product_added within 7d, not order_completed within 1d)
segment funnel = sequence(page_viewed where name == "home", product_added within 1h,
                          not page_viewed, order_completed within 1d)
segment abandoned2 = sequence(product_added within 7d, not order_completed within 1d)
)");
  const Program& p = l.program;
  ASSERT_EQ(p.slots.size(), 2u);
  EXPECT_EQ(p.slots[0].key, "sequence(product_added within 7d, not order_completed within 1d)");
  EXPECT_EQ(p.slots[1].key,
            "sequence(page_viewed where (event.name:string == \"home\"), product_added within 1h, "
            "not page_viewed, order_completed within 1d)");
  const Slot& f = p.slots[1];
  ASSERT_EQ(f.steps.size(), 4u);
  EXPECT_EQ(f.steps[0].kind, Step::Positive);
  EXPECT_EQ(f.steps[2].kind, Step::MiddleNot);
  EXPECT_EQ(f.steps[3].window.kind, Window::Within);
  EXPECT_EQ(f.steps[3].window.within, 86400000);
  EXPECT_EQ(p.slots[0].steps[1].kind, Step::LastNot);
}

TEST(IrLower, WhereReadsTraitsAndTimestamp) {
  auto l = LowerSource(
      "segment s = count(order_completed where order_completed.currency == profile.country "
      "and timestamp >= @2026-01-01T10:00:00.250+01:00 and currency != \"x\") > 0\n");
  EXPECT_EQ(l.program.slots[0].key,
            "count(order_completed where (((event.currency:string == profile.country:string) and "
            "(event.timestamp >= @2026-01-01T09:00:00.250Z)) and (event.currency:string != "
            "\"x\")))");
}

TEST(IrPrint, ExplainSegment) {
  auto l = LowerSource(R"(
segment big = count(order_completed where revenue > 50 within 30d) >= 3
segment other = sum(order_completed.quantity) > 2
)");
  EXPECT_EQ(PrintFor(l.program, "big"),
            "; ir of segment big\n"
            "event order_completed = \"track:Order Completed\"\n"
            "slot s0: int = count(order_completed where (event.revenue:float > float(50)) within "
            "30d)\n"
            "segment big: bool = (s0 >= 3)\n");
  EXPECT_EQ(PrintFor(l.program, "nope"), "");
}

TEST(IrPrint, ExplainAudience) {
  auto l = LowerSource(R"(
segment big = count(order_completed within 30d) >= 3
consent ok = opt_in == true
audience vip "VIPs" {
  members big and ok and country in ["SE", "NO"]
  identities email, user_id
  attributes {
    lifetime_value = sum(order_completed.revenue)
    last_order_at = last(order_completed.timestamp)
  }
}
audience list { import "lists/x.csv" key email }
)");
  EXPECT_EQ(PrintFor(l.program, "vip"),
            "; ir of audience vip\n"
            "event order_completed = \"track:Order Completed\"\n"
            "trait country: string\n"
            "trait email: string\n"
            "trait opt_in: bool\n"
            "slot s0: int = count(order_completed within 30d)\n"
            "slot s1: float = sum(order_completed.revenue:float)\n"
            "slot s2: timestamp = last(order_completed.timestamp)\n"
            "segment big: bool = (s0 >= 3)\n"
            "consent ok: bool = (profile.opt_in:bool == true)\n"
            "audience vip: bool = ((segment(big) and consent(ok)) and (profile.country:string in "
            "[\"SE\", \"NO\"]))\n"
            "  identities email, user_id\n"
            "  attribute lifetime_value: float = s1\n"
            "  attribute last_order_at: timestamp = s2\n");
  EXPECT_EQ(PrintFor(l.program, "list"),
            "; ir of audience list\n"
            "trait email: string\n"
            "import \"lists/x.csv\" key email normalize email\n"
            "audience list: bool = imported(\"lists/x.csv\" key email)\n"
            "  identities ecid, email, user_id\n");
}

TEST(IrPrint, Formats) {
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatTime(1767323045120), "2026-01-02T03:04:05.120Z");
  EXPECT_EQ(FormatTime(1767323045000), "2026-01-02T03:04:05Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(951782400000), "2000-02-29T00:00:00Z");
  EXPECT_EQ(FormatFloat(310.5), "310.5");
  EXPECT_EQ(FormatFloat(3.0), "3");
  EXPECT_EQ(FormatFloat(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(FormatDuration(30LL * 86400000), "30d");
  EXPECT_EQ(FormatDuration(90LL * 60000), "90m");
  EXPECT_EQ(FormatDuration(1500), "1500ms");
  EXPECT_EQ(FormatDuration(7LL * 86400000), "7d");
}

TEST(IrPrint, ProgramIsDeterministic) {
  const char* src = R"(
segment b = did(order_completed) and count(product_added) > 1
segment a = did(product_added)
audience v { members a or b attributes { x = first(order_completed.currency) } }
)";
  auto l1 = LowerSource(src);
  auto l2 = LowerSource(src);
  EXPECT_EQ(PrintProgram(l1.program), PrintProgram(l2.program));
  EXPECT_NE(
      PrintProgram(l1.program).find("identity email: declared from trait email normalize email"),
      std::string::npos);
}

}  // namespace
}  // namespace aud::ir
