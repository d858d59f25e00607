// Parser robustness: a few thousand random and mutated inputs (fixed seed)
// must never crash, throw or print, and must honour the ParseFile contract.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "compiler/ast/dump.h"
#include "compiler/parse/parse.h"

namespace aud::parse {
namespace {

constexpr const char* kSeed = R"aud(import "std/governance"
event order_completed "Order Completed" [C5] {
  revenue: float  currency: string  order_id: string [I2]
}
event page_viewed page { name: string  url: string }
trait email: string [I1]
identity email: declared from trait email normalize email
identity ecid: visitor from anonymousId
label PARTNER "Partner data"
policy p "d" { deny sms when PARTNER and not (S1 or S2) }
consent ok = opt_in == true
segment big "x" = count(order_completed where revenue > 50.5 within 30d) >= 3
segment ab = sequence(a within 7d, not b within 1d) or exists(profile.email)
segment t = did(e between @2026-01-01 and @2026-03-01T12:00:00.5+01:00) and -x * 2 / 3 < 4
audience vip "V" {
  members big and country in ["SE", "N\u{D6}", `first-name`]
  identities email, ecid
  attributes { ltv = sum(order_completed.revenue) }
  refresh every 1d
}
audience n { import "l.csv" key email  refresh once }
destination d "D" { connection c actions a, b consent ok key email
  map email -> "E" hashed, x -> "X" max_profiles 100 }
publish vip, n to d, profile_store  # done
)aud";

const char* const kFragments[] = {"segment",
                                  "audience",
                                  "event",
                                  "(",
                                  ")",
                                  "[",
                                  "]",
                                  "{",
                                  "}",
                                  ",",
                                  "=",
                                  "==",
                                  "<",
                                  "not",
                                  "-",
                                  "and",
                                  "or",
                                  "in",
                                  "where",
                                  "within",
                                  "between",
                                  "@2026-01-01",
                                  "@2026-13-45",
                                  "@x",
                                  "30d",
                                  "99999999999999999999",
                                  "1.5",
                                  "\"s\"",
                                  "\"\\q\"",
                                  "\"open",
                                  "`q`",
                                  "`open",
                                  "$",
                                  "#c\n",
                                  "\n",
                                  " ",
                                  "x",
                                  "count(",
                                  "f(a,",
                                  ".",
                                  "->",
                                  "hashed",
                                  "\xFF",
                                  "\xC3",
                                  "é",
                                  "\0",
                                  "\x01",
                                  "\"\\u{110000}\"",
                                  "identity i: declared from ",
                                  "userid",
                                  "trait ",
                                  ":"};

std::string Mutate(std::string s, std::mt19937& rng) {
  auto pick = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  int steps = 1 + static_cast<int>(pick(4));
  for (int k = 0; k < steps; ++k) {
    size_t pos = pick(s.size() + 1);
    switch (pick(7)) {
      case 0:  // delete a span
        if (!s.empty()) s.erase(pos, 1 + pick(16));
        break;
      case 1: {  // insert a fragment
        std::string f = kFragments[pick(std::size(kFragments))];
        if (f.empty()) f = std::string(1, '\0');
        s.insert(std::min(pos, s.size()), f);
        break;
      }
      case 2:  // flip a byte
        if (!s.empty()) s[std::min(pos, s.size() - 1)] = static_cast<char>(pick(256));
        break;
      case 3: {  // duplicate a span
        if (s.empty()) break;
        size_t from = pick(s.size());
        std::string span = s.substr(from, 1 + pick(40));
        s.insert(std::min(pos, s.size()), span);
        break;
      }
      case 4:  // truncate
        s.resize(pos);
        break;
      case 5: {  // swap two bytes
        if (s.size() < 2) break;
        std::swap(s[pick(s.size())], s[pick(s.size())]);
        break;
      }
      default: {  // insert random bytes
        std::string r;
        for (size_t i = 0, n = 1 + pick(8); i < n; ++i) r += static_cast<char>(pick(256));
        s.insert(std::min(pos, s.size()), r);
        break;
      }
    }
  }
  return s;
}

std::string TokenSoup(std::mt19937& rng) {
  std::string s;
  size_t n = std::uniform_int_distribution<size_t>(0, 60)(rng);
  for (size_t i = 0; i < n; ++i) {
    s += kFragments[std::uniform_int_distribution<size_t>(0, std::size(kFragments) - 1)(rng)];
    s += ' ';
  }
  return s;
}

// Checks the contract of one parse; returns false on a violation.
void CheckOne(const std::string& text, size_t iteration) {
  base::SourceManager sm;
  base::FileId id = sm.Add("fuzz.aud", text);
  base::Diagnostics diags(sm);
  std::unique_ptr<ast::File> file = ParseFile(id, diags);
  if (file) {
    ASSERT_TRUE(diags.all().empty()) << "iteration " << iteration << ": tree with diagnostics";
    // Every range lies within the file.
    for (const ast::Decl& d : file->decls) {
      ASSERT_EQ(d.range.file, id);
      ASSERT_LE(d.range.begin, d.range.end);
      ASSERT_LE(d.range.end, text.size());
    }
    for (const ast::Comment& c : file->comments) {
      ASSERT_EQ(sm.Text(c.range), c.text);
    }
    std::string dump = ast::Dump(*file);
    ASSERT_EQ(std::count(dump.begin(), dump.end(), '\n'), static_cast<long>(file->decls.size()));
  } else {
    ASSERT_TRUE(diags.HasErrors()) << "iteration " << iteration << ": null without an error";
  }
  for (const base::Diagnostic& d : diags.all()) {
    ASSERT_FALSE(d.message.empty());
    if (d.range.valid()) {
      ASSERT_LE(d.range.begin, d.range.end);
      ASSERT_LE(d.range.end, text.size());
    }
  }
  // Rendering never fails either.
  (void)diags.Render();
}

TEST(ParseFuzz, RandomAndMutatedInputsNeverCrashOrPrint) {
  std::mt19937 rng(20260101);
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  CheckOne(kSeed, 0);
  std::string current = kSeed;
  // AUD_PARSE_FUZZ_ITERATIONS runs a longer campaign by hand.
  size_t iterations = 3000;
  if (const char* env = std::getenv("AUD_PARSE_FUZZ_ITERATIONS"))
    iterations = std::strtoul(env, nullptr, 10);
  for (size_t i = 1; i <= iterations; ++i) {
    std::string input;
    switch (i % 4) {
      case 0: input = TokenSoup(rng); break;
      case 1: input = Mutate(kSeed, rng); break;
      case 2:
        // Accumulate mutations for a while, then start over.
        current = (i % 200 == 2) ? std::string(kSeed) : Mutate(current, rng);
        if (current.size() > 20000) current = kSeed;
        input = current;
        break;
      default: {
        std::uniform_int_distribution<int> byte(0, 255);
        size_t n = std::uniform_int_distribution<size_t>(0, 200)(rng);
        for (size_t k = 0; k < n; ++k) input += static_cast<char>(byte(rng));
        break;
      }
    }
    CheckOne(input, i);
    if (HasFatalFailure()) break;
  }
  std::string out = testing::internal::GetCapturedStdout();
  std::string err = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

TEST(ParseFuzz, SeedParses) {
  base::SourceManager sm;
  base::FileId id = sm.Add("seed.aud", kSeed);
  base::Diagnostics diags(sm);
  auto file = ParseFile(id, diags);
  ASSERT_TRUE(file) << diags.Render();
  EXPECT_EQ(file->decls.size(), 16u);
}

}  // namespace
}  // namespace aud::parse
