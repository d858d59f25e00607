// The reference interpreter on hand-built stores: every builtin, every
// window form and its boundaries, missing-value rules, property kinds,
// traits (latest wins, wrong types skipped), identities with normalization,
// imported lists, and parallel runs equal to single-threaded ones.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "compiler/parse/parse.h"
#include "runtime/eval/eval.h"
#include "runtime/store/builder.h"

namespace aud::eval {
namespace {

using store::InputValue;
using store::ValueKind;

int64_t T(const char* text) {
  int64_t ms = 0;
  EXPECT_TRUE(parse::ParseTime(text, &ms)) << text;
  return ms;
}

InputValue I(const char* name, int64_t v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::Int;
  x.i = v;
  return x;
}
InputValue F(const char* name, double v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::Float;
  x.f = v;
  return x;
}
InputValue S(const char* name, const char* v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::String;
  x.s = v;
  return x;
}
InputValue B(const char* name, bool v) {
  InputValue x;
  x.name = name;
  x.kind = ValueKind::Bool;
  x.b = v;
  return x;
}
InputValue Null(const char* name) {
  InputValue x;
  x.name = name;
  x.is_null = true;
  return x;
}

// Segment-like input in input order.
class Data {
 public:
  Data& Track(const std::string& user, const std::string& event, const char* ts,
              std::vector<InputValue> props = {}, const std::string& anon = "") {
    uint16_t t = 0;
    b_.TrackType(event, &t);
    b_.AddEvent(t, T(ts), order_++, user, anon, props.data(), props.size());
    return *this;
  }
  Data& Page(const std::string& user, const char* ts, std::vector<InputValue> props = {}) {
    uint16_t t = 0;
    b_.TypeIndex("page", &t);
    b_.AddEvent(t, T(ts), order_++, user, "", props.data(), props.size());
    return *this;
  }
  Data& Identify(const std::string& user, const char* ts, std::vector<InputValue> traits,
                 const std::string& anon = "") {
    b_.AddIdentify(T(ts), order_++, user, anon, traits.data(), traits.size());
    return *this;
  }
  store::EventStore Build() { return b_.Finish(); }

 private:
  store::StoreBuilder b_;
  uint64_t order_ = 0;
};

const char* kDecls = R"(
event order_completed "Order Completed" {
  revenue: float
  quantity: int
  currency: string
  paid_at: timestamp
  gift: bool
}
event product_added "Product Added" { sku: string price: float }
event page_viewed page { name: string }
trait email: string
trait country: string
trait age: int
trait score: float
trait vip: bool
trait born: timestamp
identity user_id: declared from userId
identity ecid: visitor from anonymousId
identity email: declared from trait email normalize email
)";

// A checked, lowered and evaluated program.
struct Run {
  std::unique_ptr<check::Project> project;
  ir::Program program;
  store::EventStore store;
  store::Profiles profiles;
  Result result;

