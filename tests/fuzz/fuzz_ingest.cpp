// libFuzzer target for the JSON-lines ingest (tests/fuzz/README.md): the
// line parser, the store builder (columns dense and sparse, stitching,
// layout), the cache file and profiles. The first input byte picks the mode:
//   bit 0: the rest is the bytes of a `.gz` file (else plain JSON lines);
//   bit 1: max_line_bytes is 64 (over-long lines across reads), else 4096;
//   bits 2-3: the as_of of BuildProfiles (before, inside, after the usual
//   timestamps, or the end of time);
//   bit 4: declared context paths (`context.campaign.source`, `context.a`,
//   `context.a.b`), so the context leaves are read into columns;
//   bit 5: parse on 3 threads in batches of max_line_bytes + 1 bytes (many
//   batches in parallel), else on 1 in one batch.
// Checked on every input (a violation aborts with a message):
//   - every non-blank line is accepted, a duplicate or bad, and a truncated
//     gzip stream is one bad line with its warning;
//   - one group record per accepted `group` call;
//   - declared context leaves only give columns named by a declared path;
//   - per file: lines == accepted + quarantined + duplicates;
//   - with 3 threads, the store, statistics and per-file figures equal a
//     1-thread ingest of the same bytes;
//   - the store passes ValidateStore;
//   - the cache file round-trips to an identical store;
//   - BuildProfiles partitions the events of at most as_of.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/ingest/ingest.h"
#include "runtime/store/cache.h"
#include "runtime/store/profiles.h"

namespace {

void Require(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz_ingest: property violated: %s\n", what);
  std::abort();
}

const std::string& CachePath() {
  // In memory (/dev/shm) when there is one: SaveStore syncs every write.
  static const std::string path = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : tmp && *tmp ? tmp : "/tmp";
    return dir + "/aud-fuzz-ingest-" + std::to_string(::getpid()) + ".store";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  aud::ingest::Options options;
  options.max_line_bytes = (mode & 2) ? 64 : 4096;
  if (mode & 16) options.context_paths = {"context.a", "context.a.b", "context.campaign.source"};
  const bool gz = mode & 1;
  options.threads = (mode & 32) ? 3 : 1;
  if (mode & 32) options.batch_bytes = 1;  // batches of max_line_bytes + 1
  const std::string name = gz ? "events.jsonl.gz" : "events.jsonl";
  aud::ingest::Result r = aud::ingest::IngestBuffer(bytes, name, options);
  Require(r.error.empty(), "an in-memory ingest never fails");
  const aud::ingest::Stats& s = r.stats;
  Require(s.lines == s.events + s.identifies + s.aliases + s.groups + s.duplicates + s.Bad(),
          "lines == accepted + duplicates + bad");
  Require(r.store.groups.size() == s.groups, "one group record per accepted group call");
  Require(r.file_stats.size() == 1, "one file's figures");
  for (const aud::ingest::FileStats& f : r.file_stats)
    Require(f.lines == f.accepted + f.quarantined + f.duplicates && f.lines == s.lines,
            "per file: lines == accepted + quarantined + duplicates");
  if (options.threads > 1) {
    aud::ingest::Options one = options;
    one.threads = 1;
    aud::ingest::Result o = aud::ingest::IngestBuffer(bytes, name, one);
    Require(o.store == r.store, "the same store at 1 and 3 threads");
    Require(o.stats.lines == s.lines && o.stats.bad == s.bad &&
                o.stats.duplicates == s.duplicates && o.stats.nested_values == s.nested_values &&
                o.stats.blank_lines == s.blank_lines && o.stats.truncated_gzip == s.truncated_gzip,
            "the same statistics at 1 and 3 threads");
    Require(o.file_stats.size() == 1 && o.file_stats[0].accepted == r.file_stats[0].accepted &&
                o.file_stats[0].quarantined == r.file_stats[0].quarantined,
            "the same per-file figures at 1 and 3 threads");
  }
  for (const aud::store::EventType& t : r.store.types) {
    for (const aud::store::Column& c : t.columns) {
      std::string_view name = r.store.dict.Get(c.name);
      if (name.substr(0, 8) != "context.") continue;
      bool declared = false;
      for (const std::string& p : options.context_paths) declared |= p == name;
      Require(declared, "a context column is a declared path");
    }
  }
  Require(r.store.num_events() == s.events, "one store event per accepted event line");
  Require(s.truncated_gzip.size() == r.warnings.size(), "a warning per truncated gzip file");
  Require(gz || s.truncated_gzip.empty(), "only a .gz file can be truncated gzip");
  std::string why;
  Require(aud::store::ValidateStore(r.store, &why), "ValidateStore");

  // The cache file round-trips.
  Require(aud::store::SaveStore(r.store, CachePath(), 7, "meta", &why), "SaveStore");
  std::string meta;
  auto loaded = aud::store::LoadStore(CachePath(), 7, &why, &meta);
  Require(loaded.has_value(), "LoadStore of a fresh cache");
  Require(*loaded == r.store && meta == "meta", "the cache round-trips");

  // Profiles at as_of: every event at or before as_of in exactly one profile.
  static const int64_t kAsOf[4] = {0, 1767225600000 /* 2026-01-01 */,
                                   1798761600000 /* 2027-01-01 */, INT64_MAX};
  const int64_t as_of = kAsOf[(mode >> 2) & 3];
  aud::store::Profiles p = aud::store::BuildProfiles(r.store, as_of);
  uint64_t in_time = 0;
  for (size_t e = 0; e < r.store.num_events(); ++e) in_time += r.store.ts[e] <= as_of;
  Require(p.events.size() == in_time, "profiles hold the events at or before as_of");
  Require(p.event_offsets.size() == static_cast<size_t>(p.count) + 1, "profile offsets");
  return 0;
}
