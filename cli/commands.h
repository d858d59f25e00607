#pragma once
// The `aud` subcommands. Each returns the process exit code (0 success,
// 1 errors; 2 only with --detailed-exitcode). Rendering lives here, never in
// the compiler stages.

#include <string>
#include <vector>

namespace aud::cli {

// Options shared by every command.
struct GlobalOptions {
  std::string dir = ".";  // -C DIR
  bool color = false;     // diagnostics in colour (stderr is a terminal)
};

// `aud check [--emit=ast]`: parse, resolve, type-check, governance.
int RunCheck(const GlobalOptions& g, const std::string& emit);
// `aud fmt [--check] [FILE...]`: canonical formatting.
int RunFmt(const GlobalOptions& g, bool check_only, const std::vector<std::string>& files);
// `aud graph`: the dependency graph as DOT.
int RunGraph(const GlobalOptions& g);
// `aud init [DIR]`: scaffold a working project.
int RunInit(const GlobalOptions& g, const std::string& target);

}  // namespace aud::cli
