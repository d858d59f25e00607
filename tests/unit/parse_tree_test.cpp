// Parser: declarations, expressions, literals, ranges, comments and the dump.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/ast/dump.h"
#include "compiler/parse/parse.h"

namespace aud::parse {
namespace {

struct Parsed {
  base::SourceManager sm;
  std::unique_ptr<base::Diagnostics> diags;
  std::unique_ptr<ast::File> file;
  base::FileId id = 0;
  std::string Text(base::SourceRange r) const { return std::string(sm.Text(r)); }
  std::string Rendered() const { return diags->Render(); }
};

std::unique_ptr<Parsed> Parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->id = p->sm.Add("test.aud", std::move(text));
  p->diags = std::make_unique<base::Diagnostics>(p->sm);
  p->file = ParseFile(p->id, *p->diags);
  return p;
}

// Parses `text`, expects success, and returns the dump.
std::string DumpOf(const std::string& text) {
  auto p = Parse(text);
  EXPECT_TRUE(p->file) << text << "\n" << p->Rendered();
  EXPECT_FALSE(p->diags->HasErrors()) << p->Rendered();
  return p->file ? ast::Dump(*p->file) : std::string();
}

// Dumps the expression of `segment s = <expr>`.
std::string ExprDump(const std::string& expr) {
  std::string d = DumpOf("segment s = " + expr);
  const std::string prefix = "(segment s ";
  if (d.rfind(prefix, 0) != 0 || d.size() < prefix.size() + 2) return "<bad: " + d + ">";
  return d.substr(prefix.size(), d.size() - prefix.size() - 2);  // drop ")\n"
}

const ast::Expr& SegmentExpr(const Parsed& p, size_t i = 0) {
  return *std::get<ast::SegmentDecl>(p.file->decls.at(i).node).expr;
}

// The full example of docs/reference/language.md §2.
constexpr const char* kExample =
    R"aud(import "std/governance"          # stdlib module: labels C1–C12 I1 I2 S1 S2, standard actions
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
trait last_name: string [I1]
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

audience newsletter "Newsletter list (shared)" {
  import "lists/newsletter.csv" key email     # an imported (shared) audience
}

destination autopilot "Autopilot email" {
  connection   autopilot_prod        # defined in aud.toml; credentials never in .aud files
  actions      email_targeting
  consent      email_ok
  key          email                 # identity namespace the destination is keyed by
  map          email -> "Email", first_name -> "FirstName", last_name -> "LastName"
  max_profiles 100000
}

publish vip, newsletter to autopilot, profile_store
)aud";

TEST(ParseTree, LanguageExampleParsesCleanly) {
  auto p = Parse(kExample);
  ASSERT_TRUE(p->file) << p->Rendered();
  EXPECT_TRUE(p->diags->all().empty()) << p->Rendered();
  EXPECT_EQ(p->file->file, p->id);
  EXPECT_EQ(p->file->decls.size(), 22u);
  const std::string expected =
      "(import \"std/governance\")\n"
      "(event order_completed \"Order Completed\" (labels C5) (prop revenue float) (prop currency "
      "string) (prop order_id string (labels I2)))\n"
      "(event page_viewed page (prop name string) (prop url string))\n"
      "(event screen_viewed screen (prop name string))\n"
      "(trait email string (labels I1))\n"
      "(trait first_name string (labels I1))\n"
      "(trait last_name string (labels I1))\n"
      "(trait country string)\n"
      "(trait email_opt_in bool)\n"
      "(identity user_id declared (from userId))\n"
      "(identity ecid visitor (from anonymousId))\n"
      "(identity email declared (from trait email) (normalize email))\n"
      "(label PARTNER \"Partner data: internal use only\")\n"
      "(action sms_targeting \"SMS targeting\")\n"
      "(policy no_partner_sms \"Partner data never drives SMS\" (deny sms_targeting (when (name "
      "PARTNER))))\n"
      "(policy no_precise_ads (deny cross_site_targeting (when (and (name I1) (paren (or (name S1) "
      "(name S2)))))))\n"
      "(consent email_ok (== (name email_opt_in) (bool true)))\n"
      "(segment big_spenders \"3+ orders over 50 in 30 days\" (>= (call count (arg (name "
      "order_completed) (where (> (name revenue) (int 50))) (within 30d))) (int 3)))\n"
      "(audience vip \"Nordic VIPs\" (members (and (name big_spenders) (in (name country) (list "
      "(string \"SE\") (string \"NO\") (string \"DK\") (string \"FI\"))))) (identities email "
      "user_id) (attributes (attr lifetime_value (call sum (arg (member order_completed "
      "revenue)))) "
      "(attr last_order_at (call last (arg (member order_completed timestamp))))) (refresh every "
      "1d))\n"
      "(audience newsletter \"Newsletter list (shared)\" (import \"lists/newsletter.csv\" (key "
      "email)))\n"
      "(destination autopilot \"Autopilot email\" (connection autopilot_prod) (actions "
      "email_targeting) (consent email_ok) (key email) (map (mapping email \"Email\") (mapping "
      "first_name \"FirstName\") (mapping last_name \"LastName\")) (max_profiles 100000))\n"
      "(publish (vip newsletter) (autopilot profile_store))\n";
  EXPECT_EQ(ast::Dump(*p->file), expected);
}

