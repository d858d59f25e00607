// Crash safety at every crash point of the apply protocol
// (runtime/apply/README.md): `AUD_TEST_CRASH_AT=NAME:N` kills apply the N-th
// time it passes NAME. An apply here sends three batches (the file
// destination's one, then two of the profile store), records two
// publications and one audience.

#include "tests/plan/apply_harness_test.h"

namespace aud::applytest {
namespace {

TEST(ApplyCrash, KilledAtEachCrashPointConverges) {
  CrashHarness h;
  h.Setup();
  ASSERT_FALSE(HasFailure());
  const std::vector<std::string> points = {
      "apply.locked:1",      "batch.journaled:1",      "batch.journaled:2",
      "batch.journaled:3",   "batch.sent:1",           "batch.sent:2",
      "batch.sent:3",        "batch.recorded:1",       "batch.recorded:2",
      "batch.recorded:3",    "publication.recorded:1", "publication.recorded:2",
      "audience.recorded:1",
  };
  for (const auto& point : points) {
    if (HasFailure()) break;
    h.Switch();
    RunResult r = RunAud(h.dir().path(), h.ApplyArgs(), {{"AUD_TEST_CRASH_AT", point}});
    EXPECT_EQ(r.signal, SIGKILL) << point << " was not reached: " << r.out << r.err;
    h.CheckAfterKill(point);
    h.Converge(point);
  }
  h.ExpectNoChanges();
}

// A batch the destination applied but state did not record is re-sent with
// the same idempotency key and the interrupted apply's time, so the file
// destination's delta is rewritten, not duplicated.
TEST(ApplyCrash, InFlightBatchIsResentIdentically) {
  CrashHarness h;
  h.Setup();
  ASSERT_FALSE(HasFailure());
  h.Switch();
  RunResult r = RunAud(h.dir().path(), h.ApplyArgs(), {{"AUD_TEST_CRASH_AT", "batch.sent:1"}});
  ASSERT_EQ(r.signal, SIGKILL);
  auto pending = aud::testing::StateQuery(
      h.dir().path(), "SELECT idempotency_key, created_at FROM journal WHERE status = 'pending'");
  ASSERT_EQ(pending.size(), 1u);
  h.CheckAfterKill("batch.sent:1");
  h.Converge("batch.sent:1");
  auto done = aud::testing::StateQuery(
      h.dir().path(),
      "SELECT status, created_at FROM journal WHERE idempotency_key = '" + pending[0][0] + "'");
  ASSERT_EQ(done.size(), 1u) << "the re-sent batch was journaled again";
  EXPECT_EQ(done[0][0], "done");
  EXPECT_EQ(done[0][1], pending[0][1]);
}

// A batch the destination applied but state did not record, then the data
// flips back before the next apply: state still lists members the
// destination has already removed (or lacks ones it added). The plan must
// send those rows again, or they would be lost (found by the HTTP kill test).
TEST(ApplyCrash, InFlightBatchThenDataFlipsBack) {
  const std::vector<std::string> points = {"batch.sent:1", "batch.sent:2", "batch.journaled:2"};
  for (const auto& point : points) {
    CrashHarness h;
    h.Setup();
    ASSERT_FALSE(HasFailure());
    h.Switch();
    RunResult r = RunAud(h.dir().path(), h.ApplyArgs(), {{"AUD_TEST_CRASH_AT", point}});
    ASSERT_EQ(r.signal, SIGKILL) << point;
    h.Switch();  // back to the data the destination held before
    h.CheckAfterKill(point + ", flipped back");
    h.Converge(point + ", flipped back");
    h.ExpectNoChanges();
  }
}

}  // namespace
}  // namespace aud::applytest
