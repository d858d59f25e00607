// compiler/codegen without a store: every kind of slot and operation lowers
// to a module that passes the LLVM verifier; the module holds no addresses
// (it is the same text for the same program); an inconsistent program or
// binding is an error, never a crash. Behaviour is tested against the
// interpreter in tests/jit/.

#include <gtest/gtest.h>

#include "compiler/codegen/codegen.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

namespace aud::codegen {
namespace {

const char* kSource = R"(
event order_completed "Order Completed" {
  revenue: float
  quantity: int
  currency: string
  paid_at: timestamp
  gift: bool
}
event product_added "Product Added" { sku: string }
event page_viewed page { name: string }
trait email: string
trait country: string
trait age: int
identity user_id: declared from userId
identity email: declared from trait email normalize email
segment big = count(order_completed where revenue > 50 and currency == "SEK" within 30d) >= 3
segment funnel = sequence(page_viewed, product_added within 1h, not page_viewed, order_completed within 1d)
segment lapsed = sequence(product_added, not order_completed within 1d)
segment se_buyers = country == "SE" and count(order_completed) >= 1 and age >= 18
segment names = contains(lower(country), "se") or starts_with(trim(email), "a") or ends_with(upper(email), "Z")
audience vip {
  members big and country in ["SE", "NO"] and age >= 18
  attributes {
    total = sum(order_completed.revenue)
    qty = sum(order_completed.quantity)
    mean = avg(order_completed.quantity)
    low = min(order_completed.currency)
    high = max(order_completed.revenue)
    first_paid = first(order_completed.paid_at)
    last_gift = last(order_completed.gift)
    days = days_since(last(order_completed.timestamp))
    ratio = sum(order_completed.revenue) / count(order_completed)
    neg = -sum(order_completed.quantity) * 2 + 1
    mail = lower(email)
  }
}
)";

struct Lowered {
  std::unique_ptr<check::Project> project;
  ir::Program program;
};

Lowered LowerSource() {
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = kSource;
  Lowered l;
  l.project = check::Check(tree);
  EXPECT_TRUE(l.project->ok()) << l.project->diags.Render();
  if (!l.project->ok()) return l;
  ir::LowerResult r = ir::Lower(l.project->module);
  EXPECT_EQ(r.error, "");
  l.program = std::move(r.program);
  return l;
}

ir::Uses All(const ir::Program& p) {
  std::vector<uint32_t> roots;
  for (uint32_t f = 0; f < p.formulas.size(); ++f) roots.push_back(f);
  return ir::UsesOfFormulas(p, roots);
}

TEST(CodegenModule, EveryConstructVerifies) {
  Lowered l = LowerSource();
  ASSERT_FALSE(l.program.formulas.empty());
  llvm::LLVMContext context;
  std::string error;
  auto m = Generate(l.program, SchemaBinding(l.program, All(l.program)), context, &error);
  ASSERT_NE(m, nullptr) << error;  // Generate runs the verifier
  llvm::Function* f = m->getFunction(kEntryName);
  ASSERT_NE(f, nullptr);
  EXPECT_FALSE(f->isDeclaration());
  // Builtin helpers are the registry's symbols (stdlib/builtins.def).
  for (const char* h :
       {"aud_h_traits", "aud_h_lower", "aud_h_upper", "aud_h_trim", "aud_h_contains",
        "aud_h_starts_with", "aud_h_ends_with", "aud_h_out_string"})
    EXPECT_NE(m->getFunction(h), nullptr) << h;
  EXPECT_EQ(m->getFunction("aud_h_import"), nullptr);  // no imports: not declared
}

TEST(CodegenModule, SameProgramSameText) {
  Lowered l = LowerSource();
  llvm::LLVMContext c1, c2;
  std::string e1, e2;
  auto m1 = Generate(l.program, SchemaBinding(l.program, All(l.program)), c1, &e1);
  auto m2 = Generate(l.program, SchemaBinding(l.program, All(l.program)), c2, &e2);
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(PrintModule(*m1), PrintModule(*m2));
}

TEST(CodegenModule, RestrictedToUses) {
  Lowered l = LowerSource();
  int32_t big = l.program.FindFormula("big");
  ASSERT_NE(big, ir::kNone);
  llvm::LLVMContext context;
  std::string error;
  auto m =
      Generate(l.program, SchemaBinding(l.program, ir::UsesOfFormulas(l.program, {uint32_t(big)})),
               context, &error);
  ASSERT_NE(m, nullptr) << error;
  EXPECT_EQ(m->getFunction("aud_h_lower"), nullptr);  // lower/trim are not used by `big`
  EXPECT_EQ(m->getFunction("aud_h_trim"), nullptr);
  EXPECT_EQ(m->getFunction("aud_h_traits"), nullptr);
}

// The event pass is skipped for a profile only when every used formula is a
// condition with a trait-only conjunct and no attribute or import is used
// (its output is then identical; tests/jit compares it with the interpreter).
TEST(CodegenModule, TraitGuardOnlyWhenEveryFormulaHasOne) {
  Lowered l = LowerSource();
  auto text_for = [&](const char* name, bool with_attributes) {
    int32_t f = l.program.FindFormula(name);
    EXPECT_NE(f, ir::kNone) << name;
    std::vector<uint32_t> roots{uint32_t(f)};
    if (with_attributes)
      for (uint32_t a : l.program.FindAudience(name)->attributes) roots.push_back(a);
    llvm::LLVMContext context;
    std::string error;
    auto m = Generate(l.program, SchemaBinding(l.program, ir::UsesOfFormulas(l.program, roots)),
                      context, &error);
    EXPECT_NE(m, nullptr) << error;
    return m ? PrintModule(*m) : std::string();
  };
  EXPECT_NE(text_for("se_buyers", false).find("profile.skip"), std::string::npos);
  EXPECT_EQ(text_for("big", false).find("profile.skip"), std::string::npos);  // no trait conjunct
  EXPECT_EQ(text_for("vip", true).find("profile.skip"), std::string::npos);   // attributes
}

TEST(CodegenModule, InconsistentInputIsAnError) {
  Lowered l = LowerSource();
  llvm::LLVMContext context;
  std::string error;
  Binding b = SchemaBinding(l.program, All(l.program));
  b.props.pop_back();
  EXPECT_EQ(Generate(l.program, b, context, &error), nullptr);
  EXPECT_NE(error, "");

  ir::Program bad = l.program;
  bad.nodes[bad.formulas[0].root].args.push_back(uint32_t(bad.nodes.size() + 7));
  error.clear();
  // (ir::UsesOfFormulas assumes a consistent program: use the good one's.)
  EXPECT_EQ(Generate(bad, SchemaBinding(bad, All(l.program)), context, &error), nullptr);
  EXPECT_NE(error, "");

  ir::Program bad_slot = l.program;
  bad_slot.slots[0].event = 999;
  error.clear();
  EXPECT_EQ(Generate(bad_slot, SchemaBinding(bad_slot, All(l.program)), context, &error), nullptr);
  EXPECT_NE(error, "");
}

}  // namespace
}  // namespace aud::codegen
