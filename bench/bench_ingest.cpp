// bench_ingest: ingest of generated Segment data (figures in docs/runtime.md).
//
// Generates N events (default 1,000,000; 50,000 people) with runtime/gen into
// a temp file (or reads --input FILE), then measures:
//   - JSON parse throughput of the line parser alone, in thread CPU time (one
//     core; other processes on the machine do not inflate it), best of --runs;
//   - a cold ingest: parse + columns, stitching + layout, writing the cache;
//   - the store's bytes per event (EventStore::MemoryBytes, and the events
//     and property columns alone);
//   - warm runs that load the cache (best of --runs) and the speed-up over
//     the cold run without its cache write;
//   - BuildProfiles at the end of the data and 60 days earlier.
// Prints `RESULT bench=ingest ...` lines; nothing gates on absolute times.
//
//   build/bench/bench_ingest [--events N] [--profiles P] [--seed S] [--runs R]
//                            [--keep FILE] [--input FILE]

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/gen/gen_events.h"
#include "runtime/ingest/ingest.h"
#include "runtime/ingest/line_parser.h"
#include "runtime/store/profiles.h"

namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// CPU time of this thread: per-core figures that other processes on the
// machine do not inflate.
double ThreadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Options {
  uint64_t events = 1000000;
  uint64_t profiles = 0;  // default: events / 20
  uint64_t seed = 42;
  int runs = 3;
  std::string keep;   // keep the generated file here
  std::string input;  // measure this file instead of generating one
};

bool ParseArgs(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--events") {
      o->events = std::strtoull(next("--events"), nullptr, 10);
    } else if (a == "--profiles") {
      o->profiles = std::strtoull(next("--profiles"), nullptr, 10);
    } else if (a == "--seed") {
      o->seed = std::strtoull(next("--seed"), nullptr, 10);
    } else if (a == "--runs") {
      o->runs = std::max(1, std::atoi(next("--runs")));
    } else if (a == "--keep") {
      o->keep = next("--keep");
    } else if (a == "--input") {
      o->input = next("--input");
    } else {
      std::fprintf(stderr,
                   "usage: bench_ingest [--events N] [--profiles P] [--seed S] [--runs R] "
                   "[--keep FILE] [--input FILE]\n");
      return false;
    }
  }
  if (o->profiles == 0) o->profiles = std::max<uint64_t>(1, o->events / 20);
  return true;
}

// The line parser alone over an in-memory copy of the file: lines/s, MB/s.
void ParseOnly(const std::string& path, int runs, uint64_t* lines_out, double* best) {
  std::ifstream in(path, std::ios::binary);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t n = data.size();
  data.resize(n + aud::ingest::kParsePadding, ' ');
  aud::ingest::LineParser parser;
  aud::ingest::ParsedLine line;
  *best = 1e300;
  for (int r = 0; r < runs; ++r) {
    uint64_t lines = 0, accepted = 0;
    double c0 = ThreadCpu();
    size_t pos = 0;
    while (pos < n) {
      const char* nl = static_cast<const char*>(std::memchr(data.data() + pos, '\n', n - pos));
      size_t end = nl ? static_cast<size_t>(nl - data.data()) : n;
      aud::ingest::BadLine bad;
      accepted += parser.Parse(data.data() + pos, end - pos, data.size() - pos, &line, &bad);
      ++lines;
      pos = end + 1;
    }
    double cpu = ThreadCpu() - c0;
    *best = std::min(*best, cpu);
    if (std::getenv("BENCH_VERBOSE")) std::fprintf(stderr, "  parse run %d: %.3f s cpu\n", r, cpu);
    *lines_out = lines;
    if (accepted != lines)
      std::fprintf(stderr, "note: %llu bad lines\n",
                   static_cast<unsigned long long>(lines - accepted));
  }
}

// `bench_ingest --child PROJECT_DIR GLOB CACHE`: one IngestCached in a fresh
// process (as `aud eval` does it), timings on stdout.
int Child(char** argv) {
  aud::ingest::Options io;
  io.project_dir = argv[2];
  io.globs = {argv[3]};
  io.quarantine_dir = std::string(argv[2]) + "/quarantine";
  aud::ingest::CacheStatus st;
  auto t0 = Clock::now();
  aud::ingest::Result r = aud::ingest::IngestCached(io, argv[4], &st);
  double total = Since(t0);
  if (!r.error.empty()) return 1;
  std::printf("%d %.6f %.6f %.6f %.6f %.6f\n", st.hit ? 1 : 0, total, st.load_seconds,
              r.stats.parse_seconds, r.stats.build_seconds, st.save_seconds);
  return 0;
}