TEST(ParseTree, LanguageExampleComments) {
  auto p = Parse(kExample);
  ASSERT_TRUE(p->file);
  ASSERT_EQ(p->file->comments.size(), 14u);
  const ast::Comment& first = p->file->comments.front();
  EXPECT_EQ(first.text, "# stdlib module: labels C1–C12 I1 I2 S1 S2, standard actions");
  EXPECT_EQ(p->Text(first.range), first.text);
  EXPECT_EQ(p->file->comments[1].text,
            "# import \"shared/events.aud\"     # (a file relative to the project root)");
  EXPECT_EQ(p->sm.Position(p->id, p->file->comments[1].range.begin).line, 2u);
  EXPECT_EQ(p->sm.Position(p->id, p->file->comments[1].range.begin).col, 1u);
  for (size_t i = 1; i < p->file->comments.size(); ++i) {
    EXPECT_LT(p->file->comments[i - 1].range.begin, p->file->comments[i].range.begin);
  }
  EXPECT_EQ(p->file->comments[11].text, "# an imported (shared) audience");
  EXPECT_EQ(p->file->comments.back().text, "# identity namespace the destination is keyed by");
}

TEST(ParseTree, LanguageExampleRanges) {
  auto p = Parse(kExample);
  ASSERT_TRUE(p->file);
  const auto& decls = p->file->decls;
  EXPECT_EQ(p->Text(decls[0].range), "import \"std/governance\"");
  const auto& ev = std::get<ast::EventDecl>(decls[1].node);
  EXPECT_EQ(p->Text(ev.name.range), "order_completed");
  EXPECT_EQ(ev.source, ast::EventDecl::Track);
  EXPECT_EQ(ev.track_name.value, "Order Completed");
  EXPECT_EQ(p->Text(ev.track_name.range), "\"Order Completed\"");
  EXPECT_EQ(p->Text(ev.source_range), "\"Order Completed\"");
  ASSERT_EQ(ev.props.size(), 3u);
  EXPECT_EQ(p->Text(ev.props[2].range), "order_id: string [I2]");
  EXPECT_EQ(p->Text(ev.props[2].labels[0].range), "I2");
  EXPECT_EQ(p->Text(decls[1].range).substr(0, 22), "event order_completed ");
  EXPECT_EQ(p->Text(decls[1].range).back(), '}');

  const auto& seg = std::get<ast::SegmentDecl>(decls[17].node);
  EXPECT_EQ(p->Text(seg.expr->range), "count(order_completed where revenue > 50 within 30d) >= 3");
  const ast::Expr& call = *seg.expr->children[0];
  ASSERT_EQ(call.kind, ast::ExprKind::Call);
  EXPECT_EQ(call.name.text, "count");
  ASSERT_EQ(call.args.size(), 1u);
  EXPECT_EQ(p->Text(call.args[0].range), "order_completed where revenue > 50 within 30d");
  EXPECT_EQ(p->Text(call.args[0].where->range), "revenue > 50");
  ASSERT_TRUE(call.args[0].window);
  EXPECT_EQ(p->Text(call.args[0].window->range), "within 30d");
  EXPECT_EQ(call.args[0].window->within.millis, 30LL * 86400000);
  EXPECT_EQ(p->Text(call.args[0].window->within.range), "30d");

  const auto& vip = std::get<ast::AudienceDecl>(decls[18].node);
  ASSERT_EQ(vip.items.size(), 4u);
  EXPECT_EQ(p->Text(vip.items[1].range), "identities email, user_id");
  EXPECT_EQ(vip.items[2].attributes.size(), 2u);
  EXPECT_EQ(p->Text(vip.items[2].attributes[1].range),
            "last_order_at  = last(order_completed.timestamp)");
  EXPECT_EQ(vip.items[3].kind, ast::AudienceItem::Refresh);
  ASSERT_TRUE(vip.items[3].every);
  EXPECT_EQ(vip.items[3].every->millis, 86400000);

  const auto& dest = std::get<ast::DestinationDecl>(decls[20].node);
  ASSERT_EQ(dest.items.size(), 6u);
  EXPECT_EQ(dest.items[5].max_profiles, 100000);
  EXPECT_EQ(p->Text(dest.items[5].value_range), "100000");
  EXPECT_EQ(p->Text(dest.items[4].mappings[1].range), "first_name -> \"FirstName\"");

  const auto& id = std::get<ast::IdentityDecl>(decls[11].node);
  EXPECT_EQ(id.from, ast::IdentityDecl::Trait);
  EXPECT_EQ(p->Text(id.source.range), "email");
  ASSERT_TRUE(id.normalize);
  EXPECT_EQ(id.normalize->text, "email");
}

