#pragma once
// The `aud init` project templates (cli/templates/init/), embedded at build time.

#include <string_view>
#include <utility>
#include <vector>

namespace aud::cli {

// (path relative to the project, contents) of every template file.
const std::vector<std::pair<std::string_view, std::string_view>>& InitTemplates();

}  // namespace aud::cli
