// aud: audiences as code. The command line wires the stages together.

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"aud: audiences as code (segments, audiences, governance and destinations)"};
  app.require_subcommand(1);
  app.fallthrough();
  aud::cli::GlobalOptions g;
  g.color = isatty(2) && std::getenv("NO_COLOR") == nullptr;
  app.add_option("-C", g.dir, "run in this project folder instead of the current one")
      ->type_name("DIR");

  std::string emit;
  auto* check = app.add_subcommand("check", "parse, resolve, type-check and enforce governance");
  check->add_option("--emit", emit, "also print an intermediate form (ast)")
      ->check(CLI::IsMember({"ast"}));

  bool fmt_check = false;
  std::vector<std::string> fmt_files;
  auto* fmt = app.add_subcommand("fmt", "rewrite .aud files in the canonical layout");
  fmt->add_flag("--check", fmt_check, "change nothing; exit 1 if a file is not formatted");
  fmt->add_option("files", fmt_files, "files to format (default: every .aud file of the project)");

  auto* graph = app.add_subcommand(
      "graph", "print the dependency graph (events, traits -> segments -> audiences -> destinations) as DOT");

  std::string init_dir = ".";
  auto* init = app.add_subcommand("init", "create a working project (aud.toml, main.aud, sample data)");
  init->add_option("dir", init_dir, "the folder to create it in (default: the current one)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 1;
  }
  if (*check) return aud::cli::RunCheck(g, emit);
  if (*fmt) return aud::cli::RunFmt(g, fmt_check, fmt_files);
  if (*graph) return aud::cli::RunGraph(g);
  if (*init) return aud::cli::RunInit(g, init_dir);
  return 1;
}
