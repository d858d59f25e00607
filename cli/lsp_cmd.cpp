// `aud lsp`: the language server over stdin/stdout (tools/lsp/README.md).

#include <iostream>

#include "cli/commands.h"
#include "tools/lsp/server.h"

namespace aud::cli {

int RunLsp(const GlobalOptions& g) {
  // The protocol owns stdout; nothing else may be written there.
  std::ios::sync_with_stdio(false);
  lsp::ServerOptions o;
  o.environment = EnvironmentName(g);
  o.version = AUD_VERSION;
  return lsp::Serve(std::cin, std::cout, o);
}

}  // namespace aud::cli
