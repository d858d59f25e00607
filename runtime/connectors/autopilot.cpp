// PLACEHOLDER (replaced by the autopilot connector): refuses to run.
#include "runtime/connectors/connector.h"

namespace aud::connectors {

std::unique_ptr<Connector> MakeAutopilot(const config::Connection& connection, const Context& ctx, std::string* error) {
  *error = "the autopilot connector is not built yet";
  return nullptr;
}

}  // namespace aud::connectors
