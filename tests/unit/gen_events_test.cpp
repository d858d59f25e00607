// The event generator (runtime/gen): deterministic bytes for a seed, other
// bytes for another seed, exactly `events` lines, and the promised mix.

#include "runtime/gen/gen_events.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

namespace aud::gen {
namespace {

std::string Generate(const GenOptions& o, GenStats* st = nullptr) {
  std::ostringstream out;
  GenStats s = GenerateEvents(o, out);
  if (st) *st = s;
  return out.str();
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(GenEvents, SameSeedSameBytes) {
  GenOptions o;
  o.profiles = 200;
  o.events = 5000;
  o.seed = 7;
  o.bad_fraction = 0.05;
  o.long_line_bytes = 4000;
  std::string a = Generate(o), b = Generate(o);
  EXPECT_EQ(a, b);
  o.seed = 8;
  EXPECT_NE(Generate(o), a);
  o.seed = 7;
  o.profiles = 201;
  EXPECT_NE(Generate(o), a);
}

TEST(GenEvents, ExactLineCountsAndMix) {
  GenOptions o;
  o.profiles = 500;
  o.events = 20000;
  o.seed = 3;
  GenStats st;
  std::string text = Generate(o, &st);
  EXPECT_EQ(Count(text, "\n"), 20000u);
  EXPECT_EQ(st.lines, 20000u);
  EXPECT_EQ(st.events + st.identifies + st.aliases + st.duplicates + st.Bad(), st.lines);
  EXPECT_EQ(st.Bad(), 0u);
  EXPECT_EQ(st.duplicates, 40u);
  EXPECT_GT(st.identifies, 200u);
  EXPECT_GT(st.aliases, 0u);
  // The std/ecommerce funnel, page views and traits of examples/quickstart.
  for (const char* name : {"\"Products Searched\"",
                           "\"Product Viewed\"",
                           "\"Product Added\"",
                           "\"Checkout Started\"",
                           "\"Order Completed\"",
                           "\"Order Refunded\"",
                           "\"Coupon Applied\"",
                           "\"Coupon Denied\"",
                           "\"type\":\"page\"",
                           "\"type\":\"screen\"",
                           "\"email\":",
                           "\"first_name\":",
                           "\"last_name\":",
                           "\"country\":",
                           "\"email_opt_in\":",
                           "\"loyalty_tier\":",
                           "\"revenue\":",
                           "\"path\":\"/blog/",
                           "\"previousId\":\"legacy-",
                           "+02:00\""}) {
    EXPECT_GT(Count(text, name), 0u) << name;
  }
  EXPECT_GT(Count(text, "Order Completed"), 100u);
  // Timestamps lie in the 180 days before 2026-11-01.
  EXPECT_EQ(Count(text, "\"timestamp\":\"2026-11"), 0u);
  EXPECT_EQ(Count(text, "\"timestamp\":\"2026-04"), 0u);
  EXPECT_GT(Count(text, "\"timestamp\":\"2026-05"), 0u);
  EXPECT_GT(Count(text, "\"timestamp\":\"2026-10"), 0u);
}

TEST(GenEvents, BadLinesOfEveryKind) {
  GenOptions o;
  o.profiles = 100;
  o.events = 10000;
  o.seed = 11;
  o.bad_fraction = 0.05;
  o.long_line_bytes = 3000;
  GenStats st;
  std::string text = Generate(o, &st);
  EXPECT_EQ(st.Bad(), 500u);
  EXPECT_EQ(st.bad.size(), 9u);
  EXPECT_EQ(st.bad.at("line-too-long"), 5u);
  for (const auto& [reason, n] : st.bad) EXPECT_GT(n, 0u) << reason;
  EXPECT_EQ(Count(text, "\n"), 10000u);
}

TEST(GenEvents, TinyInputs) {
  GenOptions o;
  o.profiles = 10;
  o.events = 0;
  EXPECT_EQ(Generate(o), "");
  o.events = 3;
  GenStats st;
  EXPECT_EQ(Count(Generate(o, &st), "\n"), 3u);
  o.profiles = 1000;  // more people than lines
  o.events = 50;
  EXPECT_EQ(Count(Generate(o, &st), "\n"), 50u);
  o.bad_fraction = 1.0;
  EXPECT_EQ(Count(Generate(o, &st), "\n"), 50u);
  EXPECT_EQ(st.Bad(), 50u);
}

}  // namespace
}  // namespace aud::gen
