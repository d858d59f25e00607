// `aud gen-events`: synthetic Segment-spec events to stdout or a file.

#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "runtime/gen/gen_events.h"

namespace aud::cli {

int RunGenEvents(const GlobalOptions& g, const GenEventsOptions& o) {
  gen::GenOptions opts;
  opts.profiles = o.profiles;
  opts.events = o.events;
  opts.seed = o.seed;
  opts.bad_fraction = o.bad_fraction;
  if (o.out.empty()) {
    std::ios::sync_with_stdio(false);
    gen::GenerateEvents(opts, std::cout);
    std::cout.flush();
    return std::cout ? 0 : 1;
  }
  // Like every path argument, --out is relative to the project folder (-C).
  std::filesystem::path path(o.out);
  if (path.is_relative()) path = std::filesystem::path(g.dir) / path;
  std::error_code ec;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    std::cerr << "error: cannot write `" << path.string() << "`\n";
    return 1;
  }
  gen::GenStats st = gen::GenerateEvents(opts, out);
  out.close();
  if (!out) {
    std::cerr << "error: cannot write `" << path.string() << "`\n";
    return 1;
  }
  std::cerr << "wrote " << st.lines << " lines to " << path.string() << " (" << st.events
            << " events, " << st.identifies << " identifies, " << st.aliases << " aliases, "
            << st.duplicates << " duplicates, " << st.Bad() << " bad)\n";
  return 0;
}

}  // namespace aud::cli
