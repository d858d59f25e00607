// aud_reference: the reference evaluator as a command, for reproducing a
// difference by hand. Same interface as `aud eval` for a project folder:
//   aud_reference [-C DIR] eval NAME --as-of T [--format jsonl]
// Sources are globs of plain files (no .gz).

#include <cstdio>
#include <iostream>
#include <string>

#include "tests/eval/reference/reference.h"

int main(int argc, char** argv) {
  std::string dir = ".", name, as_of_text;
  bool saw_eval = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-C" && i + 1 < argc) {
      dir = argv[++i];
    } else if (a == "eval") {
      saw_eval = true;
    } else if (a == "--as-of" && i + 1 < argc) {
      as_of_text = argv[++i];
    } else if (a == "--format" && i + 1 < argc) {
      if (std::string(argv[++i]) != "jsonl") {
        std::cerr << "aud_reference: only --format jsonl\n";
        return 1;
      }
    } else if (saw_eval && name.empty()) {
      name = a;
    } else {
      std::cerr << "usage: aud_reference [-C DIR] eval NAME --as-of T [--format jsonl]\n";
      return 1;
    }
  }
  int64_t as_of = 0;
  if (!saw_eval || name.empty() || !aud::evaltest::ParseAsOf(as_of_text, &as_of)) {
    std::cerr << "usage: aud_reference [-C DIR] eval NAME --as-of T [--format jsonl]\n";
    return 1;
  }
  std::string out, error;
  if (!aud::evaltest::EvalProjectDir(dir, name, as_of, &out, &error)) {
    std::cerr << error << "\n";
    return 1;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}
