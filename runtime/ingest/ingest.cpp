// Ingest: files -> lines -> LineParser -> StoreBuilder, with quarantine and
// statistics; IngestCached puts the store cache in front of it.

#include "runtime/ingest/ingest.h"

#include <fcntl.h>
#include <glob.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <new>
#include <unordered_map>

#include "compiler/base/escape.h"
#include "runtime/ingest/line_parser.h"
#include "runtime/store/builder.h"
#include "runtime/store/cache.h"
#include "runtime/store/hash.h"
#include "runtime/store/huge.h"

namespace aud::ingest {

namespace {

constexpr size_t kChunk = size_t{4} << 20;    // bytes read at a time
constexpr size_t kQuarantineText = 16 << 10;  // longest "text" kept in quarantine
constexpr uint64_t kIngestVersion = 1;        // bump when ingest rules change

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// The bytes of one source file: plain or gzip.
class Reader {
 public:
  ~Reader() { Close(); }
  bool Open(const std::string& path, std::string* error) {
    gz_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    if (gz_) {
      gzf_ = gzopen(path.c_str(), "rb");
      if (!gzf_) {
        *error = "cannot open " + path + ": " + std::strerror(errno ? errno : ENOMEM);
        return false;
      }
      gzbuffer(gzf_, 1 << 20);
      return true;
    }
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      *error = "cannot open " + path + ": " + std::strerror(errno);
      return false;
    }
    struct stat st;
    if (::fstat(fd_, &st) == 0 && S_ISDIR(st.st_mode)) {
      *error = "cannot read " + path + ": is a directory";
      return false;
    }
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return true;
  }
  // Bytes read into p (0 at the end); -1 with `error` set on failure.
  long Read(char* p, size_t n, const std::string& path, std::string* error) {
    if (gz_) {
      int r = gzread(gzf_, p, static_cast<unsigned>(std::min<size_t>(n, 1u << 30)));
      if (r < 0) {
        int code = 0;
        const char* msg = gzerror(gzf_, &code);
        *error = "cannot decompress " + path + ": " + (msg ? msg : "gzip error");
        return -1;
      }
      return r;
    }
    while (true) {
      ssize_t r = ::read(fd_, p, n);
      if (r >= 0) return static_cast<long>(r);
      if (errno == EINTR) continue;
      *error = "cannot read " + path + ": " + std::strerror(errno);
      return -1;
    }
  }
  // Bytes of the file consumed so far (of the compressed file for gzip).
  uint64_t Offset() const {
    const off_t at = gzf_ ? gzoffset(gzf_) : ::lseek(fd_, 0, SEEK_CUR);
    return at > 0 ? static_cast<uint64_t>(at) : 0;
  }
  void Close() {
    if (gzf_) gzclose(gzf_);
    if (fd_ >= 0) ::close(fd_);
    gzf_ = nullptr;
    fd_ = -1;
  }

 private:
  bool gz_ = false;
  gzFile gzf_ = nullptr;
  int fd_ = -1;
};

// Appends `s` to `out` as the contents of a JSON string, written by the one
// JSON string writer (compiler/base/escape.h): invalid UTF-8 becomes U+FFFD,
// so the quarantine file stays valid JSON.
void AppendJsonString(std::string_view s, std::string* out) {
  const std::string quoted = base::JsonString(s);
  out->append(quoted, 1, quoted.size() - 2);
}

// Writes bad lines to quarantine_dir/<source file name>.jsonl.
class Quarantine {
 public:
  explicit Quarantine(std::string dir) : dir_(std::move(dir)) {}
  ~Quarantine() {
    for (auto& [name, f] : files_) std::fclose(f);
  }
  static std::string FileFor(const std::string& dir, const std::string& source) {
    return dir + "/" + std::filesystem::path(source).filename().string() + ".jsonl";
  }
  // Removes what an earlier run left for these sources.
  void Clear(const std::vector<std::string>& sources) {
    if (dir_.empty()) return;
    for (const std::string& s : sources) ::unlink(FileFor(dir_, s).c_str());
  }
  void Add(const std::string& source, const std::string& shown, uint64_t line, BadLine reason,
           std::string_view text) {
    if (dir_.empty()) return;
    std::string path = FileFor(dir_, source);
    FILE*& f = files_[path];
    if (!f) {
      std::error_code ec;
      std::filesystem::create_directories(dir_, ec);
      f = std::fopen(path.c_str(), "ab");
      if (!f) return;  // best effort: the counts are still reported
    }
    buf_.clear();
    buf_.append("{\"file\":\"");
    AppendJsonString(shown, &buf_);
    buf_.append("\",\"line\":");
    buf_.append(std::to_string(line));
    buf_.append(",\"reason\":\"");
    buf_.append(BadLineName(reason));
    buf_.append("\",\"text\":\"");
    bool cut = text.size() > kQuarantineText;
    AppendJsonString(text.substr(0, kQuarantineText), &buf_);
    buf_.append(cut ? "\",\"truncated\":true}\n" : "\"}\n");
    std::fwrite(buf_.data(), 1, buf_.size(), f);
  }

