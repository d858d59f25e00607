#pragma once
// Reading back what a destination holds for one publication (the refresh
// step of `aud plan`, docs/plan.md "Refresh and drift"): the file
// connector's snapshot and the built-in profile store can be read; http and
// autopilot destinations cannot. Each row read back is reduced to a
// comparable text, and `ExpectedContent` gives the same text for a row the
// planner would send, so equal texts mean the destination holds that row.

#include <map>
#include <string>
#include <vector>

#include "compiler/config/config.h"
#include "runtime/connectors/connector.h"

namespace aud::connectors {

// What one publication's destination holds.
struct ReadBack {
  bool readable = false;  // false: this kind of destination cannot be read back
  std::string error;      // readable, but reading failed (the message names the file)
  std::string where;      // what was read, for messages (`exports/gold.csv`, `.aud/profiles.db`)
  // The destination's identity (hex): the resolved folder and format of a
  // file connection, the profile store's file; "" when not readable.
  std::string identity;
  std::map<std::string, std::string> rows;  // key -> comparable content
};

// Reads back `audience`'s rows at the destination of `connection` (null:
// the built-in profile store). A missing file or folder (or table) is
// readable and empty. `destination` selects the rows of a `postgres` table
// (several destinations may share one). Never writes or creates anything.
ReadBack ReadBackPublication(const config::Connection* connection, const Context& ctx,
                             const std::string& audience,
                             const std::vector<std::string>& field_names,
                             const std::string& destination = "");

// The identity of the place a connection writes to (hex; "" when it has no
// place aud can name): a file connection's `dir` as written, normalized, and
// its format. A publication recorded with another identity is re-published.
std::string DestinationIdentity(const config::Connection* connection);

// The comparable content `row` has at such a destination once sent.
std::string ExpectedContent(const config::Connection* connection, const Row& row,
                            const std::vector<std::string>& field_names);

}  // namespace aud::connectors