TEST(ParseTree, EveryDeclarationForm) {
  EXPECT_EQ(DumpOf("import \"std/x\""), "(import \"std/x\")\n");
  EXPECT_EQ(DumpOf("event e \"E\" {}"), "(event e \"E\")\n");
  EXPECT_EQ(DumpOf("event e page [A, B] { p: int [C] q: timestamp }"),
            "(event e page (labels A B) (prop p int (labels C)) (prop q timestamp))\n");
  EXPECT_EQ(DumpOf("event e screen {}"), "(event e screen)\n");
  EXPECT_EQ(DumpOf("trait t: float [I1, I2]"), "(trait t float (labels I1 I2))\n");
  EXPECT_EQ(DumpOf("identity a: visitor from anonymousId [I2]"),
            "(identity a visitor (from anonymousId) (labels I2))\n");
  EXPECT_EQ(DumpOf("identity u: declared from userId normalize email"),
            "(identity u declared (from userId) (normalize email))\n");
  EXPECT_EQ(DumpOf("label L"), "(label L)\n");
  EXPECT_EQ(DumpOf("action a \"d\""), "(action a \"d\")\n");
  EXPECT_EQ(DumpOf("policy p { deny a, b when L deny c when not M }"),
            "(policy p (deny a b (when (name L))) (deny c (when (not (name M)))))\n");
  EXPECT_EQ(DumpOf("consent c = x"), "(consent c (name x))\n");
  EXPECT_EQ(DumpOf("segment s = true"), "(segment s (bool true))\n");
  EXPECT_EQ(DumpOf("segment s \"d\" = false"), "(segment s \"d\" (bool false))\n");
  EXPECT_EQ(DumpOf("audience a {}"), "(audience a)\n");
  EXPECT_EQ(DumpOf("audience a \"d\" { members s refresh once attributes {} }"),
            "(audience a \"d\" (members (name s)) (refresh once) (attributes))\n");
  EXPECT_EQ(DumpOf("audience a { import \"x.csv\" key email refresh every 12h }"),
            "(audience a (import \"x.csv\" (key email)) (refresh every 12h))\n");
  EXPECT_EQ(DumpOf("destination d { map e -> \"h\" hashed, f -> \"F\" consent c1, c2 }"),
            "(destination d (map (mapping e \"h\" hashed) (mapping f \"F\")) (consent c1 c2))\n");
  EXPECT_EQ(DumpOf("destination d { key email hashed map e -> \"h\" }"),
            "(destination d (key email hashed) (map (mapping e \"h\")))\n");
  EXPECT_EQ(DumpOf("destination d { key email }"), "(destination d (key email))\n");
  EXPECT_EQ(DumpOf("publish a to d"), "(publish (a) (d))\n");
  EXPECT_EQ(DumpOf(""), "");
  EXPECT_EQ(DumpOf("# only a comment\n"), "");
}