 private:
  std::string dir_;
  std::string buf_;
  std::unordered_map<std::string, FILE*> files_;
};

// The messageIds seen so far (exact). Slots hold (hash << 32 | index + 1)
// into the kept ids. The probe of a million-entry table is a cache miss per
// line, so the parser announces each messageId's hash early (Prefetch) and
// the table lives in zeroed, huge-page-backed memory (fewer TLB misses, and
// untouched pages cost nothing).
class MessageIds {
 public:
  MessageIds() = default;
  MessageIds(const MessageIds&) = delete;
  MessageIds& operator=(const MessageIds&) = delete;
  ~MessageIds() { Free(slots_, cap_); }

  void Reserve(size_t n) {
    size_t cap = 4096;
    while (cap < 2 * n) cap *= 2;
    if (cap > cap_) Rehash(cap);
    store::ReserveHuge(offsets_, n + 1);
    arena_.reserve(n * 40);  // about a UUID per line
    store::AdviseHuge(arena_.data(), arena_.capacity());
  }

  static void Prefetch(void* self, uint64_t hash) {
    auto* m = static_cast<MessageIds*>(self);
    if (m->cap_) __builtin_prefetch(&m->slots_[(hash >> 32) & (m->cap_ - 1)]);
  }

  // True when `id` (whose Hash64 is `hash`) was not seen before; records it.
  bool Insert(std::string_view id, uint64_t hash) {
    if ((offsets_.size() + 1) * 2 > cap_) Rehash(cap_ ? cap_ * 2 : 4096);
    const uint64_t h = hash >> 32;
    const size_t mask = cap_ - 1;
    size_t i = h & mask;
    while (uint64_t slot = slots_[i]) {
      if ((slot >> 32) == h) {
        size_t k = static_cast<uint32_t>(slot) - 1;
        size_t b = k == 0 ? 0 : offsets_[k - 1];
        if (std::string_view(arena_).substr(b, offsets_[k] - b) == id) return false;
      }
      i = (i + 1) & mask;
    }
    arena_.append(id);
    offsets_.push_back(arena_.size());
    slots_[i] = h << 32 | offsets_.size();
    return true;
  }

 private:
  static uint64_t* Allocate(size_t cap) {
    size_t bytes = cap * sizeof(uint64_t);
    void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    if (bytes >= (size_t{2} << 20)) ::madvise(p, bytes, MADV_HUGEPAGE);
    return static_cast<uint64_t*>(p);
  }
  static void Free(uint64_t* p, size_t cap) {
    if (p) ::munmap(p, cap * sizeof(uint64_t));
  }
  void Rehash(size_t cap) {
    uint64_t* fresh = Allocate(cap);
    const size_t mask = cap - 1;
    for (size_t i = 0; i < cap_; ++i) {
      uint64_t slot = slots_[i];
      if (!slot) continue;
      size_t j = (slot >> 32) & mask;
      while (fresh[j]) j = (j + 1) & mask;
      fresh[j] = slot;
    }
    Free(slots_, cap_);
    slots_ = fresh;
    cap_ = cap;
  }

  uint64_t* slots_ = nullptr;
  size_t cap_ = 0;
  std::string arena_;
  std::vector<uint64_t> offsets_;  // end of each id in arena_
};

// The path shown for a source: relative to the project folder when inside it.
std::string Shown(const std::string& path, const std::string& project_dir) {
  std::string prefix = project_dir.empty() ? "" : project_dir;
  if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
  if (!prefix.empty() && path.compare(0, prefix.size(), prefix) == 0) {
    return path.substr(prefix.size());
  }
  return path;
}

// One ingest run over files.
class Run {
 public:
  Run(const Options& o, Stats* stats) : o_(o), stats_(stats), quarantine_(o.quarantine_dir) {
    parser_.SetMessageIdHook(&MessageIds::Prefetch, &message_ids_);
  }

