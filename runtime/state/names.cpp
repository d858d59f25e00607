#include "runtime/state/state.h"

namespace aud::state {

const char* MemberStatusName(MemberStatus s) {
  switch (s) {
    case MemberStatus::Realized: return "realized";
    case MemberStatus::Existing: return "existing";
    case MemberStatus::Exited: return "exited";
  }
  return "?";
}

}  // namespace aud::state
