// Property-based eval test: for N random (program, data) pairs
// (generator.h), every segment and audience of the program is evaluated by
// the reference evaluator and by `aud eval --format jsonl`; any difference
// fails the test and prints the pair, the name and both outputs.
//
//   eval_property_test --aud PATH [--pairs N] [--seed S]
//                      [--pair-seed X] [--keep DIR] [--reference-only] [--print]
//
// --pair-seed X re-runs the single pair X (printed with every failure);
// --keep DIR writes each failing pair's project under DIR; --reference-only
// exercises the generator and the reference without aud; --print shows
// every pair and the reference's output.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>
#include <string>

#include "tests/eval/generator.h"
#include "tests/eval/harness.h"
#include "tests/eval/reference/reference.h"

using namespace aud::evaltest;

namespace {

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

// Equal, or equal up to the order of members that share a profile key (the
// key order of §10 does not order them; possible when one string is a
// userId of one profile and the only anonymousId of another).
bool SameOutput(const std::string& want, const std::string& got, bool* by_tie) {
  *by_tie = false;
  if (want == got) return true;
  auto a = Lines(want), b = Lines(got);
  std::set<std::string> keys;
  bool dup = false;
  for (const auto& l : a) {
    auto p = l.find("\",\"identities\"");
    if (p != std::string::npos && !keys.insert(l.substr(0, p)).second) dup = true;
  }
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  *by_tie = dup && a == b;
  return *by_tie;
}

}  // namespace

int main(int argc, char** argv) {
  std::string aud, keep;
  uint64_t pairs = 500, seed = 1, pair_seed = 0;
  bool single = false, reference_only = false, print = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << a << "\n";
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--aud")
      aud = next();
    else if (a == "--pairs")
      pairs = std::stoull(next());
    else if (a == "--seed")
      seed = std::stoull(next());
    else if (a == "--pair-seed") {
      pair_seed = std::stoull(next());
      single = true;
    } else if (a == "--keep")
      keep = next();
    else if (a == "--reference-only")
      reference_only = true;
    else if (a == "--print")
      print = true;
    else {
      std::cerr << "unknown argument " << a << "\n";
      return 2;
    }
  }
  if (aud.empty() && !reference_only) {
    std::cerr << "usage: eval_property_test --aud PATH [--pairs N] [--seed S] [--pair-seed X] "
                 "[--keep DIR] [--reference-only]\n";
    return 2;
  }
  if (single) pairs = 1;

  auto start = std::chrono::steady_clock::now();
  uint64_t evaluations = 0, differences = 0, generator_errors = 0, aud_errors = 0;
  uint64_t nonempty = 0, member_lines = 0, ties = 0;
  for (uint64_t i = 0; i < pairs; ++i) {
    uint64_t s = single ? pair_seed : PairSeed(seed, i);
    GeneratedPair p = Generate(s);
    Files files{{"aud.toml", kDefaultToml}, {"main.aud", p.program}, {"events.jsonl", p.events}};
    std::string error;
    auto project = CheckFiles(files, &error);
    if (!project) {
      ++generator_errors;
      std::cout << "GENERATOR ERROR pair " << i << " (--pair-seed " << s << "):\n"
                << p.program << error << "\n";
      continue;
    }
    int64_t as_of;
    ParseAsOf(p.as_of, &as_of);
    Reference ref(*project, {p.events}, as_of);
    if (print)
      std::cout << "=== pair " << i << " (--pair-seed " << s << ") --as-of " << p.as_of << "\n"
                << p.program << "--- events.jsonl\n"
                << p.events;
    std::string dir;
    if (!reference_only) {
      dir = MakeTempDir("aud_evalprop_");
      WriteFiles(dir, files);
    }
    bool pair_failed = false;
    for (const std::string& name : p.names) {
      std::string want;
      if (!ref.Eval(name, &want, &error)) {
        ++generator_errors;
        std::cout << "REFERENCE ERROR pair " << i << " " << name << ": " << error << "\n";
        continue;
      }
      ++evaluations;
      if (!want.empty()) ++nonempty;
      member_lines += Lines(want).size();
      if (print) std::cout << "--- " << name << "\n" << want;
      if (reference_only) continue;
      RunResult r = RunAud(aud, dir, name, p.as_of);
      bool by_tie = false;
      bool same = r.exit_code == 0 && SameOutput(want, r.out, &by_tie);
      if (by_tie) ++ties;
      if (same) continue;
      if (r.exit_code != 0) ++aud_errors;
      ++differences;
      pair_failed = true;
      if (differences <= 3) {
        std::cout << "DIFFERENCE pair " << i << " (--pair-seed " << s << ") name " << name
                  << " --as-of " << p.as_of << " (aud exit " << r.exit_code << ")\n"
                  << "--- main.aud\n"
                  << p.program << "--- events.jsonl\n"
                  << p.events << "--- reference\n"
                  << want << "--- aud\n"
                  << r.out << "--- aud stderr\n"
                  << r.err << "--- first difference\n"
                  << FirstDifference(want, r.out) << "\n\n";
      }
    }
    if (!dir.empty()) {
      if (pair_failed && !keep.empty()) {
        std::string to = keep + "/pair_" + std::to_string(s);
        WriteFiles(to, files);
        std::cout << "kept in " << to << "\n";
      }
      RemoveTree(dir);
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "pairs " << pairs << ", evaluations " << evaluations << " (" << nonempty
            << " with members, " << member_lines << " member lines), differences " << differences
            << " (aud failures " << aud_errors << "), key ties " << ties << ", generator errors "
            << generator_errors << ", " << secs << " s\n";
  return differences == 0 && generator_errors == 0 ? 0 : 1;
}