  std::set<std::string> Members(const std::string& name) const {
    std::set<std::string> out;
    int32_t f = program.FindFormula(name);
    EXPECT_NE(f, ir::kNone) << name;
    if (f == ir::kNone) return out;
    for (uint32_t p = 0; p < profiles.count; ++p)
      if (result.members[f].Test(p)) out.insert(profiles.key[p]);
    return out;
  }
  bool Has(const std::string& name, const std::string& key) const {
    return Members(name).count(key) > 0;
  }
  uint32_t Profile(const std::string& key) const {
    for (uint32_t p = 0; p < profiles.count; ++p)
      if (profiles.key[p] == key) return p;
    ADD_FAILURE() << "no profile " << key;
    return 0;
  }
  // An attribute of audience `a` on profile `key`, as text (`null` when missing).
  std::string Attr(const std::string& a, const std::string& attr, const std::string& key) const {
    const ir::Audience* aud = program.FindAudience(a);
    EXPECT_NE(aud, nullptr);
    for (uint32_t f : aud->attributes) {
      if (program.formulas[f].name != attr) continue;
      const Column& c = result.values[f];
      uint32_t p = Profile(key);
      if (!c.valid.Test(p)) return "null";
      switch (c.type) {
        case ir::Type::Float: return ir::FormatFloat(c.floats[p]);
        case ir::Type::String: return "\"" + c.strings[p] + "\"";
        case ir::Type::Timestamp: return ir::FormatTime(c.ints[p]);
        case ir::Type::Bool: return c.ints[p] ? "true" : "false";
        default: return std::to_string(c.ints[p]);
      }
    }
    ADD_FAILURE() << "no attribute " << attr;
    return "";
  }
};

std::unique_ptr<Run> Eval(const std::string& body, Data& data, const char* as_of,
                          unsigned threads = 2, const std::string& dir = ".") {
  auto r = std::make_unique<Run>();
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = std::string(kDecls) + body;
  r->project = check::Check(tree);
  EXPECT_TRUE(r->project->ok()) << r->project->diags.Render();
  if (!r->project->ok()) return r;
  ir::LowerResult l = ir::Lower(r->project->module);
  EXPECT_EQ(l.error, "");
  r->program = std::move(l.program);
  r->store = data.Build();
  r->profiles = store::BuildProfiles(r->store, T(as_of));
  Options o;
  o.threads = threads;
  o.project_dir = dir;
  r->result = Evaluate(r->program, r->store, r->profiles, o);
  EXPECT_EQ(r->result.error, "");
  return r;
}

TEST(EvalAggregates, CountDidSumAvg) {
  Data d;
  d.Track("u1", "Order Completed", "2026-01-01T00:00:00Z", {F("revenue", 10.5), I("quantity", 2)})
      .Track("u1", "Order Completed", "2026-01-02T00:00:00Z", {I("revenue", 20), I("quantity", 3)})
      .Track("u1", "Order Completed", "2026-01-03T00:00:00Z", {S("revenue", "x")})
      .Track("u2", "Product Added", "2026-01-03T00:00:00Z");
  auto r = Eval(R"(
segment two = count(order_completed) == 3
segment bought = did(order_completed)
audience a {
  members true
  attributes {
    n = count(order_completed)
    rev = sum(order_completed.revenue)
    qty = sum(order_completed.quantity)
    avg_rev = avg(order_completed.revenue)
    avg_qty = avg(order_completed.quantity)
    min_rev = min(order_completed.revenue)
    max_qty = max(order_completed.quantity)
  }
}
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Members("two"), (std::set<std::string>{"u1"}));
  EXPECT_EQ(r->Members("bought"), (std::set<std::string>{"u1"}));
  EXPECT_EQ(r->Attr("a", "n", "u1"), "3");
  EXPECT_EQ(r->Attr("a", "rev", "u1"), "30.5");  // the int 20 counts; the string is missing
  EXPECT_EQ(r->Attr("a", "qty", "u1"), "5");
  EXPECT_EQ(r->Attr("a", "avg_rev", "u1"), "15.25");
  EXPECT_EQ(r->Attr("a", "avg_qty", "u1"), "2.5");
  EXPECT_EQ(r->Attr("a", "min_rev", "u1"), "10.5");
  EXPECT_EQ(r->Attr("a", "max_qty", "u1"), "3");
  // Over no events: count and sum are 0, the others missing.
  EXPECT_EQ(r->Attr("a", "n", "u2"), "0");
  EXPECT_EQ(r->Attr("a", "rev", "u2"), "0");
  EXPECT_EQ(r->Attr("a", "qty", "u2"), "0");
  EXPECT_EQ(r->Attr("a", "avg_rev", "u2"), "null");
  EXPECT_EQ(r->Attr("a", "min_rev", "u2"), "null");
  EXPECT_EQ(r->Attr("a", "max_qty", "u2"), "null");
}

TEST(EvalAggregates, MinMaxFirstLastOfEveryKind) {
  Data d;
  d.Track("u1", "Order Completed", "2026-01-01T00:00:00Z",
          {S("currency", "SEK"), S("paid_at", "2026-01-05T00:00:00Z"), B("gift", true)})
      .Track("u1", "Order Completed", "2026-01-02T00:00:00Z",
             {S("currency", "EUR"), S("paid_at", "2025-12-31T23:00:00-02:00")})
      .Track("u1", "Order Completed", "2026-01-03T00:00:00Z",
             {S("currency", "NOK"), S("paid_at", "not a time"), B("gift", false)})
      .Track("u1", "Order Completed", "2026-01-03T00:00:00Z", {});  // tie: later line is last
  auto r = Eval(R"(
audience a {
  members true
  attributes {
    min_cur = min(order_completed.currency)
    max_cur = max(order_completed.currency)
    first_cur = first(order_completed.currency)
    last_cur = last(order_completed.currency)
    min_paid = min(order_completed.paid_at)
    max_paid = max(order_completed.paid_at)
    first_ts = first(order_completed.timestamp)
    last_ts = last(order_completed.timestamp)
    first_gift = first(order_completed.gift)
    last_gift = last(order_completed.gift where exists(gift))
    min_ts = min(order_completed.timestamp)
  }
}
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Attr("a", "min_cur", "u1"), "\"EUR\"");
  EXPECT_EQ(r->Attr("a", "max_cur", "u1"), "\"SEK\"");
  EXPECT_EQ(r->Attr("a", "first_cur", "u1"), "\"SEK\"");
  // The last matching event lacks the property: missing, not the previous value.
  EXPECT_EQ(r->Attr("a", "last_cur", "u1"), "null");
  EXPECT_EQ(r->Attr("a", "min_paid", "u1"), "2026-01-01T01:00:00Z");
  EXPECT_EQ(r->Attr("a", "max_paid", "u1"), "2026-01-05T00:00:00Z");
  EXPECT_EQ(r->Attr("a", "first_ts", "u1"), "2026-01-01T00:00:00Z");
  EXPECT_EQ(r->Attr("a", "last_ts", "u1"), "2026-01-03T00:00:00Z");
  EXPECT_EQ(r->Attr("a", "first_gift", "u1"), "true");
  EXPECT_EQ(r->Attr("a", "last_gift", "u1"), "false");
  EXPECT_EQ(r->Attr("a", "min_ts", "u1"), "2026-01-01T00:00:00Z");
}

TEST(EvalAggregates, IntSumWrapsAround) {
  Data d;
  d.Track("u1", "Order Completed", "2026-01-01T00:00:00Z", {I("quantity", INT64_MAX)})
      .Track("u1", "Order Completed", "2026-01-02T00:00:00Z", {I("quantity", 2)});
  auto r = Eval(R"(
audience a { members true attributes { q = sum(order_completed.quantity) m = max(order_completed.quantity) * 2 } }
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Attr("a", "q", "u1"), std::to_string(INT64_MIN + 1));
  EXPECT_EQ(r->Attr("a", "m", "u1"), "-2");
}

TEST(EvalWindows, WithinBoundaries) {
  // as_of 2026-01-31T00:00:00Z, within 30d: (2026-01-01T00:00:00Z, as_of].
  Data d;
  d.Track("edge", "Order Completed", "2026-01-01T00:00:00Z")          // excluded: as_of - D
      .Track("in", "Order Completed", "2026-01-01T00:00:00.001Z")     // included
      .Track("now", "Order Completed", "2026-01-31T00:00:00Z")        // included: ts == as_of
      .Track("late", "Order Completed", "2026-01-31T00:00:00.001Z");  // after as_of: ignored
  auto r = Eval("segment s = did(order_completed within 30d)\nsegment all = did(order_completed)\n",
                d, "2026-01-31");
  EXPECT_EQ(r->Members("s"), (std::set<std::string>{"in", "now"}));
  EXPECT_EQ(r->Members("all"), (std::set<std::string>{"edge", "in", "now"}));
}

TEST(EvalWindows, BetweenBoundaries) {
  Data d, d2;
  for (Data* x : {&d, &d2})
    x->Track("before", "Order Completed", "2025-12-31T23:59:59.999Z")
        .Track("start", "Order Completed", "2026-01-01T00:00:00Z")  // T1 <= ts: included
        .Track("last", "Order Completed", "2026-01-31T23:59:59.999Z")
        .Track("end", "Order Completed", "2026-02-01T00:00:00Z")  // ts < T2: excluded
        .Track("future", "Order Completed", "2026-01-20T00:00:00Z");
  auto r = Eval("segment s = did(order_completed between @2026-01-01 and @2026-02-01)\n", d,
                "2026-03-01");
  EXPECT_EQ(r->Members("s"), (std::set<std::string>{"start", "last", "future"}));
  // A between window reaching past as_of only sees events up to as_of.
  auto r2 = Eval("segment s = did(order_completed between @2026-01-01 and @2026-02-01)\n", d2,
                 "2026-01-15");
  EXPECT_EQ(r2->Members("s"), (std::set<std::string>{"start"}));
}

TEST(EvalWindows, WhereAndWindowTogether) {
  Data d;
  d.Track("u1", "Order Completed", "2026-01-10T00:00:00Z", {F("revenue", 60)})
      .Track("u1", "Order Completed", "2026-01-20T00:00:00Z", {F("revenue", 70)})
      .Track("u1", "Order Completed", "2025-11-20T00:00:00Z", {F("revenue", 80)})
      .Track("u1", "Order Completed", "2026-01-21T00:00:00Z", {F("revenue", 40)})
      .Track("u2", "Order Completed", "2026-01-21T00:00:00Z", {F("revenue", 90)});
  auto r = Eval(
      "segment big = count(order_completed where revenue > 50 within 30d) >= 2\n"
      "segment any_big = count(order_completed where revenue > 50) >= 3\n",
      d, "2026-01-31");
  EXPECT_EQ(r->Members("big"), (std::set<std::string>{"u1"}));
  EXPECT_EQ(r->Members("any_big"), (std::set<std::string>{"u1"}));
}

TEST(EvalMissing, ComparisonsArithmeticExistsAndLogic) {
  Data d;
  d.Identify("full", "2026-01-01T00:00:00Z", {S("country", "SE"), I("age", 40), B("vip", true)})
      .Identify("empty", "2026-01-01T00:00:00Z", {});
  auto r = Eval(R"(
segment ne = country != "NO"
segment eq = country == "SE"
segment lt = age < 1000
segment inl = country in ["SE", "DK"]
segment notin = not (country in ["DK"])
segment arith_missing = not exists(age + 1)
segment has = exists(country)
segment vip_plain = vip
segment not_vip = not vip
segment or_ok = vip or true
segment div0 = not exists(age / 0)
segment div0f = not exists(age / 0.0)
segment neg = -age < 0
segment strs = contains(country, "E") and starts_with(country, "S") and ends_with(country, "E")
segment strs_missing = not contains(country, "") and not starts_with(country, "") and not ends_with(country, "")
)",
                d, "2026-02-01");
  // Comparisons with a missing operand are false, `not` of them is true.
  EXPECT_EQ(r->Members("ne"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("eq"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("lt"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("inl"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("notin"), (std::set<std::string>{"full", "empty"}));
  EXPECT_EQ(r->Members("arith_missing"), (std::set<std::string>{"empty"}));
  EXPECT_EQ(r->Members("has"), (std::set<std::string>{"full"}));
  // A missing bool is false as a condition.
  EXPECT_EQ(r->Members("vip_plain"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("not_vip"), (std::set<std::string>{"empty"}));
  EXPECT_EQ(r->Members("or_ok"), (std::set<std::string>{"full", "empty"}));
  EXPECT_EQ(r->Members("div0"), (std::set<std::string>{"full", "empty"}));
  EXPECT_EQ(r->Members("div0f"), (std::set<std::string>{"full", "empty"}));
  EXPECT_EQ(r->Members("neg"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("strs"), (std::set<std::string>{"full"}));
  EXPECT_EQ(r->Members("strs_missing"), (std::set<std::string>{"empty"}));
}

TEST(EvalMissing, AttributesKeepMissing) {
  Data d;
  d.Identify("u1", "2026-01-01T00:00:00Z", {I("age", 7)})
      .Identify("u2", "2026-01-01T00:00:00Z", {});
  auto r = Eval(R"(
audience a {
  members true
  attributes {
    plus = age + 1
    half = age / 2
    ratio = 1.5 * age
    is_vip = vip
    adult = age >= 18
    up = upper(country)
  }
}
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Attr("a", "plus", "u1"), "8");
  EXPECT_EQ(r->Attr("a", "half", "u1"), "3.5");
  EXPECT_EQ(r->Attr("a", "ratio", "u1"), "10.5");
  EXPECT_EQ(r->Attr("a", "adult", "u1"), "false");
  EXPECT_EQ(r->Attr("a", "plus", "u2"), "null");
  EXPECT_EQ(r->Attr("a", "half", "u2"), "null");
  EXPECT_EQ(r->Attr("a", "is_vip", "u2"), "null");
  EXPECT_EQ(r->Attr("a", "adult", "u2"), "false");  // a comparison is never missing
  EXPECT_EQ(r->Attr("a", "up", "u2"), "null");
}

TEST(EvalScalars, StringFunctionsAndDaysSince) {
  Data d;
  d.Identify(
      "u1", "2026-01-01T00:00:00Z",
      {S("email", "  Ann@Example.COM "), S("country", "se"), S("born", "2026-01-30T12:00:00Z")});
  auto r = Eval(R"(
segment low = lower(email) == "  ann@example.com "
segment up = upper(country) == "SE"
segment trimmed = trim(email) == "Ann@Example.COM"
segment absent_literal = country == "NOWHERE"
segment absent_ne = country != "NOWHERE"
audience a {
  members true
  attributes {
    days = days_since(born)
    t = trim(lower(email))
    c = contains(lower(email), "example")
  }
}
)",
                d, "2026-02-01");
  EXPECT_TRUE(r->Has("low", "u1"));
  EXPECT_TRUE(r->Has("up", "u1"));
  EXPECT_TRUE(r->Has("trimmed", "u1"));
  EXPECT_FALSE(r->Has("absent_literal", "u1"));
  EXPECT_TRUE(r->Has("absent_ne", "u1"));
  EXPECT_EQ(r->Attr("a", "days", "u1"), "1.5");
  EXPECT_EQ(r->Attr("a", "t", "u1"), "\"ann@example.com\"");
  EXPECT_EQ(r->Attr("a", "c", "u1"), "true");
}

TEST(EvalProperties, KindsAndMismatches) {
  Data d;
  d.Track("int_for_float", "Order Completed", "2026-01-01T00:00:00Z", {I("revenue", 60)})
      .Track("float_for_int", "Order Completed", "2026-01-01T00:00:00Z", {F("quantity", 2.0)})
      .Track("int_for_string", "Order Completed", "2026-01-01T00:00:00Z", {I("currency", 1)})
      .Track("null_prop", "Order Completed", "2026-01-01T00:00:00Z", {Null("currency")})
      .Track("bad_time", "Order Completed", "2026-01-01T00:00:00Z", {S("paid_at", "yesterday")})
      .Track("good", "Order Completed", "2026-01-01T00:00:00Z",
             {F("revenue", 60.5), I("quantity", 2), S("currency", "SEK"),
              S("paid_at", "2026-01-01T01:00:00+01:00")});
  auto r = Eval(R"(
segment rev = did(order_completed where revenue > 50)
segment qty = did(order_completed where exists(quantity))
segment cur = did(order_completed where exists(currency))
segment paid = did(order_completed where paid_at == @2026-01-01T00:00:00Z)
segment any_paid = did(order_completed where exists(paid_at))
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Members("rev"), (std::set<std::string>{"int_for_float", "good"}));
  EXPECT_EQ(r->Members("qty"), (std::set<std::string>{"good"}));
  EXPECT_EQ(r->Members("cur"), (std::set<std::string>{"good"}));
  EXPECT_EQ(r->Members("paid"), (std::set<std::string>{"good"}));
  EXPECT_EQ(r->Members("any_paid"), (std::set<std::string>{"good"}));
}

TEST(EvalProperties, WhereReadsTraitsAndPageNames) {
  Data d;
  d.Identify("u1", "2026-01-01T00:00:00Z", {S("country", "SEK")})
      .Track("u1", "Order Completed", "2026-01-02T00:00:00Z", {S("currency", "SEK")})
      .Identify("u2", "2026-01-01T00:00:00Z", {S("country", "NOK")})
      .Track("u2", "Order Completed", "2026-01-02T00:00:00Z", {S("currency", "SEK")})
      .Page("u2", "2026-01-02T00:00:00Z", {S("name", "Home")});
  auto r = Eval(
      "segment same = did(order_completed where currency == profile.country)\n"
      "segment home = did(page_viewed where name == \"Home\")\n",
      d, "2026-02-01");
  EXPECT_EQ(r->Members("same"), (std::set<std::string>{"u1"}));
  EXPECT_EQ(r->Members("home"), (std::set<std::string>{"u2"}));
}

TEST(EvalTraits, LatestWinsSkippingWrongTypes) {
  Data d;
  d.Identify("u1", "2026-01-01T00:00:00Z", {I("age", 30), S("country", "SE"), F("score", 1.5)})
      .Identify("u1", "2026-01-02T00:00:00Z", {S("age", "thirty"), Null("country"), I("score", 2)})
      .Identify("u1", "2026-01-03T00:00:00Z", {S("born", "2000-01-01T00:00:00Z")})
      .Identify("u1", "2026-01-04T00:00:00Z", {S("born", "long ago")})
      .Identify("u1", "2026-03-01T00:00:00Z", {I("age", 99)})  // after as_of
      // Ties: the later line wins.
      .Identify("u2", "2026-01-01T00:00:00Z", {S("country", "NO")})
      .Identify("u2", "2026-01-01T00:00:00Z", {S("country", "DK")})
      // An int for a bool is the wrong type.
      .Identify("u3", "2026-01-01T00:00:00Z", {B("vip", true)})
      .Identify("u3", "2026-01-02T00:00:00Z", {I("vip", 0)});
  auto r = Eval(R"(
audience a {
  members true
  attributes { age = age country = country score = score born = born vip = vip }
}
)",
                d, "2026-02-01");
  EXPECT_EQ(r->Attr("a", "age", "u1"), "30");
  EXPECT_EQ(r->Attr("a", "country", "u1"), "\"SE\"");
  EXPECT_EQ(r->Attr("a", "score", "u1"), "2");  // an int is a float
  EXPECT_EQ(r->Attr("a", "born", "u1"), "2000-01-01T00:00:00Z");
  EXPECT_EQ(r->Attr("a", "country", "u2"), "\"DK\"");
  EXPECT_EQ(r->Attr("a", "vip", "u3"), "true");
}

TEST(EvalIdentities, NormalizedSortedDistinct) {
  Data d;
  d.Identify("u2", "2026-01-01T00:00:00Z", {S("email", "  Ann@Example.COM\t")}, "anon-b")
      .Track("u1", "Order Completed", "2026-01-02T00:00:00Z", {}, "anon-b")
      .Track("", "Order Completed", "2026-01-02T00:00:00Z", {}, "anon-a")
      .Track("u3", "Order Completed", "2026-01-02T00:00:00Z", {}, "anon-a");
  auto r = Eval("segment s = true\n", d, "2026-02-01");
  Interpreter in(r->program, r->store, Options{});
  ASSERT_EQ(r->profiles.count, 2u);
  std::map<std::string, std::vector<std::vector<std::string>>> ids;
  for (uint32_t p = 0; p < r->profiles.count; ++p)
    ids[r->profiles.key[p]] = in.Identities(r->profiles, p);
  // Identities are by name: ecid, email, user_id.
  ASSERT_EQ(r->program.identities[0].name, "ecid");
  ASSERT_EQ(r->program.identities[1].name, "email");
  ASSERT_EQ(r->program.identities[2].name, "user_id");
  EXPECT_EQ(ids["u1"][0], (std::vector<std::string>{"anon-b"}));
  EXPECT_EQ(ids["u1"][1], (std::vector<std::string>{"ann@example.com"}));
  EXPECT_EQ(ids["u1"][2], (std::vector<std::string>{"u1", "u2"}));
  EXPECT_EQ(ids["u3"][1], (std::vector<std::string>{}));
  EXPECT_EQ(ids["u3"][2], (std::vector<std::string>{"u3"}));
  EXPECT_EQ(Normalize(" A@B.se ", "email"), "a@b.se");
  EXPECT_EQ(Normalize(" A@B.se ", "lower"), " a@b.se ");
  EXPECT_EQ(Normalize(" A@B.se ", "trim"), "A@B.se");
  EXPECT_EQ(Normalize(" A ", ""), " A ");
}

TEST(EvalImports, MembersByNormalizedIdentity) {
  auto dir = std::filesystem::temp_directory_path() / "aud_eval_import_test";
  std::filesystem::create_directories(dir / "lists");
  {
    std::ofstream f(dir / "lists" / "news.csv", std::ios::binary);
    f << "\xEF\xBB\xBF"
         "email,name\r\n"
      << "\" ANN@example.com\",Ann\r\n"
      << "bob@example.com,\"Bob, Jr\"\r\n"
      << "ann@example.com,dup\r\n"
      << "\r\n"
      << "nobody@example.com,x\n";
  }
  Data d;
  d.Identify("u1", "2026-01-01T00:00:00Z", {S("email", "Ann@Example.com")})
      .Identify("u2", "2026-01-01T00:00:00Z", {S("email", "carl@example.com")})
      .Identify("u3", "2026-01-01T00:00:00Z", {S("email", "BOB@example.com ")});
  auto r = Eval(R"(
audience news { import "lists/news.csv" key email }
segment not_news = not news
)",
                d, "2026-02-01", 2, dir.string());
  EXPECT_EQ(r->Members("news"), (std::set<std::string>{"u1", "u3"}));
  EXPECT_EQ(r->Members("not_news"), (std::set<std::string>{"u2"}));
  ASSERT_EQ(r->result.imports.size(), 1u);
  EXPECT_EQ(r->result.imports[0].entries, 3u);
  EXPECT_EQ(r->result.imports[0].matched, 2u);
  EXPECT_EQ(r->result.imports[0].unmatched, 1u);
  // A missing file is an error, not an empty list.
  Data d2;
  d2.Identify("u1", "2026-01-01T00:00:00Z", {});
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] =
      std::string(kDecls) + "audience news { import \"nope.csv\" key email }\n";
  auto project = check::Check(tree);
  ASSERT_TRUE(project->ok());
  auto prog = ir::Lower(project->module).program;
  auto st = d2.Build();
  auto ps = store::BuildProfiles(st, T("2026-02-01"));
  Options o;
  o.project_dir = dir.string();
  EXPECT_NE(Evaluate(prog, st, ps, o).error, "");
  std::filesystem::remove_all(dir);
}

TEST(EvalOnly, EvaluatesWhatANameReads) {
  Data d;
  d.Track("u1", "Order Completed", "2026-01-01T00:00:00Z");
  check::SourceTree tree;
  tree.files["aud.toml"] = "[project]\nname = \"t\"\n";
  tree.files["main.aud"] = std::string(kDecls) +
                           "segment a = did(order_completed)\nsegment b = a and true\n"
                           "segment c = did(product_added)\n";
  auto project = check::Check(tree);
  ASSERT_TRUE(project->ok());
  auto prog = ir::Lower(project->module).program;
  auto st = d.Build();
  auto ps = store::BuildProfiles(st, T("2026-02-01"));
  Options o;
  o.only = {"b"};
  Result res = Evaluate(prog, st, ps, o);
  ASSERT_EQ(res.error, "");
  EXPECT_TRUE(res.evaluated[prog.FindFormula("a")]);
  EXPECT_TRUE(res.evaluated[prog.FindFormula("b")]);
  EXPECT_FALSE(res.evaluated[prog.FindFormula("c")]);
  EXPECT_TRUE(res.members[prog.FindFormula("b")].Test(0));
  o.only = {"zzz"};
  EXPECT_NE(Evaluate(prog, st, ps, o).error, "");
}

TEST(EvalParallel, SameResultsOnOneAndTwoThreads) {
  std::mt19937_64 rng(7);
  Data d1, d2;
  const char* types[] = {"Order Completed", "Product Added"};
  const char* currencies[] = {"SEK", "NOK", "EUR"};
  char ts[64];
  for (int i = 0; i < 20000; ++i) {
    std::string user = std::to_string(rng() % 3000);
    user.insert(0, 1, 'u');
    int day = 1 + static_cast<int>(rng() % 28), hour = static_cast<int>(rng() % 24);
    std::snprintf(ts, sizeof ts, "2026-01-%02dT%02d:00:00Z", day, hour);
    const char* type = types[rng() % 2];
    double rev = static_cast<double>(rng() % 10000) / 100;
    const char* cur = currencies[rng() % 3];
    std::vector<InputValue> props{F("revenue", rev), S("currency", cur), F("price", rev),
                                  S("sku", cur)};
    d1.Track(user, type, ts, props);
    d2.Track(user, type, ts, props);
    if (rng() % 10 == 0) {
      std::vector<InputValue> traits{S("country", cur), I("age", static_cast<int64_t>(rng() % 90))};
      d1.Identify(user, ts, traits);
      d2.Identify(user, ts, traits);
    }
  }
  const char* body = R"(
segment big = count(order_completed where revenue > 50 within 14d) >= 2
segment seq = sequence(product_added, not order_completed, product_added within 2d)
segment aband = sequence(product_added within 20d, not order_completed within 1d)
audience a {
  members big or seq or aband or age > 40
  attributes {
    rev = sum(order_completed.revenue)
    avg_price = avg(product_added.price)
    cur = last(order_completed.currency)
    first_at = first(product_added.timestamp)
    c = lower(country)
  }
}
)";
  auto one = Eval(body, d1, "2026-01-25", 1);
  auto two = Eval(body, d2, "2026-01-25", 2);
  ASSERT_EQ(one->profiles.count, two->profiles.count);
  EXPECT_GT(one->profiles.count, 2000u);
  for (size_t f = 0; f < one->program.formulas.size(); ++f) {
    EXPECT_EQ(one->result.members[f].words, two->result.members[f].words);
    const Column& a = one->result.values[f];
    const Column& b = two->result.values[f];
    EXPECT_EQ(a.valid.words, b.valid.words);
    EXPECT_EQ(a.ints, b.ints);
    EXPECT_EQ(a.strings, b.strings);
    ASSERT_EQ(a.floats.size(), b.floats.size());
    for (size_t i = 0; i < a.floats.size(); ++i)
      // Bit for bit on purpose (NaN payloads, -0.0):
      // NOLINTNEXTLINE(bugprone-suspicious-memory-comparison)
      EXPECT_EQ(std::memcmp(&a.floats[i], &b.floats[i], sizeof(double)), 0);
  }
  uint64_t members = one->result.members[one->program.FindFormula("a")].Count();
  EXPECT_GT(members, 0u);
  EXPECT_LT(members, one->profiles.count);
}

}  // namespace
}  // namespace aud::eval
