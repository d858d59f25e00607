#include "runtime/plan/plan.h"

namespace aud::plan {

const char* ActionName(Action a) {
  switch (a) {
    case Action::Create: return "create";
    case Action::Update: return "update";
    case Action::NoOp: return "no-op";
    case Action::Delete: return "delete";
    case Action::Replace: return "replace";
  }
  return "?";
}

}  // namespace aud::plan
