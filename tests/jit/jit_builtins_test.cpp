// The builtin registry (stdlib/builtins.def) walked row by row: every helper
// row has its JIT helper and codegen declaration, every builtin is in the
// language reference, and every scalar builtin, called on traits of its
// parameter types with random and edge values (and missing ones), gives the
// interpreter's result bit for bit in both JIT tiers. A new builtin is
// covered here without editing this file.

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/codegen/codegen.h"
#include "stdlib/builtins.h"
#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

using stdlib::Val;

TEST(JitBuiltins, EveryHelperRowHasItsHelper) {
  std::vector<std::string> declared = codegen::HelperNames();
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins) {
    const bool helper = b.impl == stdlib::Impl::Helper;
    EXPECT_EQ(jit::BuiltinHelper(b.id) != nullptr, helper) << b.name;
    EXPECT_EQ(std::count(declared.begin(), declared.end(), std::string(b.helper)), helper ? 1 : 0)
        << b.name;
  }
}

TEST(JitBuiltins, EveryBuiltinIsInTheReference) {
  std::ifstream in(std::string(AUD_SOURCE_DIR) + "/docs/reference/language.md");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string doc = ss.str();
  const size_t from = doc.find("### 4.1 Builtin functions");
  const size_t to = doc.find("### 4.2", from);
  ASSERT_NE(from, std::string::npos);
  const std::string section = doc.substr(from, to - from);
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins)
    EXPECT_NE(section.find("`" + std::string(b.name) + "("), std::string::npos)
        << "docs/reference/language.md §4.1 does not describe `" << b.name << "`";
}

// The trait holding values of a registry type (Number: `as_int` picks int or float).
std::string TraitFor(Val v, bool as_int) {
  switch (v) {
    case Val::Bool: return "t_bool";
    case Val::Int: return "t_int";
    case Val::Float: return "t_float";
    case Val::Number: return as_int ? "t_int" : "t_float";
    case Val::Timestamp: return "t_time";
    case Val::String:
    case Val::Any: return "t_string";
    case Val::None:
    case Val::Special: break;
  }
  return "";
}

std::string FloatText(double f) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, f).ptr);
}

// An audience with one attribute per scalar builtin (two for a Number
// parameter: int and float), and traits with random values, some missing.
evaltest::Files RegistryProject(uint64_t seed, size_t* attributes) {
  std::string attrs;
  *attributes = 0;
  for (const stdlib::BuiltinInfo& b : stdlib::kBuiltins) {
    if (b.form != stdlib::BuiltinForm::Scalar) continue;
    const bool has_number = std::count(b.params.begin(), b.params.end(), Val::Number) > 0;
    for (bool as_int : {false, true}) {
      if (as_int && !has_number) continue;
      std::string call = std::string(b.name) + "(";
      for (int k = 0; k < stdlib::ParamCount(b); ++k)
        call += (k ? ", " : "") + TraitFor(b.params[static_cast<size_t>(k)], as_int);
      attrs += "    a_" + std::string(b.name) + (as_int ? "_int" : "") + " = " + call + ")\n";
      ++*attributes;
    }
  }
  std::string program =
      "trait t_bool: bool\ntrait t_int: int\ntrait t_float: float\ntrait t_string: string\n"
      "trait t_time: timestamp\nidentity user_id: declared from userId\n"
      "audience all_builtins {\n  members true\n  attributes {\n" +
      attrs + "  }\n}\n";
  const std::vector<std::string> strings = {
      "",      " ",        "abc",   "ABC",       " Mixed Case\t",
      "ab",    "b",        "\n\r",  "\xC3\x84x", "a@GMAIL.com ",
      "ABCab", "ab ab ab", "zzzzz", "A",         "@gmail.com"};
  const std::vector<double> floats = {0,
                                      -0.0,
                                      2.5,
                                      -2.5,
                                      1.005,
                                      0.125,
                                      1e300,
                                      5e-324,
                                      0.1,
                                      123456.789,
                                      99.995,
                                      -1234.5678,
                                      1e-7,
                                      7e22,
                                      0.30000000000000004,
                                      1.7976931348623157e308};
  std::mt19937_64 rng(seed);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::string events;
  for (int u = 0; u < 150; ++u) {
    std::string traits;
    auto add = [&](const std::string& k, const std::string& v) {
      if (pick(6) == 0) return;  // missing
      traits += (traits.empty() ? "" : ",") + ("\"" + k + "\":" + v);
    };
    add("t_bool", pick(2) ? "true" : "false");
    add("t_int", std::to_string(pick(3) ? static_cast<int64_t>(pick(30)) - 10
                                        : static_cast<int64_t>(rng())));
    add("t_float", FloatText(pick(2) ? floats[pick(floats.size())]
                                     : std::ldexp(static_cast<double>(rng() >> 11), -40) - 4096.0));
    std::string s = strings[pick(strings.size())];
    std::string quoted;
    for (char c : s)
      quoted += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : std::string(1, c);
    add("t_string", "\"" + quoted + "\"");
    add("t_time", "\"2026-0" + std::to_string(1 + pick(3)) + "-1" + std::to_string(pick(10)) +
                      "T0" + std::to_string(pick(10)) + ":00:00Z\"");
    events += "{\"type\":\"identify\",\"userId\":\"u" + std::to_string(u) +
              "\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"traits\":{" + traits + "}}\n";
  }
  return {{"main.aud", program}, {"aud.toml", evaltest::kDefaultToml}, {"events.jsonl", events}};
}

TEST(JitBuiltins, EveryScalarBuiltinMatchesTheInterpreter) {
  for (uint64_t seed : {1, 2, 3}) {
    size_t attributes = 0;
    evaltest::Files files = RegistryProject(seed, &attributes);
    ASSERT_GT(attributes, 8u);
    Loaded loaded;
    std::string error;
    ASSERT_TRUE(Load(files, &loaded, &error)) << error << "\n" << files["main.aud"];
    int64_t as_of = 0;
    ASSERT_TRUE(ParseAsOf("2026-03-01T12:00:00Z", &as_of));
    store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
    // Not vacuous: every attribute is present on some profiles, and a value
    // (not a test) is missing on others.
    eval::Options eo;
    eo.project_dir = loaded.dir;
    eval::Result r = eval::Interpreter(loaded.program, loaded.ingested.store, eo).Run(ps);
    ASSERT_TRUE(r.ok()) << r.error;
    ASSERT_EQ(r.profiles, 150u);
    for (size_t f = 0; f < loaded.program.formulas.size(); ++f) {
      if (loaded.program.formulas[f].kind != ir::FormulaKind::Attribute) continue;
      uint64_t present = r.values[f].valid.Count();
      EXPECT_GT(present, 0u) << loaded.program.formulas[f].name;
      if (loaded.program.formulas[f].type != ir::Type::Bool)  // tests are never missing
        EXPECT_LT(present, 150u) << loaded.program.formulas[f].name;
    }
    for (jit::Tier tier : {jit::Tier::Fast, jit::Tier::Full})
      EXPECT_EQ(Differential(loaded, ps, {}, tier), "") << "seed " << seed << "\n"
                                                        << files["main.aud"];
  }
}

}  // namespace
}  // namespace aud::jittest