TEST(ParseTree, RefreshOnceIsEmpty) {
  auto p = Parse("audience a { refresh once }");
  ASSERT_TRUE(p->file);
  const auto& a = std::get<ast::AudienceDecl>(p->file->decls[0].node);
  EXPECT_FALSE(a.items[0].every.has_value());
  EXPECT_EQ(p->Text(a.items[0].range), "refresh once");
}

TEST(ParseTree, EventSources) {
  auto p = Parse("event a page {}\nevent b screen {}\nevent c \"C \\\"x\\\"\" {}");
  ASSERT_TRUE(p->file);
  EXPECT_EQ(std::get<ast::EventDecl>(p->file->decls[0].node).source, ast::EventDecl::Page);
  EXPECT_EQ(std::get<ast::EventDecl>(p->file->decls[1].node).source, ast::EventDecl::Screen);
  const auto& c = std::get<ast::EventDecl>(p->file->decls[2].node);
  EXPECT_EQ(c.source, ast::EventDecl::Track);
  EXPECT_EQ(c.track_name.value, "C \"x\"");
  EXPECT_EQ(p->Text(std::get<ast::EventDecl>(p->file->decls[0].node).source_range), "page");
}

TEST(ParseTree, ExpressionForms) {
  EXPECT_EQ(ExprDump("1"), "(int 1)");
  EXPECT_EQ(ExprDump("12.5"), "(float 12.5)");
  EXPECT_EQ(ExprDump("50.0"), "(float 50.0)");
  EXPECT_EQ(ExprDump("\"s\""), "(string \"s\")");
  EXPECT_EQ(ExprDump("90s"), "(duration 90s)");
  EXPECT_EQ(ExprDump("@1970-01-02"), "(time 86400000)");
  EXPECT_EQ(ExprDump("true"), "(bool true)");
  EXPECT_EQ(ExprDump("[]"), "(list)");
  EXPECT_EQ(ExprDump("[1, 2.5, \"x\"]"), "(list (int 1) (float 2.5) (string \"x\"))");
  EXPECT_EQ(ExprDump("x"), "(name x)");
  EXPECT_EQ(ExprDump("profile.email"), "(member profile email)");
  EXPECT_EQ(ExprDump("f()"), "(call f)");
  EXPECT_EQ(ExprDump("f(a, b)"), "(call f (arg (name a)) (arg (name b)))");
  EXPECT_EQ(ExprDump("did(e between @1970-01-01 and @1970-01-02)"),
            "(call did (arg (name e) (between 0 86400000)))");
  EXPECT_EQ(ExprDump("exists(x)"), "(call exists (arg (name x)))");
  EXPECT_EQ(ExprDump("sequence(a within 7d, not b where p within 1d)"),
            "(call sequence (arg (name a) (within 7d)) (arg (not (name b)) (where (name p)) "
            "(within 1d)))");
  EXPECT_EQ(ExprDump("(x)"), "(paren (name x))");
  EXPECT_EQ(ExprDump("((x))"), "(paren (paren (name x)))");
  EXPECT_EQ(ExprDump("-x"), "(neg (name x))");
  EXPECT_EQ(ExprDump("not x"), "(not (name x))");
  for (const char* op : {"or", "and", "==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/"}) {
    EXPECT_EQ(ExprDump(std::string("a ") + op + " b"),
              std::string("(") + op + " (name a) (name b))");
  }
}

