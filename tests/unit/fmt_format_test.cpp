// Golden tests of the canonical formatter (docs/formatting.md): every
// construct, comments in every position, idempotence, and parse(fmt(x)) ==
// parse(x) for each input.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "compiler/ast/dump.h"
#include "compiler/base/diagnostics.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"

namespace aud::fmt {
namespace {

// --- helpers ---------------------------------------------------------------

struct Parsed {
  base::SourceManager sm;
  std::unique_ptr<ast::File> file;
  std::string errors;
};

std::unique_ptr<Parsed> ParseText(const std::string& text, const std::string& path = "test.aud") {
  auto p = std::make_unique<Parsed>();
  base::FileId id = p->sm.Add(path, text);
  base::Diagnostics diags(p->sm);
  p->file = parse::ParseFile(id, diags);
  if (!p->file || diags.HasErrors()) {
    p->errors = diags.Render();
    if (p->errors.empty()) p->errors = "parse failed without diagnostics";
    p->file.reset();
  }
  return p;
}

std::string TrimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
  return s;
}

std::vector<std::string> CommentTexts(const ast::File& f) {
  std::vector<std::string> out;
  for (const ast::Comment& c : f.comments) out.push_back(TrimRight(c.text));
  std::sort(out.begin(), out.end());
  return out;
}

std::string Fmt(const std::string& text) {
  auto p = ParseText(text);
  if (!p->file) {
    ADD_FAILURE() << "input does not parse:\n" << p->errors << "\ninput:\n" << text;
    return "";
  }
  return FormatFile(*p->file, p->sm);
}

// Every guarantee for one input: the output parses to the same tree, keeps
// every comment, and is a fixed point.
void CheckInvariants(const std::string& input, const std::string& what = "input") {
  auto in = ParseText(input);
  ASSERT_TRUE(in->file) << what << " does not parse:\n" << in->errors << "\n" << input;
  std::string once = FormatFile(*in->file, in->sm);
  auto out = ParseText(once, "formatted.aud");
  ASSERT_TRUE(out->file) << what << ": formatted text does not parse:\n"
                         << out->errors << "\nformatted:\n"
                         << once;
  EXPECT_EQ(ast::Dump(*out->file), ast::Dump(*in->file)) << what << ", formatted:\n" << once;
  EXPECT_EQ(CommentTexts(*out->file), CommentTexts(*in->file)) << what << ", formatted:\n" << once;
  EXPECT_EQ(FormatFile(*out->file, out->sm), once) << what << ": not idempotent";
}

// `input` formats to `expected`; the invariants hold for both.
void ExpectFormat(const std::string& input, const std::string& expected) {
  EXPECT_EQ(Fmt(input), expected) << "input:\n" << input;
  CheckInvariants(input);
  CheckInvariants(expected, "expected");
}

// A canonical text formats to itself.
void ExpectStable(const std::string& text) { ExpectFormat(text, text); }

// --- declarations ----------------------------------------------------------

TEST(FmtDecl, Imports) {
  ExpectFormat("import   \"std/governance\"\nimport \"std/ecommerce\"",
               "import \"std/governance\"\nimport \"std/ecommerce\"\n");
}

TEST(FmtDecl, EventTrackWithLabelsAndProperties) {
  ExpectFormat(
      "event order_completed   \"Order Completed\" [C5,C6]{revenue:float\n"
      "currency : string\n      order_id: string [ I2 ]}",
      "event order_completed \"Order Completed\" [C5, C6] {\n"
      "  revenue: float\n"
      "  currency: string\n"
      "  order_id: string [I2]\n"
      "}\n");
}

TEST(FmtDecl, EventPageAndScreen) {
  ExpectFormat("event page_viewed page { name: string  url: string }",
               "event page_viewed page {\n  name: string\n  url: string\n}\n");
  ExpectFormat("event x screen [C1] {\n}\n", "event x screen [C1] {}\n");
  ExpectStable("event page_viewed page {}\n");
}

TEST(FmtDecl, KeywordPropertyNamesStayBare) {
  ExpectFormat(
      "event e \"E\" { `key`: string  map: int }\nsegment s = count(e where e.key == \"a\") > 0",
      "event e \"E\" {\n  key: string\n  map: int\n}\n\n"
      "segment s = count(e where e.key == \"a\") > 0\n");
}

// Context property paths (docs/language.md): written dotted when every part
// is a plain name (keywords included), else quoted as one name.
TEST(FmtDecl, ContextPropertyPaths) {
  ExpectFormat(
      "event p page { context.campaign.source: string `context.page.path`: string\n"
      "`context.a-b.c`: int `a.b`: int }\n"
      "segment s = did(p where `context.campaign.source` == \"x\")",
      "event p page {\n"
      "  context.campaign.source: string\n"
      "  context.page.path: string\n"
      "  `context.a-b.c`: int\n"
      "  `a.b`: int\n"
      "}\n\n"
      "segment s = did(p where `context.campaign.source` == \"x\")\n");
}

TEST(FmtDecl, Traits) {
  ExpectFormat("trait email : string [I1]\ntrait   country: string\n\n\n\ntrait ltv: float",
               "trait email: string [I1]\ntrait country: string\n\ntrait ltv: float\n");
}

TEST(FmtDecl, Identities) {
  ExpectFormat(
      "identity user_id: declared from userId\n"
      "identity ecid:    visitor  from anonymousId\n"
      "identity email:   declared from trait email normalize email [I1]",
      "identity user_id: declared from userId\n"
      "identity ecid: visitor from anonymousId\n"
      "identity email: declared from trait email normalize email [I1]\n");
}

TEST(FmtDecl, LabelsAndActions) {
  ExpectFormat(
      "label PARTNER   \"Partner data\"\nlabel BARE\naction sms_targeting \"SMS "
      "targeting\"\naction x",
      "label PARTNER \"Partner data\"\nlabel BARE\n\naction sms_targeting \"SMS targeting\"\n"
      "action x\n");
}

TEST(FmtDecl, Policies) {
  ExpectFormat(
      "policy no_partner_sms \"Partner data never drives SMS\" { deny sms_targeting when PARTNER "
      "}\n"
      "policy p { deny a,b when I1 and (S1 or S2)  deny c when not C1 }",
      "policy no_partner_sms \"Partner data never drives SMS\" {\n"
      "  deny sms_targeting when PARTNER\n"
      "}\n\n"
      "policy p {\n"
      "  deny a, b when I1 and (S1 or S2)\n"
      "  deny c when not C1\n"
      "}\n");
}

TEST(FmtDecl, Consents) {
  ExpectFormat("consent email_ok=email_opt_in==true\nconsent sms_ok = sms_opt_in == true",
               "consent email_ok = email_opt_in == true\nconsent sms_ok = sms_opt_in == true\n");
}

TEST(FmtDecl, Segments) {
  ExpectFormat("segment s=a", "segment s = a\n");
  ExpectFormat("segment big_spenders \"Big\" =\n    count(order_completed) >= 3",
               "segment big_spenders \"Big\" = count(order_completed) >= 3\n");
  // 111 columns on one line: broken after `=`.
  ExpectFormat(
      "segment big_spenders \"3+ orders over 50 in 30 days\" = count(order_completed where "
      "revenue > 50 within 30d) >= 3",
      "segment big_spenders \"3+ orders over 50 in 30 days\" =\n"
      "    count(order_completed where revenue > 50 within 30d) >= 3\n");
}

TEST(FmtDecl, SegmentBreaksAtHundredColumns) {
  // Exactly 100 columns fits; 101 breaks after `=`.
  std::string head = "segment s = ";
  std::string fits = head + "x" + std::string(100 - head.size() - 1, 'y');
  ASSERT_EQ(fits.size(), 100u);
  ExpectStable(fits + "\n");
  std::string body = "x" + std::string(100 - head.size(), 'y');
  ExpectFormat(head + body, "segment s =\n    " + body + "\n");
}

TEST(FmtDecl, Audiences) {
  ExpectFormat(
      "audience vip \"Nordic VIPs\" { members big_spenders and country in [\"SE\",\"NO\"]\n"
      "identities email,user_id attributes { lifetime_value = sum(order_completed.revenue)\n"
      "last_order_at=last(order_completed.timestamp) } refresh every 1d }\n"
      "audience newsletter \"Newsletter list (shared)\" {\n"
      "  import \"lists/newsletter.csv\" key email\n  refresh once\n}\n"
      "audience empty {}\naudience no_attrs { attributes { } }",
      "audience vip \"Nordic VIPs\" {\n"
      "  members big_spenders and country in [\"SE\", \"NO\"]\n"
      "  identities email, user_id\n"
      "  attributes {\n"
      "    lifetime_value = sum(order_completed.revenue)\n"
      "    last_order_at = last(order_completed.timestamp)\n"
      "  }\n"
      "  refresh every 1d\n"
      "}\n\n"
      "audience newsletter \"Newsletter list (shared)\" {\n"
      "  import \"lists/newsletter.csv\" key email\n"
      "  refresh once\n"
      "}\n\n"
      "audience empty {}\n\n"
      "audience no_attrs {\n"
      "  attributes {}\n"
      "}\n");
}

TEST(FmtDecl, Destinations) {
  ExpectFormat(
      "destination autopilot \"Autopilot email\" {\n"
      "  connection   autopilot_prod\n  actions email_targeting,sms\n  consent email_ok\n"
      "  key email\n  map email -> \"Email\" hashed,first_name->\"FirstName\"\n"
      "  max_profiles 100000\n}\ndestination d {}",
      "destination autopilot \"Autopilot email\" {\n"
      "  connection autopilot_prod\n"
      "  actions email_targeting, sms\n"
      "  consent email_ok\n"
      "  key email\n"
      "  map email -> \"Email\" hashed, first_name -> \"FirstName\"\n"
      "  max_profiles 100000\n"
      "}\n\n"
      "destination d {}\n");
  ExpectFormat("destination h {\n  key   email   hashed\n}",
               "destination h {\n  key email hashed\n}\n");
}

TEST(FmtDecl, MaxExitFraction) {
  // An integer is written as the float it is; the AST holds the number.
  ExpectFormat(
      "destination d { key email max_exit_fraction 1 }\n"
      "destination e { max_exit_fraction   0.75 }",
      "destination d {\n  key email\n  max_exit_fraction 1.0\n}\n\n"
      "destination e {\n  max_exit_fraction 0.75\n}\n");
  ExpectStable("destination d {\n  max_exit_fraction 0.0\n}\n");
}

TEST(FmtDecl, LongMapOneMappingPerLine) {
  ExpectFormat(
      "destination d {\n  map email -> \"Email\", first_name -> \"FirstName\", last_name -> "
      "\"LastName\", country -> \"Country\" hashed\n}",
      "destination d {\n"
      "  map email -> \"Email\",\n"
      "      first_name -> \"FirstName\",\n"
      "      last_name -> \"LastName\",\n"
      "      country -> \"Country\" hashed\n"
      "}\n");
}

TEST(FmtDecl, Publish) {
  ExpectFormat("publish vip,newsletter to autopilot ,profile_store\npublish x to y",
               "publish vip, newsletter to autopilot, profile_store\npublish x to y\n");
}

TEST(FmtDecl, BlankLinesBetweenDeclarations) {
  // Different kinds are always separated; same single-line kinds stay grouped
  // only when adjacent in the source; blocks and segments always separated.
  ExpectFormat(
      "import \"a\"\ntrait t: int\ntrait u: int\nlabel L\n\n\nlabel M\nsegment a = t > 1\n"
      "segment b = u > 1\nevent e page {}\nevent f page {}\n\n\n",
      "import \"a\"\n\ntrait t: int\ntrait u: int\n\nlabel L\n\nlabel M\n\nsegment a = t > 1\n\n"
      "segment b = u > 1\n\nevent e page {}\n\nevent f page {}\n");
}

TEST(FmtDecl, EmptyFile) {
  EXPECT_EQ(Fmt(""), "");
  EXPECT_EQ(Fmt("\n\n  \n"), "");
}

// --- names, literals, expressions -------------------------------------------

TEST(FmtNames, QuotedWhenNeeded) {
  ExpectFormat("trait `first-name`: string\ntrait `label`: string\ntrait `plain`: string",
               "trait `first-name`: string\ntrait `label`: string\ntrait plain: string\n");
  ExpectFormat("segment s = `first-name` == \"x\" and `where` > 1",
               "segment s = `first-name` == \"x\" and `where` > 1\n");
}

TEST(FmtLiterals, StringsAreReescaped) {
  ExpectFormat(
      "label X \"q\\\"uote back\\\\slash tab\\t nl\\n ctl\\u{1} smile\\u{1F600}\"",
      "label X \"q\\\"uote back\\\\slash tab\\t nl\\n ctl\\u{01} smile\xF0\x9F\x98\x80\"\n");
}

TEST(FmtLiterals, ControlCharactersEscaped) {
  ExpectFormat("label X \"\\u{0}\\u{D}\\u{7f}\\u{85}\\u{e9}\"",
               "label X \"\\u{00}\\u{0D}\\u{7F}\\u{85}\xC3\xA9\"\n");
}

TEST(FmtLiterals, Floats) {
  ExpectFormat("segment s = a > 50.0 or a > 12.50 or a > 0.10 or a > 007.5",
               "segment s = a > 50.0 or a > 12.5 or a > 0.1 or a > 7.5\n");
  ExpectStable("segment s = a > 100000000000000000000.0 or a < 0.0000001\n");
}

TEST(FmtLiterals, DurationsTimesLists) {
  ExpectFormat(
      "segment s = count(e within 90s)>0 and count(e between @2026-01-01 and "
      "@2026-03-01T12:00:00Z) > 0",
      "segment s = count(e within 90s) > 0 and count(e between @2026-01-01 and "
      "@2026-03-01T12:00:00Z) > 0\n");
  ExpectFormat("segment s = c in [ \"SE\" ,\"NO\" ] or n in [1,2] or n in []",
               "segment s = c in [\"SE\", \"NO\"] or n in [1, 2] or n in []\n");
}

TEST(FmtExpr, OperatorsAndCalls) {
  ExpectFormat("segment s = a+b*c>=-d/2 and not x or y!=z",
               "segment s = a + b * c >= -d / 2 and not x or y != z\n");
  ExpectFormat("segment s = - 5 < x and - - y < 1", "segment s = -5 < x and --y < 1\n");
  ExpectFormat("segment s = exists( profile.email ) and contains(lower(name),\"x\")",
               "segment s = exists(profile.email) and contains(lower(name), \"x\")\n");
  ExpectFormat(
      "segment abandoned_cart = sequence(product_added within 7d,not order_completed within 1d)",
      "segment abandoned_cart = sequence(product_added within 7d, not order_completed within "
      "1d)\n");
  ExpectFormat(
      "segment s = count(order_completed where revenue>50 and currency==\"EUR\" within 30d)>=3",
      "segment s = count(order_completed where revenue > 50 and currency == \"EUR\" within "
      "30d) >= 3\n");
}

TEST(FmtExpr, UserParenthesesKeptExactly) {
  ExpectStable("segment s = ((a)) and (b or c) and (not d) and (x + 1) * 2 > (3)\n");
  ExpectFormat("segment s = ( a  or b )", "segment s = (a or b)\n");
}

TEST(FmtExpr, PrefixOperatorsNeedNoParentheses) {
  // These parse without Paren nodes; printing must not add any.
  ExpectStable("segment s = a * not b\n");
  ExpectStable("segment s = not a and b\n");
  ExpectStable("segment s = a == not b and c\n");
  ExpectStable("segment s = not a == b\n");
  ExpectStable("segment s = -not a\n");
  ExpectStable("segment s = -a * b - c - d\n");
  ExpectStable("segment s = not not a\n");
}

// Builders for trees that no parse produces (no Paren nodes where the
// precedence needs them): the printer must add parentheses.
ast::ExprPtr N(const char* name) {
  auto e = std::make_unique<ast::Expr>(ast::ExprKind::NameRef);
  e->name.text = name;
  return e;
}
ast::ExprPtr B(ast::BinaryOp op, ast::ExprPtr l, ast::ExprPtr r) {
  auto e = std::make_unique<ast::Expr>(ast::ExprKind::Binary);
  e->binary_op = op;
  e->children.push_back(std::move(l));
  e->children.push_back(std::move(r));
  return e;
}
ast::ExprPtr U(ast::UnaryOp op, ast::ExprPtr x) {
  auto e = std::make_unique<ast::Expr>(ast::ExprKind::Unary);
  e->unary_op = op;
  e->children.push_back(std::move(x));
  return e;
}
std::string FmtTree(ast::ExprPtr e) {
  ast::File f;
  ast::SegmentDecl s;
  s.name.text = "s";
  s.expr = std::move(e);
  f.decls.push_back(ast::Decl{std::move(s), {}});
  base::SourceManager sm;
  return FormatFile(f, sm);
}

TEST(FmtExpr, DefensiveParenthesesForHandBuiltTrees) {
  using ast::BinaryOp;
  using ast::UnaryOp;
  EXPECT_EQ(FmtTree(B(BinaryOp::Mul, B(BinaryOp::Add, N("a"), N("b")), N("c"))),
            "segment s = (a + b) * c\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Sub, N("a"), B(BinaryOp::Sub, N("b"), N("c")))),
            "segment s = a - (b - c)\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Sub, B(BinaryOp::Sub, N("a"), N("b")), N("c"))),
            "segment s = a - b - c\n");
  EXPECT_EQ(FmtTree(U(UnaryOp::Not, B(BinaryOp::And, N("a"), N("b")))),
            "segment s = not (a and b)\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Add, B(BinaryOp::Mul, N("a"), U(UnaryOp::Not, N("b"))), N("c"))),
            "segment s = (a * not b) + c\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Eq, B(BinaryOp::Eq, N("a"), N("b")), N("c"))),
            "segment s = (a == b) == c\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Eq, U(UnaryOp::Not, N("a")), N("b"))),
            "segment s = (not a) == b\n");
  EXPECT_EQ(FmtTree(U(UnaryOp::Neg, B(BinaryOp::Add, N("a"), N("b")))), "segment s = -(a + b)\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::And, N("a"), B(BinaryOp::Or, N("b"), N("c")))),
            "segment s = a and (b or c)\n");
  EXPECT_EQ(FmtTree(B(BinaryOp::Mul, U(UnaryOp::Neg, U(UnaryOp::Not, N("a"))), N("b"))),
            "segment s = (-not a) * b\n");
}

// --- comments ----------------------------------------------------------------

TEST(FmtComments, LeadingAndTrailingAtTopLevel) {
  ExpectFormat(
      "# header\n\n# about std\nimport \"std/governance\"   # trailing   \n"
      "# before trait\ntrait a: int\n\n\n# detached\n\n# about b\ntrait b: int # tb",
      "# header\n\n# about std\nimport \"std/governance\"  # trailing\n\n"
      "# before trait\ntrait a: int\n\n# detached\n\n# about b\ntrait b: int  # tb\n");
}

TEST(FmtComments, GroupedDeclarationsKeepCommentsBetween) {
  ExpectStable("trait a: int\n# about b\ntrait b: int\n");
}

TEST(FmtComments, InsideBlocks) {
  ExpectFormat(
      "event e \"E\" [C1] {  # header\n"
      "  # about revenue\n"
      "  revenue: float   # money\n"
      "      # last one\n"
      "  currency: string\n"
      "  # dangling before close\n"
      "}  # after close\n",
      "event e \"E\" [C1] {  # header\n"
      "  # about revenue\n"
      "  revenue: float  # money\n"
      "  # last one\n"
      "  currency: string\n"
      "  # dangling before close\n"
      "}  # after close\n");
}

TEST(FmtComments, InsideAudienceAndAttributes) {
  ExpectStable(
      "# the VIPs\n"
      "audience vip \"Nordic VIPs\" {  # header\n"
      "  # who\n"
      "  members big_spenders  # members\n"
      "  attributes {  # attrs\n"
      "    # money\n"
      "    lifetime_value = sum(order_completed.revenue)  # ltv\n"
      "    # end of attributes\n"
      "  }  # after attributes\n"
      "  refresh once  # refresh\n"
      "}  # end\n");
}

TEST(FmtComments, InsidePoliciesAndDestinations) {
  ExpectStable(
      "policy p \"desc\" {  # header\n"
      "  # rule one\n"
      "  deny a when I1  # r1\n"
      "  deny b when S1\n"
      "}\n"
      "\n"
      "destination d {\n"
      "  # connection\n"
      "  connection x  # c\n"
      "  map email -> \"Email\",  # first\n"
      "      # about first name\n"
      "      first_name -> \"FirstName\",\n"
      "      last_name -> \"LastName\",\n"
      "      a_very_long_field_name -> \"AVeryLongFieldName\" hashed  # last\n"
      "}\n");
}

TEST(FmtComments, InsideMultiLineExpressionMovedBefore) {
  ExpectFormat(
      "segment s \"desc\" =  # why\n"
      "    a > 1 and  # first part\n"
      "    # second part\n"
      "    b < 2  # trailing\n",
      "# why\n# first part\n# second part\nsegment s \"desc\" = a > 1 and b < 2  # trailing\n");
  ExpectFormat(
      "audience a {\n  members x and   # x\n    y\n  attributes {\n    v = sum(\n  # inside\n"
      "  e.p)\n  }\n}\n",
      "audience a {\n  # x\n  members x and y\n  attributes {\n    # inside\n    v = sum(e.p)\n"
      "  }\n}\n");
}

TEST(FmtComments, InsideHeadersAndEmptyBlocksMovedBefore) {
  ExpectFormat("event e   # about e\n  page {\n  # nothing yet\n}\n",
               "# about e\n# nothing yet\nevent e page {}\n");
  ExpectFormat("publish a,  # which\n  b to d", "# which\npublish a, b to d\n");
}

TEST(FmtComments, EndOfFile) {
  ExpectFormat("trait a: int\n# right after\n\n\n# later\n\n",
               "trait a: int\n# right after\n\n# later\n");
  ExpectFormat("trait a: int\n\n# separated\n", "trait a: int\n\n# separated\n");
  ExpectFormat("# only\n\n\n# comments   \n", "# only\n\n# comments\n");
}

TEST(FmtComments, TrailingCommentOnBrokenSegmentStaysTrailing) {
  std::string body = "x" + std::string(100, 'y');
  ExpectFormat("segment s = " + body + "  # note\n", "segment s =\n    " + body + "  # note\n");
}

TEST(FmtComments, TextKeptAsWritten) {
  ExpectFormat("#no space\n#   indented text\ntrait a: int #x",
               "#no space\n#   indented text\ntrait a: int  #x\n");
}

// A larger realistic file, taken from the language reference.
TEST(FmtIdempotence, LanguageReferenceExample) {
  CheckInvariants(R"(import "std/governance"          # stdlib module: labels, standard actions
# import "shared/events.aud"     # (a file relative to the project root)

event order_completed "Order Completed" [C5] {  # track call with event == "Order Completed"
  revenue:  float
  currency: string
  order_id: string [I2]                         # property-level labels
}
event page_viewed page { name: string  url: string }   # all Segment `page` calls
event screen_viewed screen { name: string }              # all Segment `screen` calls

trait email: string [I1]                        # from identify.traits
trait first_name: string [I1]
trait country: string
trait email_opt_in: bool

identity user_id: declared from userId
identity ecid:    visitor  from anonymousId
identity email:   declared from trait email normalize email   # lower-case + trim

label PARTNER "Partner data: internal use only"      # a custom label
action sms_targeting "SMS targeting"                  # a custom marketing action
policy no_partner_sms "Partner data never drives SMS" { deny sms_targeting when PARTNER }
policy no_precise_ads { deny cross_site_targeting when I1 and (S1 or S2) }

consent email_ok = email_opt_in == true

segment big_spenders "3+ orders over 50 in 30 days" =
    count(order_completed where revenue > 50 within 30d) >= 3

audience vip "Nordic VIPs" {
  members    big_spenders and country in ["SE", "NO", "DK", "FI"]
  identities email, user_id
  attributes {
    lifetime_value = sum(order_completed.revenue)
    last_order_at  = last(order_completed.timestamp)
  }
  refresh every 1d                   # or: refresh once
}

destination autopilot "Autopilot email" {
  connection   autopilot_prod        # defined in aud.toml; credentials never in .aud files
  actions      email_targeting
  consent      email_ok
  key          email                 # identity namespace the destination is keyed by
  map          email -> "Email", first_name -> "FirstName", last_name -> "LastName"
  max_profiles 100000
}

publish vip to autopilot, profile_store
)");
}

// --- randomized ---------------------------------------------------------------
//
// Random programs covering every construct, written token by token with random
// spacing, line breaks, blank lines and comments between the tokens: the
// invariants must hold for each one that parses.

class RandomProgram {
 public:
  explicit RandomProgram(uint32_t seed) : rng_(seed) {}