  bool File(const std::string& path, std::string* error) {
    Reader reader;
    if (!reader.Open(path, error)) return false;
    path_ = &path;
    shown_ = Shown(path, o_.project_dir);
    line_no_ = 0;
    size_t cap = std::max(kChunk, o_.max_line_bytes + 1);
    store::ReserveHuge(buf_, cap + kParsePadding);
    buf_.resize(cap + kParsePadding);
    size_t len = 0;
    bool eof = false, skipping = false;
    while (true) {
      if (!eof && len < cap) {
        long r = reader.Read(buf_.data() + len, cap - len, path, error);
        if (r < 0) return false;
        if (r == 0) eof = true;
        len += static_cast<size_t>(r);
        stats_->bytes += static_cast<uint64_t>(r);
        if (o_.progress) {
          if (eof) progress_done_ += reader.Offset();
          o_.progress(progress_done_ + (eof ? 0 : reader.Offset()), progress_total_, stats_->lines);
        }
      }
      size_t pos = 0;
      while (pos < len) {
        const char* nl = static_cast<const char*>(std::memchr(buf_.data() + pos, '\n', len - pos));
        if (!nl) break;
        size_t end = static_cast<size_t>(nl - buf_.data());
        if (skipping) {
          skipping = false;  // the rest of an over-long line ends here
        } else {
          Line(pos, end - pos);
        }
        pos = end + 1;
      }
      if (eof) {
        if (pos < len && !skipping) Line(pos, len - pos);  // a last line without newline
        return true;
      }
      std::memmove(buf_.data(), buf_.data() + pos, len - pos);
      len -= pos;
      if (skipping) {
        len = 0;
      } else if (len > o_.max_line_bytes) {
        // Over the limit and still no newline: report it now, skip the rest.
        ++line_no_;
        ++order_;
        ++stats_->lines;
        Bad(BadLine::LineTooLong, std::string_view(buf_.data(), len));
        skipping = true;
        len = 0;
      } else if (len == cap) {
        cap *= 2;
        buf_.resize(cap + kParsePadding);
      }
    }
  }

  store::EventStore Finish() {
    auto t0 = std::chrono::steady_clock::now();
    store::EventStore s = builder_.Finish();
    stats_->build_seconds = Seconds(t0);
    for (const store::EventType& t : s.types) stats_->event_types[t.key] = t.rows;
    return s;
  }

  Quarantine& quarantine() { return quarantine_; }
  // The total size on disk of the files of this run (for Options::progress).
  void SetProgressTotal(uint64_t bytes) { progress_total_ = bytes; }

  // Sizes the tables for about `bytes` of input (avoids rehashing and copies).
  void Reserve(uint64_t bytes) {
    size_t lines = static_cast<size_t>(bytes / 320);
    builder_.Reserve(lines);
    message_ids_.Reserve(lines);
  }

 private:
  void Bad(BadLine reason, std::string_view text) {
    ++stats_->bad[BadLineName(reason)];
    quarantine_.Add(*path_, shown_, line_no_, reason, text);
  }

