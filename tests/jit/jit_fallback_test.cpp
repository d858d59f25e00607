// The fallback: when the JIT cannot be created (simulated with
// AUD_JIT_DISABLE, read once per process when the JIT is first used),
// MakeEvaluator("jit") returns the interpreter with a one-line notice, and a
// JitEvaluator reports the error instead of results.

#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

TEST(JitFallback, InterpreterWithNoticeWhenTheJitCannotBeCreated) {
  ::setenv("AUD_JIT_DISABLE", "1", 1);
  evaltest::Case c =
      evaltest::ReadCase(std::string(AUD_SOURCE_DIR) + "/tests/eval/cases/avg_values.aud");
  ASSERT_EQ(c.error, "");
  Loaded loaded;
  std::string error;
  ASSERT_TRUE(Load(c.files, &loaded, &error)) << error;
  int64_t as_of = 0;
  ASSERT_TRUE(ParseAsOf("2026-03-01", &as_of));
  store::Profiles ps = store::BuildProfiles(loaded.ingested.store, as_of);
  eval::Options eo;
  eo.project_dir = loaded.dir;

  jit::JitEvaluator j(loaded.program, loaded.ingested.store, eo, {});
  EXPECT_NE(j.error(), "");
  EXPECT_FALSE(j.Run(ps).ok());

  std::string notice;
  auto e = jit::MakeEvaluator("jit", loaded.program, loaded.ingested.store, eo, {}, &notice);
  EXPECT_NE(notice.find("evaluating with the interpreter"), std::string::npos) << notice;
  EXPECT_EQ(notice.find('\n'), std::string::npos);  // one line
  ASSERT_NE(dynamic_cast<eval::Interpreter*>(e.get()), nullptr);
  EXPECT_EQ(e->error(), "");
  eval::Interpreter in(loaded.program, loaded.ingested.store, eo);
  EXPECT_EQ(CompareResults(loaded.program, in.Run(ps), e->Run(ps)), "");
}

}  // namespace
}  // namespace aud::jittest
