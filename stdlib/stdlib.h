#pragma once
// The standard library: `.aud` modules embedded in the binary at build time
// (std/governance, std/policies, std/ecommerce, std/segment), and the
// registry of builtin functions read by both the checker and codegen.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace aud::stdlib {

// Source text of a standard module by import path ("std/governance"), or
// nullopt when there is no such module.
std::optional<std::string_view> StdModule(std::string_view import_path);
// Every standard module's import path.
std::vector<std::string> StdModuleNames();

}  // namespace aud::stdlib
