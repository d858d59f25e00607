// Parser: lexical and syntax diagnostics (exact message and line:column),
// cascade control, and the stack guards.
#include <gtest/gtest.h>

#include "compiler/ast/dump.h"
#include "compiler/parse/parse.h"

namespace aud::parse {
namespace {

struct Parsed {
  base::SourceManager sm;
  std::unique_ptr<base::Diagnostics> diags;
  std::unique_ptr<ast::File> file;
  base::FileId id = 0;
};

std::unique_ptr<Parsed> Parse(std::string text) {
  auto p = std::make_unique<Parsed>();
  p->id = p->sm.Add("test.aud", std::move(text));
  p->diags = std::make_unique<base::Diagnostics>(p->sm);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  p->file = ParseFile(p->id, *p->diags);
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "") << "the parser printed to stdout";
  EXPECT_EQ(err, "") << "the parser printed to stderr";
  return p;
}

// "line:col [kind] message" for each diagnostic, with notes as "  note: ...".
std::string Diags(const Parsed& p) {
  std::string out;
  for (const base::Diagnostic& d : p.diags->all()) {
    if (!out.empty()) out += "\n";
    if (d.range.valid()) {
      base::LineCol lc = p.sm.Position(d.range.file, d.range.begin);
      out += std::to_string(lc.line) + ":" + std::to_string(lc.col) + " ";
    }
    out += '[';
    out += base::DiagKindName(d.kind);
    out += "] ";
    out += d.message;
    for (const base::Note& n : d.notes) out += "\n  note: " + n.message;
  }
  return out;
}

// Parses `text`, expects failure, and returns the diagnostics.
std::string Errors(const std::string& text) {
  auto p = Parse(text);
  EXPECT_EQ(p->file, nullptr) << text;
  EXPECT_TRUE(p->diags->HasErrors()) << text;
  return Diags(*p);
}

// The source text a diagnostic's range covers.
std::string RangeText(const Parsed& p, size_t i = 0) {
  return std::string(p.sm.Text(p.diags->all().at(i).range));
}

TEST(ParseErrors, SyntaxMessages) {
  EXPECT_EQ(Errors("trait t: string\nconsent c }"), "2:11 [syntax-error] expected `=`, found `}`");
  EXPECT_EQ(Errors("foo bar"), "1:1 [syntax-error] unexpected `foo`");
  EXPECT_EQ(Errors("segment x = "), "1:12 [syntax-error] expected expression, found end of file");
  EXPECT_EQ(Errors("segment x = a +"),
            "1:16 [syntax-error] expected expression, found end of file");
  EXPECT_EQ(Errors("segment x  count(a) > 1"),
            "1:12 [syntax-error] expected `=` or string, found `count`");
  EXPECT_EQ(Errors("segment x = count(a where)"),
            "1:26 [syntax-error] expected expression, found `)`");
  EXPECT_EQ(Errors("audience a { members }"), "1:22 [syntax-error] expected expression, found `}`");
  EXPECT_EQ(Errors("destination d { max_profiles x }"),
            "1:30 [syntax-error] expected integer, found `x`");
  EXPECT_EQ(Errors("publish a to"), "1:13 [syntax-error] expected name, found end of file");
  EXPECT_EQ(Errors("event e \"E\" [C5 { }"), "1:17 [syntax-error] expected `]` or `,`, found `{`");
  EXPECT_EQ(Errors("event e \"E\" { a string }"),
            "1:17 [syntax-error] expected `:` or `.`, found `string`");
  EXPECT_EQ(Errors("segment x = [1, 2"), "1:18 [syntax-error] expected `]`, found end of file");
  EXPECT_EQ(Errors("segment a = count(x"), "1:20 [syntax-error] expected `)`, found end of file");
  EXPECT_EQ(Errors("audience a { members x"),
            "1:23 [syntax-error] expected `}`, found end of file");
  EXPECT_EQ(Errors("audience a { members x\nsegment b = y"),
            "2:1 [syntax-error] expected `}`, found `segment`");
  EXPECT_EQ(Errors("segment x = a b"), "1:15 [syntax-error] unexpected `b`");
  EXPECT_EQ(Errors("policy p { }"), "1:12 [syntax-error] expected `deny`, found `}`");
  EXPECT_EQ(Errors("audience a { refresh every 1 }"),
            "1:28 [syntax-error] expected duration, found `1`");
  EXPECT_EQ(Errors("segment x = count(a between @2026-01-01 @2026-02-01)"),
            "1:41 [syntax-error] expected `and`, found `@2026-02-01`");
  EXPECT_EQ(Errors("segment x = order_completed."),
            "1:29 [syntax-error] expected name, found end of file");
  EXPECT_EQ(Errors("destination d { map email => \"E\" }"),
            "1:27 [syntax-error] expected `->`, found `=`");
  EXPECT_EQ(Errors("import foo"), "1:8 [syntax-error] expected string, found `foo`");
  EXPECT_EQ(Errors("segment x = 1.5d"), "1:16 [syntax-error] unexpected `d`");
  EXPECT_EQ(Errors("identity e: someone from userId"),
            "1:13 [syntax-error] expected `declared` or `visitor`, found `someone`");
}

TEST(ParseErrors, MisspeltKeywordSuggestion) {
  EXPECT_EQ(Errors("segmnt x = 1"),
            "1:1 [syntax-error] unexpected `segmnt`\n  note: did you mean `segment`?");
  auto p = Parse("audience a { membres x }");
  ASSERT_FALSE(p->diags->all().empty());
  ASSERT_EQ(p->diags->all()[0].notes.size(), 1u);
  EXPECT_EQ(p->diags->all()[0].notes[0].message, "did you mean `members`?");
}

TEST(ParseErrors, RangeIsTheOffendingToken) {
  auto p = Parse("segment x = a\n  maybe = 1");
  ASSERT_EQ(p->diags->all().size(), 1u);
  EXPECT_EQ(RangeText(*p), "maybe");
  EXPECT_EQ(Diags(*p), "2:3 [syntax-error] unexpected `maybe`");
}

TEST(ParseErrors, AtMostOneSyntaxErrorPerDeclaration) {
  EXPECT_EQ(Errors("segment x = )\nsegment y = )\nsegment z = 1"),
            "1:13 [syntax-error] expected expression, found `)`\n"
            "2:13 [syntax-error] expected expression, found `)`");
  auto p = Parse("segment x = ) ) ) ( ( ] ]");
  EXPECT_EQ(p->diags->all().size(), 1u) << Diags(*p);
}

TEST(ParseErrors, LexicalErrorsSuppressSyntaxErrorsAtThem) {
  EXPECT_EQ(Errors("segment x = $ + 1"), "1:13 [invalid-character] invalid character `$`");
  EXPECT_EQ(Errors("segment x = a $ b"), "1:15 [invalid-character] invalid character `$`");
  // A run of invalid characters is one problem.
  EXPECT_EQ(Errors("segment x = $$$ 1"), "1:13 [invalid-character] invalid character `$`");
  // A syntax error before the lexical one is kept.
  EXPECT_EQ(Errors("segment x = = $"),
            "1:15 [invalid-character] invalid character `$`\n"
            "1:13 [syntax-error] expected expression, found `=`");
  // Lexical errors in several declarations are all reported.
  EXPECT_EQ(Errors("segment x = $\nsegment y = ;"),
            "1:13 [invalid-character] invalid character `$`\n"
            "2:13 [invalid-character] invalid character `;`");
}

TEST(ParseErrors, InvalidCharacters) {
  EXPECT_EQ(Errors("segment x = \x01"), "1:13 [invalid-character] invalid character `\\x01`");
  EXPECT_EQ(Errors(std::string("segment x = a\0", 14)),
            "1:14 [invalid-character] invalid character `\\x00`");
  EXPECT_EQ(Errors("segment x = \x7F"), "1:13 [invalid-character] invalid character `\\x7F`");
  EXPECT_EQ(Errors("segment x = é"), "1:13 [invalid-character] invalid character `é`");
  EXPECT_EQ(Errors("segment x = \xE2\x80\x8B a"),
            "1:13 [invalid-character] invalid character `\\u{200B}`");
  auto p = Parse("segment x = é");
  EXPECT_EQ(RangeText(*p), "é");
}

TEST(ParseErrors, InvalidUtf8) {
  EXPECT_EQ(Errors("segment x = 1 \xFF"),
            "1:15 [invalid-utf8] invalid UTF-8 byte `\\xFF`: source files must be UTF-8");
  EXPECT_EQ(Errors("# ok é\nsegment x = \"\xC3\x28\""),
            "2:14 [invalid-utf8] invalid UTF-8 byte `\\xC3`: source files must be UTF-8");
  // Overlong encodings and surrogates are not UTF-8 either.
  EXPECT_EQ(Errors("\xC0\xAF").substr(0, 18), "1:1 [invalid-utf8]");
  EXPECT_EQ(Errors("\"\xED\xA0\x80\"").substr(0, 18), "1:2 [invalid-utf8]");
  EXPECT_EQ(Errors("\"\xF4\x90\x80\x80\"").substr(0, 18), "1:2 [invalid-utf8]");
  EXPECT_EQ(Errors("a \xE2\x82").substr(0, 18), "1:3 [invalid-utf8]");
  auto p = Parse("x\xFF");
  ASSERT_EQ(p->diags->all().size(), 1u);
  EXPECT_EQ(p->diags->all()[0].range.begin, 1u);
  EXPECT_EQ(p->diags->all()[0].range.end, 2u);
}

TEST(ParseErrors, UnterminatedStringAndName) {
  EXPECT_EQ(Errors("segment x = \"abc\nsegment y = 1"),
            "1:13 [unterminated-string] unterminated string: missing closing `\"`");
  auto p = Parse("segment x = \"abc\\\" \nsegment y = 1");
  EXPECT_EQ(RangeText(*p), "\"abc\\\" ");
  EXPECT_EQ(Errors("segment x = `abc\n"),
            "1:13 [unterminated-name] unterminated quoted name: missing closing backtick");
  EXPECT_EQ(Errors("segment x = `` + 1"), "1:13 [unterminated-name] quoted name is empty");
}

TEST(ParseErrors, InvalidTimes) {
  EXPECT_EQ(Errors("segment x = a < @2026-13-01"),
            "1:17 [invalid-time] invalid time `@2026-13-01`: month must be 1–12");
  EXPECT_EQ(
      Errors("segment x = a < @2026-02-29"),
      "1:17 [invalid-time] invalid time `@2026-02-29`: day must be 1–28 in February 2026 (not "
      "a leap year)");
  EXPECT_EQ(
      Errors("segment x = a < @2026-04-31T00:00:00Z"),
      "1:17 [invalid-time] invalid time `@2026-04-31T00:00:00Z`: day must be 1–30 in month 04");
  EXPECT_EQ(Errors("segment x = a < @2026-01-01T24:00:00Z"),
            "1:17 [invalid-time] invalid time `@2026-01-01T24:00:00Z`: hour must be 0–23");
  EXPECT_EQ(Errors("segment x = a < @2026-01-01T12:00:00"),
            "1:17 [invalid-time] invalid time `@2026-01-01T12:00:00`: missing time zone: add `Z` "
            "(UTC) or an offset such as `+01:00`");
  EXPECT_EQ(Errors("segment x = a < @2026-1-1"),
            "1:17 [invalid-time] invalid time `@2026-1-1`: expected a date `YYYY-MM-DD` or a "
            "date-time `YYYY-MM-DDThh:mm:ssZ` (or with an offset such as `+01:00`)");
  EXPECT_EQ(Errors("segment x = a < @"),
            "1:17 [invalid-time] invalid time `@`: expected a date `YYYY-MM-DD` or a date-time "
            "`YYYY-MM-DDThh:mm:ssZ` (or with an offset such as `+01:00`)");
  // A valid time directly followed by `}` is still a time.
  auto p = Parse("audience a { members x < @2026-01-01}");
  EXPECT_NE(p->file, nullptr) << Diags(*p);
}

TEST(ParseErrors, InvalidEscapes) {
  auto p = Parse("segment x = \"a\\qb\\u{110000}c\\u{41}\\u12\\u{}\\u{12\"");
  EXPECT_EQ(p->file, nullptr);
  EXPECT_EQ(Diags(*p),
            "1:15 [invalid-escape] invalid escape `\\q`; valid escapes are `\\\"`, `\\\\`, `\\n`, "
            "`\\t` and `\\u{HEX}`\n"
            "1:18 [invalid-escape] invalid escape `\\u{110000}`: not a Unicode scalar value\n"
            "1:35 [invalid-escape] invalid escape `\\u`: expected `{` and 1 to 6 hex digits, as in "
            "`\\u{1F600}`\n"
            "1:39 [invalid-escape] invalid escape `\\u{}`: expected 1 to 6 hex digits\n"
            "1:43 [invalid-escape] invalid escape `\\u{12`: missing `}`");
  EXPECT_EQ(RangeText(*p, 0), "\\q");
  EXPECT_EQ(RangeText(*p, 1), "\\u{110000}");
  EXPECT_EQ(RangeText(*p, 2), "\\u");
  EXPECT_EQ(RangeText(*p, 3), "\\u{}");
  EXPECT_EQ(Errors("segment x = \"\\u{D800}\""),
            "1:14 [invalid-escape] invalid escape `\\u{D800}`: not a Unicode scalar value");
  EXPECT_EQ(Errors("segment x = \"\\u{0000041}\""),
            "1:14 [invalid-escape] invalid escape `\\u{0000041}`: expected 1 to 6 hex digits");
  auto q = Parse("segment x = \"\\é\"");
  EXPECT_EQ(RangeText(*q), "\\é");
}

TEST(ParseErrors, IntOutOfRange) {
  EXPECT_EQ(Errors("segment x = 9223372036854775808"),
            "1:13 [int-out-of-range] integer `9223372036854775808` is out of range (the maximum is "
            "9223372036854775807)");
  EXPECT_EQ(Errors("destination d { max_profiles 99999999999999999999 }"),
            "1:30 [int-out-of-range] integer `99999999999999999999` is out of range (the maximum "
            "is 9223372036854775807)");
  EXPECT_EQ(Errors("segment x = count(e within 300000000000w)"),
            "1:28 [int-out-of-range] duration `300000000000w` is out of range (at most 2^63-1 "
            "milliseconds)");
  EXPECT_EQ(Errors("segment x = " + std::string(400, '9') + ".5").substr(0, 36),
            "1:13 [int-out-of-range] number `9999");
}

TEST(ParseErrors, ChainedComparison) {
  EXPECT_EQ(Errors("segment x = a < b < c"),
            "1:13 [chained-comparison] comparison operators cannot be chained; add parentheses");
  auto p = Parse("segment x = 1 + a == b != c < d and e");
  EXPECT_EQ(p->file, nullptr);
  ASSERT_EQ(p->diags->all().size(), 1u) << Diags(*p);
  EXPECT_EQ(RangeText(*p), "1 + a == b != c < d");
  EXPECT_EQ(Errors("segment x = not a in b == c").substr(0, 25), "1:17 [chained-comparison]");
  EXPECT_EQ(Errors("segment a = x == y\nsegment b = (p < q) < r < s"),
            "2:13 [chained-comparison] comparison operators cannot be chained; add parentheses");
  // Parenthesized or separated by a lower-precedence operator: fine.
  EXPECT_NE(Parse("segment x = (a < b) == (c < d) and e < f")->file, nullptr);
}

TEST(ParseErrors, UnknownIdentitySource) {
  EXPECT_EQ(Errors("identity e: declared from user_id"),
            "1:27 [unknown-identity-source] unknown identity source `user_id`; expected `userId`, "
            "`anonymousId` or `trait NAME`\n  note: did you mean `userId`?");
  EXPECT_EQ(Errors("identity e: visitor from anonymousid"),
            "1:26 [unknown-identity-source] unknown identity source `anonymousid`; expected "
            "`userId`, `anonymousId` or `trait NAME`\n  note: did you mean `anonymousId`?");
  EXPECT_EQ(Errors("identity e: declared from email"),
            "1:27 [unknown-identity-source] unknown identity source `email`; expected `userId`, "
            "`anonymousId` or `trait NAME`");
}

TEST(ParseErrors, AllErrorsOfAFileAreReported) {
  auto p = Parse(
      "segment a = \"\\q\"\n"
      "segment b = $\n"
      "segment c = x <\n"
      "segment d = @2026-02-30\n");
  EXPECT_EQ(p->file, nullptr);
  EXPECT_EQ(Diags(*p),
            "1:14 [invalid-escape] invalid escape `\\q`; valid escapes are `\\\"`, `\\\\`, `\\n`, "
            "`\\t` and `\\u{HEX}`\n"
            "2:13 [invalid-character] invalid character `$`\n"
            "4:13 [invalid-time] invalid time `@2026-02-30`: day must be 1–28 in February 2026 "
            "(not a leap year)\n"
            "4:1 [syntax-error] expected expression, found `segment`");
}

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(ParseErrors, NestingGuard) {
  auto ok = Parse("segment x = " + Repeat("(", 256) + "a" + Repeat(")", 256));
  EXPECT_NE(ok->file, nullptr) << Diags(*ok);
  EXPECT_EQ(Errors("segment x = " + Repeat("(", 257) + "a" + Repeat(")", 257)),
            "1:269 [syntax-error] expression nested too deeply (limit 256)");
  EXPECT_EQ(Errors("segment x = " + Repeat("[", 300)),
            "1:269 [syntax-error] expression nested too deeply (limit 256)");
  EXPECT_EQ(Errors("audience a " + Repeat("{", 300)),
            "1:268 [syntax-error] expression nested too deeply (limit 256)");
  auto nots = Parse("segment x = " + Repeat("not ", 256) + "a");
  EXPECT_NE(nots->file, nullptr) << Diags(*nots);
  EXPECT_EQ(Errors("segment x = " + Repeat("not ", 257) + "a"),
            "1:1037 [syntax-error] expression nested too deeply (limit 256)");
  EXPECT_EQ(Errors("segment x = " + Repeat("-", 1000) + "a"),
            "1:269 [syntax-error] expression nested too deeply (limit 256)");
  // Brackets and pending prefix operators add up.
  EXPECT_EQ(Errors("segment x = " + Repeat("-(", 200) + "a" + Repeat(")", 200)).substr(0, 21),
            "1:269 [syntax-error] ");
  // Many short nestings in a row are fine.
  auto flat = Parse("segment x = " + Repeat("(-(a)) + ", 2000) + "b");
  EXPECT_NE(flat->file, nullptr) << Diags(*flat);
  // Deep nesting is the only error reported for that part; lexical errors still are.
  EXPECT_EQ(Errors("segment y = $\nsegment x = " + Repeat("(", 1000)),
            "1:13 [invalid-character] invalid character `$`\n"
            "2:269 [syntax-error] expression nested too deeply (limit 256)");
}

TEST(ParseErrors, OperatorCountGuard) {
  std::string chain = "a";
  for (int i = 0; i < 5000; ++i) chain += " and a";
  auto ok = Parse("segment x = " + chain);
  ASSERT_NE(ok->file, nullptr) << Diags(*ok);
  // 5000 operators in each of two declarations is fine (the limit is per declaration).
  auto two = Parse("segment x = " + chain + "\nsegment y = " + chain);
  EXPECT_NE(two->file, nullptr);
  auto p = Parse("segment x = " + chain + " or b");
  EXPECT_EQ(p->file, nullptr);
  EXPECT_EQ(Diags(*p), "1:30015 [syntax-error] expression too large (limit 5000 operators)");
  EXPECT_EQ(RangeText(*p), "or");
}

TEST(ParseErrors, DeepErrorInputsDoNotCrash) {
  // The slow (LL, recovering) path on deep inputs.
  EXPECT_FALSE(Errors("segment x = " + Repeat("(", 256) + "a +" + Repeat(")", 256)).empty());
  EXPECT_FALSE(Errors("segment x = " + Repeat("not -", 128) + ")").empty());
  EXPECT_FALSE(Errors("segment x = " + Repeat("f(a where ", 85) + "a").empty());
  EXPECT_FALSE(Errors(Repeat("segment x = ", 3000)).empty());
  EXPECT_FALSE(Errors(Repeat(")", 5000)).empty());
}

}  // namespace
}  // namespace aud::parse