TEST(ParseTree, Precedence) {
  EXPECT_EQ(ExprDump("not a == b"), "(not (== (name a) (name b)))");
  EXPECT_EQ(ExprDump("-a * b"), "(* (neg (name a)) (name b))");
  EXPECT_EQ(ExprDump("a or b and c"), "(or (name a) (and (name b) (name c)))");
  EXPECT_EQ(ExprDump("a and b or c"), "(or (and (name a) (name b)) (name c))");
  EXPECT_EQ(ExprDump("a + b * c"), "(+ (name a) (* (name b) (name c)))");
  EXPECT_EQ(ExprDump("a - b - c"), "(- (- (name a) (name b)) (name c))");
  EXPECT_EQ(ExprDump("a / b * c"), "(* (/ (name a) (name b)) (name c))");
  EXPECT_EQ(ExprDump("a + b < c * d"), "(< (+ (name a) (name b)) (* (name c) (name d)))");
  EXPECT_EQ(ExprDump("not a and b"), "(and (not (name a)) (name b))");
  EXPECT_EQ(ExprDump("not not a"), "(not (not (name a)))");
  EXPECT_EQ(ExprDump("- -a"), "(neg (neg (name a)))");
  EXPECT_EQ(ExprDump("a * -b"), "(* (name a) (neg (name b)))");
  EXPECT_EQ(ExprDump("a == b and c != d"), "(and (== (name a) (name b)) (!= (name c) (name d)))");
  EXPECT_EQ(ExprDump("x in [1] or y"), "(or (in (name x) (list (int 1))) (name y))");
  EXPECT_EQ(ExprDump("(a < b) < c"), "(< (paren (< (name a) (name b))) (name c))");
  EXPECT_EQ(ExprDump("a == (b == c)"), "(== (name a) (paren (== (name b) (name c))))");
}

TEST(ParseTree, ExpressionRanges) {
  auto p = Parse("segment s =  not (a+b) * -c >= 3 or  f(x, y where z within 1h)");
  ASSERT_TRUE(p->file) << p->Rendered();
  const ast::Expr& e = SegmentExpr(*p);
  EXPECT_EQ(p->Text(e.range), "not (a+b) * -c >= 3 or  f(x, y where z within 1h)");
  const ast::Expr& n = *e.children[0];
  EXPECT_EQ(n.kind, ast::ExprKind::Unary);
  EXPECT_EQ(p->Text(n.range), "not (a+b) * -c >= 3");
  const ast::Expr& cmp = *n.children[0];
  EXPECT_EQ(p->Text(cmp.range), "(a+b) * -c >= 3");
  const ast::Expr& mul = *cmp.children[0];
  EXPECT_EQ(p->Text(mul.range), "(a+b) * -c");
  EXPECT_EQ(p->Text(mul.children[0]->range), "(a+b)");
  EXPECT_EQ(p->Text(mul.children[0]->children[0]->range), "a+b");
  EXPECT_EQ(p->Text(mul.children[1]->range), "-c");
  EXPECT_EQ(p->Text(cmp.children[1]->range), "3");
  const ast::Expr& call = *e.children[1];
  EXPECT_EQ(p->Text(call.range), "f(x, y where z within 1h)");
  EXPECT_EQ(p->Text(call.name.range), "f");
  EXPECT_EQ(p->Text(call.args[1].range), "y where z within 1h");
  EXPECT_EQ(p->Text(call.args[1].value->range), "y");
  for (const auto& d : p->file->decls) EXPECT_EQ(d.range.file, p->id);
}

TEST(ParseTree, MemberAndListRanges) {
  auto p = Parse("segment s = e.`first name` in [\"a\",  \"b\"]");
  ASSERT_TRUE(p->file) << p->Rendered();
  const ast::Expr& in = SegmentExpr(*p);
  const ast::Expr& m = *in.children[0];
  EXPECT_EQ(m.kind, ast::ExprKind::Member);
  EXPECT_EQ(m.name.text, "e");
  EXPECT_EQ(m.member.text, "first name");
  EXPECT_EQ(p->Text(m.member.range), "`first name`");
  EXPECT_EQ(p->Text(m.range), "e.`first name`");
  EXPECT_EQ(p->Text(in.children[1]->range), "[\"a\",  \"b\"]");
  EXPECT_EQ(p->Text(in.children[1]->children[1]->range), "\"b\"");
}

