// bench_jit_probe: exits 0 when the JIT is built and evaluates a tiny program
// like the interpreter does. bench/run uses it to decide whether to measure
// the JIT engines (bench_queries_jit) or only the others (bench_queries).

#include <cstdio>

#include "compiler/check/check.h"
#include "compiler/ir/ir.h"
#include "runtime/driver/driver.h"
#include "runtime/eval/eval.h"
#include "runtime/jit/jit.h"
#include "runtime/store/builder.h"
#include "runtime/store/profiles.h"

int main() {
  using namespace aud;
  check::SourceTree tree;
  tree.files["probe.aud"] =
      "event bought \"Bought\" { revenue: float }\n"
      "segment s = count(bought where revenue > 5 within 30d) >= 2\n";
  driver::Options options;
  options.require_config = false;
  driver::Compiled lowered = driver::CompileTree(tree, options);
  if (!lowered.ok()) return 2;
  store::StoreBuilder b;
  uint16_t t = 0;
  if (!b.TrackType("Bought", &t)) return 2;
  const int64_t day = 86'400'000, now = 1'793'491'200'000;
  uint64_t order = 0;
  for (int p = 0; p < 50; ++p) {
    std::string user = "u" + std::to_string(p);
    for (int k = 0; k < p % 4; ++k) {
      store::InputValue v;
      v.name = "revenue";
      v.kind = store::ValueKind::Float;
      v.f = 2.0 + p % 7 + k;
      b.AddEvent(t, now - (k * 11 + p % 5) * day, order++, user, "", &v, 1);
    }
  }
  store::EventStore st = b.Finish();
  store::Profiles profiles = store::BuildProfiles(st, now);
  eval::Options eo;
  eo.threads = 1;
  eval::Interpreter interp(lowered.program, st, eo);
  eval::Result want = interp.Run(profiles);
  for (jit::Tier tier : {jit::Tier::Fast, jit::Tier::Full}) {
    jit::JitOptions jo;
    jo.tier = tier;
    jit::JitEvaluator jit(lowered.program, st, eo, jo);
    if (!jit.error().empty()) {
      std::fprintf(stderr, "jit probe: %s\n", jit.error().c_str());
      return 1;
    }
    eval::Result got = jit.Run(profiles);
    if (!got.ok() || got.members.size() != want.members.size()) return 1;
    for (size_t i = 0; i < want.members.size(); ++i)
      if (got.members[i].words != want.members[i].words) {
        std::fprintf(stderr, "jit probe: results differ from the interpreter\n");
        return 1;
      }
  }
  std::printf("jit probe: ok\n");
  return 0;
}