  std::string Generate() {
    tokens_.clear();
    int decls = 1 + Pick(8);
    for (int i = 0; i < decls; ++i) Decl();
    std::string out;
    for (const std::string& t : tokens_) {
      out += t;
      switch (Pick(20)) {
        case 0:
        case 1: out += "\n"; break;
        case 2: out += "  # c" + std::to_string(comment_++) + "\n"; break;
        case 3: out += "\n# c" + std::to_string(comment_++) + "\n"; break;
        case 4: out += "\n\n"; break;
        case 5: out += "\n  # c" + std::to_string(comment_++) + "  \n\n"; break;
        default: out += " "; break;
      }
    }
    return out;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  void T(std::string t) { tokens_.push_back(std::move(t)); }
  void Name() {
    static const char* kNames[] = {"a",     "b", "email", "order_completed", "`first-name`",
                                   "`key`", "x1"};
    T(kNames[Pick(7)]);
  }
  void NameList() {
    Name();
    while (Pick(3) == 0) {
      T(",");
      Name();
    }
  }
  void Labels() {
    if (Pick(2)) return;
    T("[");
    NameList();
    T("]");
  }
  void Str() {
    static const char* kStrings[] = {"\"\"", "\"Order Completed\"", "\"a \\\"b\\\" \\\\ \\n\"",
                                     "\"\\u{1F600}\""};
    T(kStrings[Pick(4)]);
  }
  void OptStr() {
    if (Pick(2)) Str();
  }
  void Window() {
    if (Pick(2)) {
      T("within");
      T(std::to_string(1 + Pick(90)) + "smhdw"[Pick(5)]);
    } else {
      T("between");
      T("@2026-01-01");
      T("and");
      T("@2026-03-01T12:00:00Z");
    }
  }
  void Primary(int depth) {
    switch (Pick(depth > 3 ? 6 : 10)) {
      case 0: Name(); break;
      case 1: T(std::to_string(Pick(1000))); break;
      case 2: T(std::to_string(Pick(100)) + "." + std::to_string(Pick(100))); break;
      case 3: Str(); break;
      case 4: T(Pick(2) ? "true" : "false"); break;
      case 5:
        Name();
        T(".");
        T(Pick(2) ? "revenue" : "key");
        break;
      case 6:
        T("(");
        Expr(depth + 1);
        T(")");
        break;
      case 7: {
        T("[");
        if (Pick(3)) {
          Expr(depth + 1);
          while (Pick(2)) {
            T(",");
            Expr(depth + 1);
          }
        }
        T("]");
        break;
      }
      default: {
        static const char* kCallees[] = {"count", "sum", "sequence", "exists", "lower"};
        T(kCallees[Pick(5)]);
        T("(");
        int args = Pick(3);
        for (int i = 0; i < args; ++i) {
          if (i > 0) T(",");
          Expr(depth + 1);
          if (Pick(3) == 0) {
            T("where");
            Expr(depth + 1);
          }
          if (Pick(3) == 0) Window();
        }
        T(")");
      }
    }
  }
  void Expr(int depth) {
    if (depth > 4) return Primary(depth);
    switch (Pick(7)) {
      case 0:
        T("not");
        Expr(depth + 1);
        break;
      case 1:
        T("-");
        Expr(depth + 1);
        break;
      case 2:
      case 3: {
        static const char* kOps[] = {"or", "and", "==", "!=", "<", "<=", ">",
                                     ">=", "in",  "+",  "-",  "*", "/"};
        Primary(depth + 1);
        T(kOps[Pick(13)]);
        Expr(depth + 1);
        break;
      }
      default: Primary(depth);
    }
  }
  void Decl() {
    switch (Pick(12)) {
      case 0:
        T("import");
        Str();
        break;
      case 1: {
        T("event");
        Name();
        int src = Pick(3);
        if (src == 0)
          Str();
        else
          T(src == 1 ? "page" : "screen");
        Labels();
        T("{");
        int props = Pick(4);
        for (int i = 0; i < props; ++i) {
          Pick(2) ? Name() : T("map");
          T(":");
          T("string");
          Labels();
        }
        T("}");
        break;
      }
      case 2:
        T("trait");
        Name();
        T(":");
        T("int");
        Labels();
        break;
      case 3:
        T("identity");
        Name();
        T(":");
        T(Pick(2) ? "declared" : "visitor");
        T("from");
        switch (Pick(3)) {
          case 0: T("userId"); break;
          case 1: T("anonymousId"); break;
          default: T("trait"); Name();
        }
        if (Pick(2)) {
          T("normalize");
          T("email");
        }
        Labels();
        break;
      case 4:
        T(Pick(2) ? "label" : "action");
        Name();
        OptStr();
        break;
      case 5: {
        T("policy");
        Name();
        OptStr();
        T("{");
        int rules = 1 + Pick(3);
        for (int i = 0; i < rules; ++i) {
          T("deny");
          NameList();
          T("when");
          Expr(0);
        }
        T("}");
        break;
      }
      case 6:
        T("consent");
        Name();
        T("=");
        Expr(0);
        break;
      case 7:
      case 8:
        T("segment");
        Name();
        OptStr();
        T("=");
        Expr(0);
        break;
      case 9: {
        T("audience");
        Name();
        OptStr();
        T("{");
        int items = Pick(5);
        for (int i = 0; i < items; ++i) {
          switch (Pick(5)) {
            case 0:
              T("members");
              Expr(0);
              break;
            case 1:
              T("identities");
              NameList();
              break;
            case 2: {
              T("attributes");
              T("{");
              int n = Pick(3);
              for (int k = 0; k < n; ++k) {
                Name();
                T("=");
                Expr(0);
              }
              T("}");
              break;
            }
            case 3:
              T("refresh");
              if (Pick(2)) {
                T("every");
                T("1d");
              } else {
                T("once");
              }
              break;
            default:
              T("import");
              Str();
              T("key");
              Name();
          }
        }
        T("}");
        break;
      }
      case 10: {
        T("destination");
        Name();
        OptStr();
        T("{");
        int items = Pick(5);
        for (int i = 0; i < items; ++i) {
          switch (Pick(6)) {
            case 0:
              T("connection");
              Name();
              break;
            case 1:
              T("actions");
              NameList();
              break;
            case 2:
              T("consent");
              NameList();
              break;
            case 3:
              T("key");
              Name();
              break;
            case 4:
              T("max_profiles");
              T(std::to_string(Pick(100000)));
              break;
            default: {
              T("map");
              int n = 1 + Pick(6);
              for (int k = 0; k < n; ++k) {
                if (k > 0) T(",");
                Name();
                T("->");
                T("\"Some Destination Field " + std::to_string(k) + "\"");
                if (Pick(2)) T("hashed");
              }
            }
          }
        }
        T("}");
        break;
      }
      default:
        T("publish");
        NameList();
        T("to");
        NameList();
        break;
    }
  }

  std::mt19937 rng_;
  std::vector<std::string> tokens_;
  int comment_ = 0;
};

TEST(FmtRandom, InvariantsHoldForRandomPrograms) {
  int parsed = 0;
  const int kPrograms = 400;
  for (int i = 0; i < kPrograms; ++i) {
    std::string text = RandomProgram(static_cast<uint32_t>(i)).Generate();
    if (!ParseText(text)->file) continue;  // e.g. a chained comparison
    ++parsed;
    SCOPED_TRACE("seed " + std::to_string(i) + ":\n" + text);
    CheckInvariants(text);
    if (::testing::Test::HasFailure()) break;  // one readable failure is enough
  }
  EXPECT_GE(parsed, kPrograms / 2) << "the generator mostly writes invalid programs";
}

// --- tests and expectations ------------------------------------------------

TEST(FmtDecl, TestDeclarationEveryForm) {
  ExpectFormat(
      "test   t \"d\" {as_of @2026-03-01 given \"f.jsonl\"\n"
      "given { event order \"u1\" @2026-02-01 {revenue=1.5,context.campaign.source=\"x\", "
      "`key`=-2}\n"
      "event order anonymous \"a1\" @2026-02-01T10:00:00Z\n"
      "event order \"u2\"   anonymous \"a2\" @2026-02-01 {}\n"
      "identify \"u1\" @2026-01-01 { email=\"A@x\" , vip = true }  # trailing\n"
      "alias \"a1\" to \"u1\" @2026-01-02 }\n"
      "# before expect\n"
      "expect s contains \"u1\",\"u2\" expect s excludes \"a1\"\n"
      "expect s == [ ] expect s==[\"u1\"]\n"
      "expect vip.ltv of \"u1\" == 1.50 expect vip.`key` of \"u1\" missing\n"
      "expect vip identities email of \"u1\"==[\"a@x\"]\n"
      "expect vip to crm sends \"u1\" key \"k\" {\"Spent\"=1,\"id\"=\"u1\"} expect vip to crm "
      "sends "
      "\"u1\"\n"
      "expect vip to `profile_store` skips \"u2\"   no_key}",
      "test t \"d\" {\n"
      "  as_of @2026-03-01\n"
      "  given \"f.jsonl\"\n"
      "  given {\n"
      "    event order \"u1\" @2026-02-01 { revenue = 1.5, context.campaign.source = \"x\", key = "
      "-2 "
      "}\n"
      "    event order anonymous \"a1\" @2026-02-01T10:00:00Z\n"
      "    event order \"u2\" anonymous \"a2\" @2026-02-01\n"
      "    identify \"u1\" @2026-01-01 { email = \"A@x\", vip = true }  # trailing\n"
      "    alias \"a1\" to \"u1\" @2026-01-02\n"
      "  }\n"
      "  # before expect\n"
      "  expect s contains \"u1\", \"u2\"\n"
      "  expect s excludes \"a1\"\n"
      "  expect s == []\n"
      "  expect s == [\"u1\"]\n"
      "  expect vip.ltv of \"u1\" == 1.5\n"
      "  expect vip.key of \"u1\" missing\n"
      "  expect vip identities email of \"u1\" == [\"a@x\"]\n"
      "  expect vip to crm sends \"u1\" key \"k\" { \"Spent\" = 1, \"id\" = \"u1\" }\n"
      "  expect vip to crm sends \"u1\"\n"
      "  expect vip to profile_store skips \"u2\" no_key\n"
      "}\n");
}

TEST(FmtDecl, ExpectClauses) {
  ExpectFormat(
      "audience a { members s expect size between 1 and 10 expect size>=1 expect size <= 5\n"
      "expect size_change<=0.25 expect ltv not missing }\n"
      "destination d { connection c expect unique key expect size <= 3 }",
      "audience a {\n"
      "  members s\n"
      "  expect size between 1 and 10\n"
      "  expect size >= 1\n"
      "  expect size <= 5\n"
      "  expect size_change <= 0.25\n"
      "  expect ltv not missing\n"
      "}\n"
      "\n"
      "destination d {\n"
      "  connection c\n"
      "  expect unique key\n"
      "  expect size <= 3\n"
      "}\n");
}

// The words of `test` and `expect` stay names outside those constructs.
TEST(FmtDecl, SoftKeywordsStayNames) {
  ExpectStable(
      "trait size: int\n"
      "\n"
      "segment test = size > 1 and contains > 0\n"
      "\n"
      "segment expect = missing(size)\n"
      "\n"
      "test test {\n"
      "  as_of @2026-01-01\n"
      "  expect test excludes \"x\"\n"
      "}\n");
}

}  // namespace
}  // namespace aud::fmt
