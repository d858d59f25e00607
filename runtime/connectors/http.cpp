// PLACEHOLDER (replaced by the http connector): refuses to run.
#include "runtime/connectors/connector.h"

namespace aud::connectors {

std::unique_ptr<Connector> MakeHttp(const config::Connection& connection, const Context& ctx, std::string* error) {
  *error = "the http connector is not built yet";
  return nullptr;
}

}  // namespace aud::connectors