TEST(ParseTree, QuotedNames) {
  auto p = Parse("trait `first-name`: string\nsegment `label` = `first-name` == \"x\"");
  ASSERT_TRUE(p->file) << p->Rendered();
  const auto& t = std::get<ast::TraitDecl>(p->file->decls[0].node);
  EXPECT_EQ(t.name.text, "first-name");
  EXPECT_EQ(p->Text(t.name.range), "`first-name`");
  const auto& s = std::get<ast::SegmentDecl>(p->file->decls[1].node);
  EXPECT_EQ(s.name.text, "label");
  EXPECT_EQ(s.expr->children[0]->name.text, "first-name");
  // The dump backticks names that are not identifier-shaped.
  EXPECT_EQ(
      ast::Dump(*p->file),
      "(trait `first-name` string)\n(segment label (== (name `first-name`) (string \"x\")))\n");
  // Quoted and unquoted spellings of a plain name are the same tree.
  EXPECT_EQ(DumpOf("segment `s` = `x`"), DumpOf("segment s = x"));
}

TEST(ParseTree, KeywordsAsPropertyAndMemberNames) {
  auto p = Parse(
      "event e \"E\" { label: string import: int where: float page: bool }\n"
      "segment s = sum(e.where) > 1 and profile.segment == e.label");
  ASSERT_TRUE(p->file) << p->Rendered();
  const auto& ev = std::get<ast::EventDecl>(p->file->decls[0].node);
  ASSERT_EQ(ev.props.size(), 4u);
  EXPECT_EQ(ev.props[0].name.text, "label");
  EXPECT_EQ(ev.props[1].name.text, "import");
  EXPECT_EQ(ev.props[2].name.text, "where");
  EXPECT_EQ(ev.props[3].name.text, "page");
  EXPECT_EQ(ast::Dump(SegmentExpr(*p, 1)),
            "(and (> (call sum (arg (member e where))) (int 1)) (== (member profile segment) "
            "(member e label)))");
}

TEST(ParseTree, Literals) {
  auto p = Parse(
      "segment s = f(9223372036854775807, 0.1, \"a\\tb\\n\\\\\\\"\\u{1F600}\", 2w, 3m, "
      "@2026-03-01T12:00:00.25+01:00, false)");
  ASSERT_TRUE(p->file) << p->Rendered();
  const ast::Expr& call = SegmentExpr(*p);
  ASSERT_EQ(call.args.size(), 7u);
  EXPECT_EQ(call.args[0].value->int_value, INT64_MAX);
  EXPECT_EQ(call.args[1].value->kind, ast::ExprKind::FloatLit);
  EXPECT_EQ(call.args[1].value->float_value, 0.1);
  EXPECT_EQ(call.args[2].value->string_value, "a\tb\n\\\"\xF0\x9F\x98\x80");
  const ast::Duration& w = call.args[3].value->duration;
  EXPECT_EQ(w.amount, 2);
  EXPECT_EQ(w.unit, 'w');
  EXPECT_EQ(w.millis, 2LL * 7 * 86400000);
  EXPECT_EQ(p->Text(w.range), "2w");
  EXPECT_EQ(call.args[4].value->duration.millis, 180000);
  const ast::Time& t = call.args[5].value->time;
  EXPECT_EQ(t.text, "2026-03-01T12:00:00.25+01:00");
  int64_t expect = 0;
  ASSERT_TRUE(ParseTime("2026-03-01T11:00:00.250Z", &expect));
  EXPECT_EQ(t.millis, expect);
  EXPECT_EQ(p->Text(t.range), "@2026-03-01T12:00:00.25+01:00");
  EXPECT_FALSE(call.args[6].value->bool_value);
  EXPECT_EQ(call.args[6].value->kind, ast::ExprKind::BoolLit);
}

