// PLACEHOLDER (deleted by the profile store work): `aud profile show`.
#include <iostream>

#include "cli/commands.h"

namespace aud::cli {

int RunProfileShow(const GlobalOptions&, const std::string&) {
  std::cerr << "error: `aud profile show` is not built yet\n";
  return 1;
}

}  // namespace aud::cli
