// PLACEHOLDER (deleted by the apply work): apply, state list, force-unlock.
#include <iostream>

#include "cli/commands.h"

namespace aud::cli {

int RunApply(const GlobalOptions&, const ApplyOptions&) {
  std::cerr << "error: `aud apply` is not built yet\n";
  return 1;
}
int RunStateList(const GlobalOptions&) {
  std::cerr << "error: `aud state list` is not built yet\n";
  return 1;
}
int RunForceUnlock(const GlobalOptions&, const std::string&) {
  std::cerr << "error: `aud force-unlock` is not built yet\n";
  return 1;
}

}  // namespace aud::cli
