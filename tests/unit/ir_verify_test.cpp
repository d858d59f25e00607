// The operation table (compiler/ir/ops.def) and the IR verifier: the table
// is in enum order and complete, lowering's output verifies, and each kind
// of broken program is refused with a message naming what is wrong.

#include <gtest/gtest.h>

#include <string>

#include "compiler/ir/ir.h"
#include "compiler/ir/verify.h"

namespace aud::ir {
namespace {

Program Lowered(const std::string& body) {
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = R"(
event order_completed "Order Completed" { revenue: float  quantity: int  currency: string }
event page_viewed page { name: string }
trait country: string
trait age: int
identity user_id: declared from userId
)" + body;
  auto project = check::Check(tree);
  EXPECT_TRUE(project->ok()) << project->diags.Render();
  LowerResult r = Lower(project->module);
  EXPECT_EQ(r.error, "");
  return std::move(r.program);
}

const char* kBody = R"(
segment a = count(order_completed where revenue > 50 and currency in ["EUR", "SEK"] within 30d) >= 3
segment b = a and lower(profile.country) == "se" and -profile.age < 0 - 18
segment c = sequence(page_viewed where starts_with(name, "/p"), order_completed within 1d, not page_viewed within 2h)
audience v {
  members b or c
  attributes { spend = sum(order_completed.revenue) / 2  since = days_since(last(order_completed.timestamp)) }
}
)";

TEST(IrOps, TableIsInEnumOrderWithAllColumns) {
  for (size_t i = 0; i < kOpCount; ++i) {
    EXPECT_EQ(static_cast<size_t>(kOps[i].op), i) << kOps[i].name;
    EXPECT_NE(std::string(kOps[i].text), "") << kOps[i].name;
    const std::string result = kOps[i].result;
    ASSERT_EQ(result.size(), 1u) << kOps[i].name;
    EXPECT_NE(std::string("bifstd0.").find(result), std::string::npos) << kOps[i].name;
    if (kOps[i].arity > 0)
      EXPECT_EQ(std::string(kOps[i].operands).size(), static_cast<size_t>(kOps[i].arity))
          << kOps[i].name;
    for (char c : std::string(kOps[i].operands))
      EXPECT_NE(std::string("bifstdnN*=").find(c), std::string::npos) << kOps[i].name;
  }
  EXPECT_STREQ(Info(Op::StartsWith).text, "starts_with");
  EXPECT_TRUE(ReadsOnlyTraits(Op::Trait));
  EXPECT_FALSE(ReadsOnlyTraits(Op::Prop));
  EXPECT_FALSE(ReadsOnlyTraits(Op::Slot));
}

TEST(IrOps, ResultTypesFollowTheTable) {
  Type t = Type::Bool;
  std::string why;
  EXPECT_TRUE(OpResultType(Op::Add, {Type::Int, Type::Int}, &t, &why));
  EXPECT_EQ(t, Type::Int);
  EXPECT_TRUE(OpResultType(Op::Neg, {Type::Duration}, &t, &why));
  EXPECT_EQ(t, Type::Duration);
  EXPECT_TRUE(OpResultType(Op::In, {Type::String, Type::String, Type::String}, &t, &why));
  EXPECT_EQ(t, Type::Bool);
  EXPECT_FALSE(OpResultType(Op::Add, {Type::Int, Type::Float}, &t, &why));
  EXPECT_NE(why.find("Add argument 1"), std::string::npos) << why;
  EXPECT_FALSE(OpResultType(Op::Lower, {Type::String, Type::String}, &t, &why));
  EXPECT_NE(why.find("takes 1"), std::string::npos) << why;
  EXPECT_FALSE(OpResultType(Op::In, {}, &t, &why));
}

TEST(IrVerify, LoweredProgramVerifies) {
  Program p = Lowered(kBody);
  EXPECT_EQ(Verify(p), "");
}

TEST(IrVerify, RefusesBrokenPrograms) {
  const Program good = Lowered(kBody);
  auto find = [&](Op op) {
    for (size_t i = 0; i < good.nodes.size(); ++i)
      if (good.nodes[i].op == op) return i;
    ADD_FAILURE() << "no " << Info(op).name;
    return size_t{0};
  };
  auto expect = [](const Program& p, const std::string& part) {
    std::string why = Verify(p);
    EXPECT_NE(why.find(part), std::string::npos) << "got: " << why;
  };
  {
    Program p = good;
    p.nodes[find(Op::Lower)].args.clear();
    expect(p, "Lower takes 1 arguments, not 0");
  }
  {
    Program p = good;
    p.nodes[find(Op::Eq)].type = Type::Int;
    expect(p, "ops.def says bool");
  }
  {
    Program p = good;
    size_t n = find(Op::And);
    p.nodes[n].args[0] = static_cast<uint32_t>(n);
    expect(p, "reads a later node");
  }
  {
    Program p = good;
    p.nodes[find(Op::Trait)].index = 99;
    expect(p, "reads no trait");
  }
  {
    Program p = good;
    // An attribute reading a property: no event in scope.
    Formula& f = p.formulas.back();
    ASSERT_EQ(f.kind, FormulaKind::Attribute);
    f.root = static_cast<uint32_t>(find(Op::Prop));
    f.type = p.nodes[f.root].type;
    expect(p, "reads an event outside");
  }
  {
    Program p = good;
    p.slots[0].type = Type::Float;
    expect(p, "its slot has float");
  }
  {
    Program p = good;
    p.formulas[0].root = p.formulas.back().root;
    p.formulas[0].type = p.formulas.back().type;
    expect(p, "formula `");
  }
}

}  // namespace
}  // namespace aud::ir
