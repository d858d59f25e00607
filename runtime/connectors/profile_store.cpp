// PLACEHOLDER (replaced by the profile_store connector): refuses to run.
#include "runtime/connectors/connector.h"

namespace aud::connectors {

std::unique_ptr<Connector> MakeProfileStore(const config::Connection* connection, const Context& ctx, std::string* error) {
  *error = "the profile_store connector is not built yet";
  return nullptr;
}

}  // namespace aud::connectors