TEST(ParseTree, DumpIsStableAndLocationFree) {
  // Same meaning, different spelling and layout: same dump.
  EXPECT_EQ(DumpOf("segment s=a<@2026-01-01"),
            DumpOf("segment s =\n  a < @2026-01-01T01:00:00+01:00  # c\n"));
  EXPECT_EQ(DumpOf("segment s = 1.50"), DumpOf("segment s = 1.5"));
  EXPECT_EQ(ExprDump("0.30000000000000004"), "(float 0.30000000000000004)");
  EXPECT_EQ(ExprDump("\"q\\\"\\\\\\n\\t\""), "(string \"q\\\"\\\\\\n\\t\")");
  // Parens are kept (the formatter reproduces them).
  EXPECT_NE(DumpOf("segment s = (a)"), DumpOf("segment s = a"));
}

TEST(ParseTree, DumpOfLongChainDoesNotRecurse) {
  std::string expr = "a";
  for (int i = 0; i < 4999; ++i) expr += " + a";
  auto p = Parse("segment s = " + expr);
  ASSERT_TRUE(p->file) << p->Rendered();
  std::string d = ast::Dump(SegmentExpr(*p));
  EXPECT_EQ(d.size(), 4999 * std::string("(+  (name a))").size() + std::string("(name a)").size());
}

TEST(ParseTree, IsKeyword) {
  for (const char* k :
       {"import",       "event",      "page",       "screen",    "trait",   "identity",
        "declared",     "visitor",    "from",       "normalize", "label",   "action",
        "policy",       "deny",       "when",       "consent",   "segment", "audience",
        "members",      "identities", "attributes", "refresh",   "every",   "once",
        "destination",  "connection", "actions",    "key",       "map",     "hashed",
        "max_profiles", "publish",    "to",         "where",     "within",  "between",
        "and",          "or",         "not",        "in",        "true",    "false",
        "exists",       "sequence"}) {
    EXPECT_TRUE(IsKeyword(k)) << k;
  }
  for (const char* k : {"count", "sum", "did", "profile", "userId", "", "Segment", "timestamp"}) {
    EXPECT_FALSE(IsKeyword(k)) << k;
  }
}

TEST(ParseTree, CrLfAndBom) {
  auto p = Parse("\xEF\xBB\xBFsegment s = a # c\r\nsegment t = b\r\n");
  ASSERT_TRUE(p->file) << p->Rendered();
  EXPECT_EQ(p->file->comments[0].text, "# c");
  const auto& t = std::get<ast::SegmentDecl>(p->file->decls[1].node);
  EXPECT_EQ(p->Text(t.name.range), "t");
  EXPECT_EQ(p->sm.Position(p->id, t.name.range.begin).line, 2u);
  EXPECT_EQ(p->sm.Position(p->id, t.name.range.begin).col, 9u);
}

TEST(ParseTree, NonAsciiOffsetsAreBytes) {
  // Non-ASCII text before a node must not shift its byte range.
  auto p = Parse("# åäö 😀\nsegment s \"héllo 😀\" = x == \"ü\"");
  ASSERT_TRUE(p->file) << p->Rendered();
  const auto& s = std::get<ast::SegmentDecl>(p->file->decls[0].node);
  EXPECT_EQ(p->Text(s.description->range), "\"héllo 😀\"");
  EXPECT_EQ(s.description->value, "héllo 😀");
  EXPECT_EQ(p->Text(s.expr->range), "x == \"ü\"");
  EXPECT_EQ(p->Text(p->file->comments[0].range), "# åäö 😀");
}

// Every .aud file shipped in the repository (stdlib, examples) parses cleanly.
TEST(ParseTree, RepositoryFilesParse) {
  namespace fs = std::filesystem;
  int files = 0;
  for (const char* dir : {"stdlib", "examples"}) {
    fs::path root = fs::path(AUD_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.path().extension() != ".aud") continue;
      std::stringstream ss;
      ss << std::ifstream(entry.path()).rdbuf();
      auto p = Parse(ss.str());
      EXPECT_TRUE(p->file) << entry.path() << "\n" << p->Rendered();
      ++files;
    }
  }
  SUCCEED() << files << " files";
}

}  // namespace
}  // namespace aud::parse
