#pragma once
// The ordered list of IR passes. Each pass is named and adds facts to the
// Analysis (analysis.h) that the executors use to do less work; disabling
// one (`--disable-pass NAME` on `aud eval`, `plan` and `explain`) never
// changes results, only how much is read. `aud explain NAME --ir --passes`
// shows which ran and what each found. After every pass the program and the
// analysis are verified when verify.h's VerifyEnabled() holds.

#include <string>
#include <vector>

#include "compiler/ir/analysis.h"

namespace aud::ir {

// Which passes to skip.
struct PassOptions {
  std::vector<std::string> disabled;  // pass names
};

// One pass of the list.
struct PassInfo {
  const char* name;
  const char* what;  // one line, for `--passes` and the docs
};

// The passes, in the order they run.
const std::vector<PassInfo>& Passes();

// "" when every disabled name is a pass, else an error naming the unknown
// one and listing the known ones.
std::string CheckPassOptions(const PassOptions& options);

// The analysis of `p` for the formulas `uses` marks, running every pass
// `options` does not disable. `p` must verify (verify.h).
Analysis Analyze(const Program& p, const Uses& uses, const PassOptions& options = {});

// `aud explain NAME --ir --passes`: one line per pass (ran or disabled) with
// the facts it added.
std::string PrintPasses(const Program& p, const Analysis& a);

}  // namespace aud::ir
