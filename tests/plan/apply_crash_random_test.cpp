// Crash safety (issue 5, acceptance 2): `aud apply --auto-approve` killed
// with SIGKILL at random instants (25 here, 25 in apply_crash_random2_test,
// with another seed: 50 in all; split so each binary stays short). After
// each kill the plan shows exactly what is left, destinations differ from
// state only by a batch in flight, and a further apply converges with
// nothing lost or duplicated (apply_harness_test.h).

#include "tests/plan/apply_harness_test.h"

namespace aud::applytest {
namespace {

TEST(ApplyCrash, KilledAtRandomInstantsConverges) { RandomKills(20261122u, 25); }

}  // namespace
}  // namespace aud::applytest
