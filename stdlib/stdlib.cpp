#include "stdlib/stdlib.h"

#include <algorithm>
#include <utility>

namespace aud::stdlib {

namespace detail {
// Generated from std/*.aud by cmake/embed.cmake: (path relative to stdlib/, text).
const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedModules();
}  // namespace detail

namespace {
constexpr std::string_view kSuffix = ".aud";

// "std/governance.aud" -> "std/governance".
std::string_view ImportPath(std::string_view file) {
  if (file.size() > kSuffix.size() && file.substr(file.size() - kSuffix.size()) == kSuffix) {
    file.remove_suffix(kSuffix.size());
  }
  return file;
}
}  // namespace

std::optional<std::string_view> StdModule(std::string_view import_path) {
  for (const auto& [file, text] : detail::EmbeddedModules()) {
    if (ImportPath(file) == import_path) return text;
  }
  return std::nullopt;
}

std::vector<std::string> StdModuleNames() {
  std::vector<std::string> names;
  for (const auto& entry : detail::EmbeddedModules()) names.emplace_back(ImportPath(entry.first));
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace aud::stdlib
