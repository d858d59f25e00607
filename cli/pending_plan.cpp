// PLACEHOLDER (deleted by the plan work): `aud plan` and `aud show`.
#include <iostream>

#include "cli/commands.h"

namespace aud::cli {

int RunPlan(const GlobalOptions&, const PlanOptions&) {
  std::cerr << "error: `aud plan` is not built yet\n";
  return 1;
}
int RunShow(const GlobalOptions&, const std::string&, bool) {
  std::cerr << "error: `aud show` is not built yet\n";
  return 1;
}

}  // namespace aud::cli