  void Line(size_t pos, size_t n) {
    ++line_no_;
    ++order_;
    const char* p = buf_.data() + pos;
    if (n > 0 && p[n - 1] == '\r') --n;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) ++k;
    if (k == n) {
      ++stats_->blank_lines;
      return;
    }
    ++stats_->lines;
    if (n > o_.max_line_bytes) {
      Bad(BadLine::LineTooLong, std::string_view(p, n));
      return;
    }
    BadLine reason;
    if (!parser_.Parse(p, n, buf_.size() - pos, &line_, &reason)) {
      Bad(reason, std::string_view(p, n));
      return;
    }
    uint16_t type = 0;
    switch (line_.call) {
      case Call::Track:
        if (!builder_.TrackType(line_.event, &type)) {
          Bad(BadLine::TooManyEventTypes, std::string_view(p, n));
          return;
        }
        break;
      case Call::Page:
      case Call::Screen: {
        int& cached = line_.call == Call::Page ? page_type_ : screen_type_;
        if (cached < 0 && builder_.TypeIndex(line_.call == Call::Page ? "page" : "screen", &type)) {
          cached = type;
        }
        if (cached < 0) {
          Bad(BadLine::TooManyEventTypes, std::string_view(p, n));
          return;
        }
        type = static_cast<uint16_t>(cached);
        break;
      }
      default: break;
    }
    if (!line_.message_id.empty() &&
        !message_ids_.Insert(line_.message_id, line_.message_id_hash)) {
      ++stats_->duplicates;
      return;
    }
    stats_->nested_values += line_.nested;
    switch (line_.call) {
      case Call::Track:
      case Call::Page:
      case Call::Screen:
        ++stats_->events;
        builder_.AddEvent(type, line_.ts, order_, line_.user_id, line_.anonymous_id,
                          line_.values.data(), line_.values.size());
        break;
      case Call::Identify:
        ++stats_->identifies;
        builder_.AddIdentify(line_.ts, order_, line_.user_id, line_.anonymous_id,
                             line_.values.data(), line_.values.size());
        break;
      case Call::Alias:
        ++stats_->aliases;
        builder_.AddAlias(line_.ts, order_, line_.previous_id, line_.user_id, line_.anonymous_id);
        break;
    }
  }

  const Options& o_;
  Stats* stats_;
  Quarantine quarantine_;
  LineParser parser_;
  ParsedLine line_;
  store::StoreBuilder builder_;
  MessageIds message_ids_;
  std::vector<char> buf_;
  const std::string* path_ = nullptr;
  std::string shown_;
  uint64_t line_no_ = 0;
  uint64_t order_ = 0;
  int page_type_ = -1, screen_type_ = -1;
  uint64_t progress_done_ = 0, progress_total_ = 0;  // bytes of finished files, of all
};

std::string StrictError(const Stats& s) {
  std::string e =
      std::to_string(s.Bad()) + " bad input line" + (s.Bad() == 1 ? "" : "s") + " (strict):";
  for (const auto& [reason, n] : s.bad) e += " " + reason + " " + std::to_string(n);
  return e;
}

// Statistics and the file list, cached beside the store.
std::string EncodeMeta(const Stats& s, const std::vector<std::string>& files) {
  std::string out;
  auto u64 = [&](uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& v) {
    u64(v.size());
    out.append(v);
  };
  for (uint64_t v : {s.lines, s.events, s.identifies, s.aliases, s.duplicates, s.bytes,
                     s.blank_lines, s.nested_values, s.files}) {
    u64(v);
  }
  for (const auto* m : {&s.bad, &s.event_types}) {
    u64(m->size());
    for (const auto& [k, v] : *m) {
      str(k);
      u64(v);
    }
  }
  u64(files.size());
  for (const std::string& f : files) str(f);
  return out;
}

bool DecodeMeta(std::string_view in, Stats* s, std::vector<std::string>* files) {
  size_t pos = 0;
  bool ok = true;
  auto u64 = [&]() -> uint64_t {
    uint64_t v = 0;
    if (in.size() - pos < 8) {
      ok = false;
      return 0;
    }
    std::memcpy(&v, in.data() + pos, 8);
    pos += 8;
    return v;
  };
  auto str = [&]() -> std::string {
    uint64_t n = u64();
    if (!ok || n > in.size() - pos) {
      ok = false;
      return {};
    }
    std::string v(in.substr(pos, n));
    pos += n;
    return v;
  };
  for (uint64_t* v : {&s->lines, &s->events, &s->identifies, &s->aliases, &s->duplicates, &s->bytes,
                      &s->blank_lines, &s->nested_values, &s->files}) {
    *v = u64();
  }
  for (auto* m : {&s->bad, &s->event_types}) {
    uint64_t n = u64();
    for (uint64_t i = 0; ok && i < n; ++i) {
      std::string k = str();
      (*m)[k] = u64();
    }
  }
  uint64_t n = u64();
  for (uint64_t i = 0; ok && i < n; ++i) files->push_back(str());
  return ok && pos == in.size();
}

