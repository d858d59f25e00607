#pragma once
// Ingest (docs/reference/language.md §5): Segment-spec JSON lines -> EventStore, with bad
// lines quarantined and counted. Parsed once; the store is then cached.

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/store.h"

namespace aud::ingest {

// Why a line was quarantined (stable names, shown in statistics).
enum class BadLine : uint8_t {
  InvalidJson,       // "invalid-json"
  InvalidUtf8,       // "invalid-utf8"
  NotAnObject,       // "not-an-object"
  UnknownType,       // "unknown-type": `type` absent or not one of the six
  MissingTimestamp,  // "missing-timestamp": none of timestamp/originalTimestamp/sentAt/receivedAt
  InvalidTimestamp,  // "invalid-timestamp": the one that counts is not a date-time (or none is)
  MissingId,     // "missing-id": neither userId nor anonymousId (alias: previousId+userId; group:
                 // groupId)
  InvalidField,  // "invalid-field": e.g. `event` not a string, `properties` not an object
  LineTooLong,   // "line-too-long": over Options::max_line_bytes
  TooManyEventTypes,     // "too-many-event-types": a 65536th distinct event type
  TooManyPropertyNames,  // "too-many-property-names": over store::kMaxPropertyNames for its type
  TruncatedGzip,  // "truncated-gzip": a `.gz` stream that ends early or is corrupt (one per file)
};
// The stable name of a reason ("invalid-json", ...).
const char* BadLineName(BadLine b);

// Ingest statistics, shown by `aud eval` and `aud plan`.
struct Stats {
  uint64_t lines = 0;
  uint64_t events = 0;  // track/page/screen kept
  uint64_t identifies = 0;
  uint64_t aliases = 0;
  uint64_t groups = 0;                          // `group` calls kept
  uint64_t duplicates = 0;                      // messageId seen before: dropped
  uint64_t bytes = 0;                           // JSON bytes read (after decompression)
  std::map<std::string, uint64_t> bad;          // BadLineName -> count
  std::map<std::string, uint64_t> event_types;  // type key -> events
  uint64_t Bad() const;
  // Every non-blank line is accepted (events + identifies + aliases +
  // groups + duplicates) or bad: lines == those + Bad().
  uint64_t blank_lines = 0;    // empty or whitespace-only: not lines
  uint64_t nested_values = 0;  // array/object property or trait values: absent
  uint64_t files = 0;
  // Files whose gzip stream is truncated or corrupt: "`FILE`: WHAT after line N".
  std::vector<std::string> truncated_gzip;
  double parse_seconds = 0;  // reading + JSON parsing + columns
  double build_seconds = 0;  // stitching + layout (StoreBuilder::Finish)
};

// What to ingest and how.
struct Options {
  std::string project_dir;         // globs are relative to it
  std::vector<std::string> globs;  // `[sources.*].path`; `.gz` files are decompressed
  std::vector<std::string> names;  // the source name of each glob (for errors; may be empty)
  std::string
      quarantine_dir;  // `.aud/quarantine/` (one .jsonl file per source file with bad lines)
  size_t max_line_bytes = 1 << 20;
  // The declared `context.*` property paths (docs/runtime.md): only these
  // leaves of a message's `context` object are stored, as property columns
  // named by the path. Part of the cache fingerprint.
  std::vector<std::string> context_paths;
  bool strict = false;  // any bad line is an error
  // Progress (a terminal's progress line): called from the read loop after
  // each read of at most 4 MB, and once when a file is parsed, with the bytes
  // of the source files consumed so far (compressed bytes for `.gz`; files
  // whose segment is reused count as consumed), their total size on disk and
  // the lines parsed. Not called on a cache hit. Empty: never called.
  std::function<void(uint64_t bytes_done, uint64_t bytes_total, uint64_t lines)> progress;
  // Parse threads: 0 takes `AUD_THREADS` when set (1 to 256), else every
  // hardware thread. The store and every output are the same whatever it is.
  unsigned threads = 0;
  // Bytes per parse batch (0: 4 MiB; at least max_line_bytes + 1). Tests and
  // the fuzzer use small ones to parse many batches in parallel.
  size_t batch_bytes = 0;
};

// One source file's share of the statistics: lines == accepted +
// quarantined + duplicates.
struct FileStats {
  std::string file;          // as shown (project-relative when inside the project)
  uint64_t lines = 0;        // non-blank lines
  uint64_t accepted = 0;     // events, identifies, aliases and groups kept
  uint64_t quarantined = 0;  // bad lines
  uint64_t duplicates = 0;   // messageId seen before (in this or an earlier file)
  bool parsed = false;       // parsed by this run (else its cached segment or store was used)
};

// The outcome of ingesting the sources.
struct Result {
  store::EventStore store;
  Stats stats;
  std::vector<std::string> files;  // the files read, in order
  std::string error;               // non-empty: failed (unreadable file, --strict with bad lines)
  std::vector<std::string> warnings;  // e.g. a truncated `.gz` file (also on a cache hit)
  std::vector<FileStats> file_stats;  // per file, in the order of `files`
};

// Ingests every file matching the globs (sorted by path), in order.
Result Ingest(const Options& options);

// The files the globs match: each glob relative to project_dir (glob(3)),
// the union sorted by path bytes, without duplicates. Only regular files
// are sources; a relative glob stays inside the project (absolute globs may
// point anywhere). With `error`, the first match that breaks a rule (a
// directory, a device, FIFO or socket, a file of /proc or /sys, a relative
// glob resolving outside the project) is an error naming it; without, such
// matches are left out.
std::vector<std::string> ResolveSources(const Options& options, std::string* error = nullptr);

// Ingests the given files in order (Result::files = paths).
Result IngestFiles(const std::vector<std::string>& paths, const Options& options);

// Ingests `data` as the contents of one file named `name` (gzip when it ends
// in `.gz`), for tests and fuzzing.
Result IngestBuffer(std::string_view data, const std::string& name, const Options& options);

// How IngestCached got its store.
struct CacheStatus {
  bool hit = false;         // read from the cache file
  std::string reason;       // why not (LoadStore's reason), empty on a hit
  std::string save_error;   // non-empty: the new cache could not be written
  double load_seconds = 0;  // reading the cache (also on a miss: the failed attempt)
  double ingest_seconds = 0;
  double save_seconds = 0;
  // The incremental store (docs/runtime.md, "The incremental store"):
  uint64_t files_parsed = 0;      // source files parsed (new, changed, or segment rebuilt)
  uint64_t files_reused = 0;      // source files whose cached segment (or store) was used
  uint64_t segments_rebuilt = 0;  // segments found torn, corrupt or stale and rebuilt
  uint64_t segments_dropped = 0;  // segments of files that are no longer sources, removed
};

// The folder of the per-file segments beside the store cache `cache_path`.
std::string SegmentDir(const std::string& cache_path);

// The store from `cache_path` when it is fresh for the sources (fingerprint of
// the files and of the ingest options). Else the store is merged from one
// segment per source file (SegmentDir): a file whose segment is intact and
// keyed by its current fingerprint is not read; the others are parsed into
// new segments; segments of files no longer listed are removed; then the
// store is saved to `cache_path`. Statistics and the file list are cached
// with the store; with `strict`, bad lines recorded in a cache are an error
// as on a fresh ingest.
Result IngestCached(const Options& options, const std::string& cache_path,
                    CacheStatus* status = nullptr);

}  // namespace aud::ingest