// Timings of one child run: {hit, total, load, parse, build, save}.
std::vector<double> RunChild(const std::string& self, const std::string& project_dir,
                             const std::string& glob, const std::string& cache) {
  std::string cmd = "'" + self + "' --child '" + project_dir + "' '" + glob + "' '" + cache + "'";
  std::vector<double> t(6, 0.0);
  FILE* f = ::popen(cmd.c_str(), "r");
  if (!f) return t;
  int hit = 0;
  if (std::fscanf(f, "%d %lf %lf %lf %lf %lf", &hit, &t[1], &t[2], &t[3], &t[4], &t[5]) != 6) {
    t[1] = -1;
  }
  t[0] = hit;
  ::pclose(f);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 5 && std::string(argv[1]) == "--child") return Child(argv);
  Options o;
  if (!ParseArgs(argc, argv, &o)) return 2;
  namespace fs = std::filesystem;
  const char* tmp = std::getenv("TMPDIR");
  fs::path dir = fs::path(tmp ? tmp : "/tmp") / ("bench_ingest." + std::to_string(::getpid()));
  fs::create_directories(dir);
  fs::path file = !o.input.empty() ? fs::absolute(o.input)
                  : o.keep.empty() ? dir / "events.jsonl"
                                   : fs::absolute(o.keep);
  fs::path cache = dir / "cache" / "events.store";

  // 1. Generate.
  auto t0 = Clock::now();
  aud::gen::GenStats gs;
  if (!o.input.empty()) {
    std::ifstream in(file, std::ios::binary);
    std::string l;
    while (std::getline(in, l)) ++gs.lines;
  } else {
    std::ofstream out(file, std::ios::binary);
    aud::gen::GenOptions g;
    g.profiles = o.profiles;
    g.events = o.events;
    g.seed = o.seed;
    gs = aud::gen::GenerateEvents(g, out);
  }
  double gen_s = Since(t0);
  uint64_t bytes = fs::file_size(file);
  std::printf("generated: %llu lines, %llu profiles, %.1f MB (%.0f bytes/line) in %.2f s\n",
              static_cast<unsigned long long>(gs.lines),
              static_cast<unsigned long long>(o.profiles), bytes / 1e6,
              static_cast<double>(bytes) / static_cast<double>(gs.lines), gen_s);

  // 2. JSON parse throughput: the line parser alone, one core.
  uint64_t lines = 0;
  double parse_s = 0;
  ParseOnly(file.string(), o.runs, &lines, &parse_s);
  double parse_mbs = bytes / 1e6 / parse_s;
  std::printf("parse only (best of %d): %.3f s, %.0f MB/s, %.2f M lines/s per core\n", o.runs,
              parse_s, parse_mbs, lines / 1e6 / parse_s);

  // 3. Cold ingest (cache miss) and warm run (cache hit).
  aud::ingest::Options io;
  io.project_dir = file.parent_path().string();
  io.globs = {file.filename().string()};
  io.quarantine_dir = (dir / "quarantine").string();
  aud::ingest::CacheStatus cold;
  t0 = Clock::now();
  double c0 = ThreadCpu();
  aud::ingest::Result r = aud::ingest::IngestCached(io, cache.string(), &cold);
  double cold_total = Since(t0);
  double cold_cpu = ThreadCpu() - c0;
  if (!r.error.empty()) {
    std::fprintf(stderr, "ingest failed: %s\n", r.error.c_str());
    return 1;
  }
  const auto& st = r.stats;
  const size_t events = r.store.num_events();
  std::printf(
      "cold ingest: %.3f s total (%.3f s cpu) = parse+columns %.3f s (%.0f MB/s) + stitch/layout "
      "%.3f s + cache write %.3f s (miss: %s)\n",
      cold_total, cold_cpu, st.parse_seconds, bytes / 1e6 / st.parse_seconds, st.build_seconds,
      cold.save_seconds, cold.reason.c_str());
  std::printf(
      "  %llu events, %llu identifies, %llu aliases, %llu duplicates, %llu bad, "
      "%u components, %zu nodes, %zu links, %zu trait records, %zu types\n",
      static_cast<unsigned long long>(st.events), static_cast<unsigned long long>(st.identifies),
      static_cast<unsigned long long>(st.aliases), static_cast<unsigned long long>(st.duplicates),
      static_cast<unsigned long long>(st.Bad()), r.store.num_components, r.store.nodes.size(),
      r.store.links.size(), r.store.traits.size(), r.store.types.size());
  double bpe_all = static_cast<double>(r.store.MemoryBytes()) / static_cast<double>(events);
  double bpe_events = static_cast<double>(r.store.EventBytes()) / static_cast<double>(events);
  std::printf(
      "store: %.1f MB, %.1f bytes/event (events+columns %.1f, dictionary %zu strings "
      "%.1f MB)\n",
      r.store.MemoryBytes() / 1e6, bpe_all, bpe_events, r.store.dict.size(),
      r.store.dict.MemoryBytes() / 1e6);

  double best_load = 1e300;
  for (int k = 0; k < o.runs; ++k) {
    aud::ingest::CacheStatus warm;
    t0 = Clock::now();
    aud::ingest::Result w = aud::ingest::IngestCached(io, cache.string(), &warm);
    double total = Since(t0);
    if (!warm.hit || !(w.store == r.store)) {
      std::fprintf(stderr, "warm run did not reproduce the store (hit=%d reason=%s)\n", warm.hit,
                   warm.reason.c_str());
      return 1;
    }
    best_load = std::min(best_load, total);
  }
  uint64_t cache_bytes = fs::file_size(cache);
  std::printf("warm run in this process (cache hit, best of %d): %.3f s, cache file %.1f MB\n",
              o.runs, best_load, cache_bytes / 1e6);

  // The same in fresh processes, as `aud eval` runs: memory is new there
  // (page faults), so these are the figures that count.
  std::string self = fs::canonical("/proc/self/exe").string();
  double child_cold = 1e300, child_cold_save = 0, child_warm = 1e300;
  for (int k = 0; k < o.runs; ++k) {
    fs::remove(cache);
    std::vector<double> c = RunChild(self, io.project_dir, io.globs[0], cache.string());
    if (c[0] != 0 || c[1] < 0) {
      std::fprintf(stderr, "cold child run failed\n");
      return 1;
    }
    if (c[1] < child_cold) {
      child_cold = c[1];
      child_cold_save = c[5];
    }
  }
  for (int k = 0; k < o.runs; ++k) {
    std::vector<double> w = RunChild(self, io.project_dir, io.globs[0], cache.string());
    if (w[0] != 1 || w[1] < 0) {
      std::fprintf(stderr, "warm child run missed the cache\n");
      return 1;
    }
    child_warm = std::min(child_warm, w[1]);
  }
  // The speed-up of a second run: a run without cache (the cold run minus
  // its cache write, which only the first run pays) over a run from it.
  double speedup = (child_cold - child_cold_save) / child_warm;
  std::printf(
      "fresh processes (best of %d): cold %.3f s (cache write %.3f s), warm %.3f s, "
      "speed-up %.1fx\n",
      o.runs, child_cold, child_cold_save, child_warm, speedup);

  // 4. Profiles at the end of the data and 60 days earlier.
  int64_t end_ms = 1793491200000LL;  // 2026-11-01T00:00:00Z
  double prof_s = 1e300, prof_early_s = 1e300;
  uint32_t nprof = 0, nprof_early = 0;
  for (int k = 0; k < o.runs; ++k) {
    t0 = Clock::now();
    aud::store::Profiles p = aud::store::BuildProfiles(r.store, end_ms);
    prof_s = std::min(prof_s, Since(t0));
    nprof = p.count;
    t0 = Clock::now();
    aud::store::Profiles q = aud::store::BuildProfiles(r.store, end_ms - 60LL * 86400000);
    prof_early_s = std::min(prof_early_s, Since(t0));
    nprof_early = q.count;
  }
  std::printf("profiles: %u at 2026-11-01 in %.3f s; %u at 60 days earlier in %.3f s\n", nprof,
              prof_s, nprof_early, prof_early_s);

  std::printf(
      "RESULT bench=ingest events=%zu bytes=%llu parse_mb_s=%.0f parse_lines_s=%.0f "
      "goal_mb_s=1000\n",
      events, static_cast<unsigned long long>(bytes), parse_mbs, lines / parse_s);
  std::printf(
      "RESULT bench=ingest cold_s=%.3f cold_cpu_s=%.3f ingest_mb_s=%.0f "
      "ingest_events_s=%.0f\n",
      cold_total, cold_cpu, bytes / 1e6 / st.parse_seconds, events / st.parse_seconds);
  std::printf("RESULT bench=ingest bytes_per_event=%.1f event_bytes_per_event=%.1f goal=32\n",
              bpe_all, bpe_events);
  std::printf(
      "RESULT bench=ingest cold_process_s=%.3f warm_process_s=%.3f warm_inproc_s=%.3f "
      "cache_mb=%.1f speedup=%.1f\n",
      child_cold, child_warm, best_load, cache_bytes / 1e6, speedup);
  std::printf("RESULT bench=ingest profiles=%u build_profiles_s=%.3f\n", nprof, prof_s);

  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
