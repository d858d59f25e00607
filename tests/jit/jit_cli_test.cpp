// The CLI side of the JIT: `aud eval --engine jit|interp` print the same
// members and attributes, the JIT's objects land in `.aud/cache/jit`, the
// fallback prints one notice line and the interpreter's output, and `aud
// explain NAME --llvm` prints the module.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>

#include "tests/jit/diff.h"

namespace aud::jittest {
namespace {

namespace fs = std::filesystem;

struct Out {
  int code = -1;
  std::string out, err;
};

Out RunAud(const std::string& dir, const std::string& args, const std::string& env = "") {
  Out r;
  std::string err_path = dir + "/.stderr";
  std::string cmd =
      env + " '" + std::string(AUD_BINARY) + "' -C '" + dir + "' " + args + " 2>'" + err_path + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t got;
  while ((got = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, got);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* e = fopen(err_path.c_str(), "rb");
  if (e) {
    while ((got = fread(buf, 1, sizeof buf, e)) > 0) r.err.append(buf, got);
    fclose(e);
  }
  std::error_code ec;
  fs::remove(err_path, ec);
  return r;
}

class JitCli : public testing::Test {
 protected:
  void SetUp() override {
    evaltest::Case c =
        evaltest::ReadCase(std::string(AUD_SOURCE_DIR) + "/tests/eval/cases/lower_upper_trim.aud");
    ASSERT_EQ(c.error, "");
    ASSERT_FALSE(c.evals.empty());
    spec_ = c.evals[0];
    dir_ = evaltest::MakeTempDir("aud_jitcli_");
    evaltest::WriteFiles(dir_, c.files);
  }
  void TearDown() override { evaltest::RemoveTree(dir_); }
  std::string EvalArgs(const std::string& engine) {
    return "eval " + spec_.name + " --as-of " + spec_.as_of + " --format jsonl --engine " + engine;
  }
  std::string dir_;
  evaltest::EvalSpec spec_;
};

TEST_F(JitCli, EnginesAgreeAndTheJitCaches) {
  Out interp = RunAud(dir_, EvalArgs("interp"));
  ASSERT_EQ(interp.code, 0) << interp.err;
  EXPECT_EQ(interp.out, spec_.expected);
  Out jit = RunAud(dir_, EvalArgs("jit"));
  ASSERT_EQ(jit.code, 0) << jit.err;
  EXPECT_EQ(jit.out, spec_.expected);
  EXPECT_EQ(jit.err.find("interpreter"), std::string::npos) << jit.err;
  size_t objects = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ + "/.aud/cache/jit", ec))
    objects += e.path().extension() == ".o";
  EXPECT_EQ(objects, 1u);
  Out again = RunAud(dir_, EvalArgs("jit"));  // from the cache
  EXPECT_EQ(again.out, spec_.expected);
}

TEST_F(JitCli, FallbackPrintsOneNotice) {
  Out r = RunAud(dir_, EvalArgs("jit"), "AUD_JIT_DISABLE=1");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, spec_.expected);
  EXPECT_NE(r.err.find("evaluating with the interpreter"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

TEST_F(JitCli, ExplainLlvm) {
  Out r = RunAud(dir_, "explain " + spec_.name + " --llvm");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("define void @aud_eval_range("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("@aud_h_lower"), std::string::npos);  // the `lower` builtin's helper
  Out ir = RunAud(dir_, "explain " + spec_.name + " --ir");
  EXPECT_EQ(ir.code, 0) << ir.err;
  Out bad = RunAud(dir_, "explain no_such_name --llvm");
  EXPECT_EQ(bad.code, 1);
}

}  // namespace
}  // namespace aud::jittest