Result IngestImpl(const std::vector<std::string>& paths, const Options& options, bool* io_ok) {
  auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.files = paths;
  r.stats.files = paths.size();
  *io_ok = true;
  {
    Run run(options, &r.stats);
    run.quarantine().Clear(paths);
    uint64_t bytes = 0, on_disk = 0;
    for (const std::string& p : paths) {
      struct stat st;
      // Compressed JSON lines shrink about 8x.
      if (::stat(p.c_str(), &st) == 0) {
        bytes += static_cast<uint64_t>(st.st_size) *
                 (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0 ? 8 : 1);
        on_disk += static_cast<uint64_t>(st.st_size);
      }
    }
    run.Reserve(bytes);
    run.SetProgressTotal(on_disk);
    for (const std::string& p : paths) {
      if (!run.File(p, &r.error)) {
        *io_ok = false;
        break;
      }
    }
    r.stats.parse_seconds = Seconds(t0);
    r.store = run.Finish();
  }
  if (*io_ok && options.strict && r.stats.Bad() > 0) r.error = StrictError(r.stats);
  return r;
}

}  // namespace

const char* BadLineName(BadLine b) {
  switch (b) {
    case BadLine::InvalidJson: return "invalid-json";
    case BadLine::InvalidUtf8: return "invalid-utf8";
    case BadLine::NotAnObject: return "not-an-object";
    case BadLine::UnknownType: return "unknown-type";
    case BadLine::MissingTimestamp: return "missing-timestamp";
    case BadLine::InvalidTimestamp: return "invalid-timestamp";
    case BadLine::MissingId: return "missing-id";
    case BadLine::InvalidField: return "invalid-field";
    case BadLine::LineTooLong: return "line-too-long";
    case BadLine::TooManyEventTypes: return "too-many-event-types";
  }
  return "unknown";
}

uint64_t Stats::Bad() const {
  uint64_t n = 0;
  for (const auto& [reason, count] : bad) n += count;
  return n;
}

std::vector<std::string> ResolveSources(const Options& options) {
  std::vector<std::string> files;
  for (const std::string& g : options.globs) {
    std::string pattern = g;
    if (!g.empty() && g[0] != '/' && !options.project_dir.empty()) {
      pattern = options.project_dir + (options.project_dir.back() == '/' ? "" : "/") + g;
    }
    glob_t gl{};
    if (::glob(pattern.c_str(), 0, nullptr, &gl) == 0) {
      for (size_t i = 0; i < gl.gl_pathc; ++i) {
        struct stat st;
        if (::stat(gl.gl_pathv[i], &st) == 0 && S_ISREG(st.st_mode)) {
          files.emplace_back(gl.gl_pathv[i]);
        }
      }
    }
    ::globfree(&gl);
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  return files;
}

Result IngestFiles(const std::vector<std::string>& paths, const Options& options) {
  bool io_ok;
  return IngestImpl(paths, options, &io_ok);
}

Result Ingest(const Options& options) { return IngestFiles(ResolveSources(options), options); }

Result IngestCached(const Options& options, const std::string& cache_path, CacheStatus* status) {
  CacheStatus local;
  CacheStatus& st = status ? *status : local;
  st = CacheStatus{};
  std::vector<std::string> files = ResolveSources(options);
  uint64_t salt = store::HashCombine(kIngestVersion, options.max_line_bytes);
  uint64_t fp = store::Fingerprint(files, salt);

  auto t0 = std::chrono::steady_clock::now();
  std::string meta;
  std::optional<store::EventStore> cached = store::LoadStore(cache_path, fp, &st.reason, &meta);
  if (cached) {
    Result r;
    std::vector<std::string> cached_files;
    if (DecodeMeta(meta, &r.stats, &cached_files) && cached_files == files) {
      r.store = std::move(*cached);
      r.files = std::move(files);
      st.hit = true;
      st.load_seconds = Seconds(t0);
      if (options.strict && r.stats.Bad() > 0) r.error = StrictError(r.stats);
      return r;
    }
    st.reason = "corrupt";
  }
  st.load_seconds = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  bool io_ok;
  Result r = IngestImpl(files, options, &io_ok);
  st.ingest_seconds = Seconds(t0);
  if (io_ok) {
    t0 = std::chrono::steady_clock::now();
    store::SaveStore(r.store, cache_path, fp, EncodeMeta(r.stats, r.files), &st.save_error);
    st.save_seconds = Seconds(t0);
  }
  return r;
}

}  // namespace aud::ingest
