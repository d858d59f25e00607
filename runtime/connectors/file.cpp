// PLACEHOLDER (replaced by the file connector): refuses to run.
#include "runtime/connectors/connector.h"

namespace aud::connectors {

std::unique_ptr<Connector> MakeFile(const config::Connection& connection, const Context& ctx, std::string* error) {
  *error = "the file connector is not built yet";
  return nullptr;
}

}  // namespace aud::connectors
