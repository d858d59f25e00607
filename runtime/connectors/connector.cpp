// Connector dispatch on the connection's `type`.
#include "runtime/connectors/connector.h"

namespace aud::connectors {

std::unique_ptr<Connector> Make(const config::Connection* connection, const Context& ctx,
                                std::string* error) {
  if (!connection || connection->type == "profile_store")
    return MakeProfileStore(connection, ctx, error);
  if (connection->type == "file") return MakeFile(*connection, ctx, error);
  if (connection->type == "http") return MakeHttp(*connection, ctx, error);
  if (connection->type == "autopilot") return MakeAutopilot(*connection, ctx, error);
  if (connection->type == "postgres") return MakePostgres(*connection, ctx, error);
  *error = "connection `" + connection->name + "`: connector type `" + connection->type +
           "` is not supported yet";
  return nullptr;
}

}  // namespace aud::connectors
