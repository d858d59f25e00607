// Ingest: files -> lines -> LineParser -> StoreBuilder, with quarantine and
// statistics; IngestCached puts the store cache in front of it.

#include "runtime/ingest/ingest.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <new>
#include <set>
#include <thread>
#include <unordered_map>

#include "compiler/base/escape.h"
#include "compiler/base/file_write.h"
#include "runtime/ingest/line_parser.h"
#include "runtime/ingest/segment.h"
#include "runtime/store/builder.h"
#include "runtime/store/cache.h"
#include "runtime/store/hash.h"
#include "runtime/store/huge.h"

namespace aud::ingest {

namespace {

constexpr size_t kChunk = size_t{4} << 20;    // bytes read at a time
constexpr size_t kQuarantineText = 16 << 10;  // longest "text" kept in quarantine
constexpr uint64_t kIngestVersion = 4;        // bump when ingest rules change

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Why `fd` (opened from `path`) is not a readable source, or empty when it is
// one: sources are regular files outside /proc and /sys.
std::string NotASource(int fd, const std::string& shown) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return "cannot read `" + shown + "`: " + std::strerror(errno);
  if (S_ISDIR(st.st_mode))
    return "`" + shown + "` is a directory; a source names files: use a glob such as `" + shown +
           "/*.jsonl` in `[sources.*].path`";
  if (!S_ISREG(st.st_mode))
    return "`" + shown +
           "` is not a regular file (a device, FIFO or socket); only regular files are read as "
           "sources";
  struct statfs fs;
  if (::fstatfs(fd, &fs) == 0 && (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC))
    return "`" + shown + "` is a file of /proc or /sys; only regular files are read as sources";
  return "";
}

// The bytes of one source file: plain or gzip. Reads at most the size the
// file had when opened (a file that grows while read is read as it was).
class Reader {
 public:
  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  ~Reader() { Close(); }

  bool Open(const std::string& path, const std::string& shown, std::string* error) {
    gz_ = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    // O_NONBLOCK: opening a FIFO must not wait for a writer.
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd_ < 0) {
      *error = "cannot open `" + shown + "`: " + std::strerror(errno);
      return false;
    }
    std::string why = NotASource(fd_, shown);
    if (!why.empty()) {
      *error = why;
      Close();
      return false;
    }
    struct stat st;
    ::fstat(fd_, &st);
    left_ = static_cast<uint64_t>(st.st_size);
    opened_mtime_ = st.st_mtim;
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
    return StartGzip(shown, error);
  }

  // Reads `data` as the contents of a file (gzip when `gz`).
  bool OpenMemory(std::string_view data, bool gz, const std::string& shown, std::string* error) {
    gz_ = gz;
    memory_ = data;
    from_memory_ = true;
    left_ = data.size();
    return StartGzip(shown, error);
  }

  // The bytes the file holds (before decompression).
  uint64_t size() const { return size_; }

  // Whether the file was rewritten while read: it shrank, or its
  // modification time changed without it growing. A file that only grew
  // (appended to, like a log) is not: its first `size()` bytes, all that is
  // read, are what they were.
  bool RewrittenSinceOpen() const {
    if (from_memory_ || fd_ < 0) return false;
    struct stat st;
    if (::fstat(fd_, &st) != 0) return true;
    const uint64_t now = static_cast<uint64_t>(st.st_size);
    if (now != size_) return now < size_;
    return st.st_mtim.tv_sec != opened_mtime_.tv_sec || st.st_mtim.tv_nsec != opened_mtime_.tv_nsec;
  }

  // Sets up decompression for a `.gz` file (nothing for a plain one).
  bool StartGzip(const std::string& shown, std::string* error) {
    size_ = left_;
    if (gz_) {
      zs_ = std::make_unique<z_stream>();
      std::memset(zs_.get(), 0, sizeof(z_stream));
      if (inflateInit2(zs_.get(), 15 + 16) != Z_OK) {  // gzip only
        zs_.reset();
        *error = "cannot decompress `" + shown + "`: out of memory";
        Close();
        return false;
      }
      in_.reset(new char[kGzIn]);  // (not zeroed)
    }
    return true;
  }

  // Bytes read into p (0 at the end); -1 with `error` set on failure. A
  // truncated or corrupt gzip stream ends the data early: problem() says why.
  long Read(char* p, size_t n, const std::string& shown, std::string* error) {
    if (!gz_) return Raw(p, n, shown, error);
    if (done_) return 0;
    z_stream& zs = *zs_;
    zs.next_out = reinterpret_cast<Bytef*>(p);
    zs.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
    const uInt want = zs.avail_out;
    while (zs.avail_out > 0) {
      if (zs.avail_in == 0 && !eof_) {
        long r = Raw(in_.get(), kGzIn, shown, error);
        if (r < 0) return -1;
        if (r == 0) eof_ = true;
        zs.next_in = reinterpret_cast<Bytef*>(in_.get());
        zs.avail_in = static_cast<uInt>(r);
        continue;
      }
      if (member_end_) {
        if (zs.avail_in == 0) {  // the end: every member complete
          done_ = true;
          break;
        }
        inflateReset(&zs);  // another gzip member follows
        member_end_ = false;
      }
      if (zs.avail_in == 0) {  // eof_ inside a member
        problem_ = started_ ? "unexpected end of the gzip stream" : "empty file, not gzip";
        done_ = true;
        break;
      }
      started_ = true;
      int ret = inflate(&zs, Z_NO_FLUSH);
      if (ret == Z_STREAM_END) {
        member_end_ = true;
      } else if (ret != Z_OK && !(ret == Z_BUF_ERROR && zs.avail_in == 0)) {
        problem_ = std::string("corrupt gzip data (") + (zs.msg ? zs.msg : "zlib error") + ")";
        done_ = true;
        break;
      }
    }
    return static_cast<long>(want - zs.avail_out);
  }

  // Non-empty when a gzip stream was truncated or corrupt.
  const std::string& problem() const { return problem_; }

  // Bytes of the file consumed so far (of the compressed file for gzip).
  uint64_t Offset() const { return size_ - left_; }

  void Close() {
    if (zs_) inflateEnd(zs_.get());
    zs_.reset();
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  static constexpr size_t kGzIn = size_t{1} << 20;

  long Raw(char* p, size_t n, const std::string& shown, std::string* error) {
    n = static_cast<size_t>(std::min<uint64_t>(n, left_));
    if (n == 0) return 0;
    if (from_memory_) {
      std::memcpy(p, memory_.data() + (memory_.size() - left_), n);
      left_ -= n;
      return static_cast<long>(n);
    }
    while (true) {
      ssize_t r = ::read(fd_, p, n);
      if (r >= 0) {
        left_ -= static_cast<uint64_t>(r);
        if (r == 0) left_ = 0;  // shrank while read
        return static_cast<long>(r);
      }
      if (errno == EINTR) continue;
      *error = "cannot read `" + shown + "`: " + std::strerror(errno);
      return -1;
    }
  }

  bool gz_ = false;
  int fd_ = -1;
  uint64_t left_ = 0, size_ = 0;
  struct timespec opened_mtime_ {};
  bool from_memory_ = false;
  std::string_view memory_;
  std::unique_ptr<z_stream> zs_;
  std::unique_ptr<char[]> in_;  // compressed bytes
  bool eof_ = false, member_end_ = false, started_ = false, done_ = false;
  std::string problem_;
};

// Appends `s` to `out` as the contents of a JSON string, written by the one
// JSON string writer (compiler/base/escape.h): invalid UTF-8 becomes U+FFFD,
// so the quarantine file stays valid JSON.
void AppendJsonString(std::string_view s, std::string* out) {
  const std::string quoted = base::JsonString(s);
  out->append(quoted, 1, quoted.size() - 2);
}

// Writes bad lines to quarantine_dir/<name>.jsonl, one file per source file
// (the file name, or its project-relative path with `/` as `__` when two
// sources share a name). Each file is written to a temp file of its own and
// renamed when the source is done, so a file is complete and written once
// even when two runs ingest at the same time; a source without bad lines
// has none, and files of sources that are gone are removed.
class Quarantine {
 public:
  Quarantine(std::string dir, const std::vector<std::string>& sources,
             const std::vector<std::string>& shown)
      : dir_(std::move(dir)) {
    std::map<std::string, int> count;
    for (const std::string& src : sources) ++count[std::filesystem::path(src).filename().string()];
    for (size_t i = 0; i < sources.size(); ++i) {
      std::string base = std::filesystem::path(sources[i]).filename().string();
      std::string name = base;
      if (count[base] > 1) {
        name.clear();
        for (char c : shown[i]) {
          if (c == '/') {
            if (!name.empty()) name += "__";
          } else {
            name.push_back(c);
          }
        }
      }
      names_[sources[i]] = name + ".jsonl";
    }
  }
  ~Quarantine() { Discard(); }
  Quarantine(const Quarantine&) = delete;
  Quarantine& operator=(const Quarantine&) = delete;

  static constexpr const char* kTempPrefix = ".q-";

  void Add(const std::string& source, const std::string& shown, uint64_t line, BadLine reason,
           std::string_view text, std::string_view error = {}, bool truncated = false) {
    if (dir_.empty()) return;
    if (!f_) {
      if (failed_) return;  // best effort: the counts are still reported
      std::error_code ec;
      std::filesystem::create_directories(dir_, ec);
      std::string tmpl =
          dir_ + "/" + kTempPrefix + names_[source] + "." + base::TempOwnerTag() + ".XXXXXX";
      int fd = ::mkostemp(tmpl.data(), O_CLOEXEC);
      if (fd < 0 || !(f_ = ::fdopen(fd, "wb"))) {
        if (fd >= 0) ::close(fd);
        failed_ = true;
        return;
      }
      temp_ = tmpl;
    }
    buf_.clear();
    buf_.append("{\"file\":\"");
    AppendJsonString(shown, &buf_);
    buf_.append("\",\"line\":");
    buf_.append(std::to_string(line));
    buf_.append(",\"reason\":\"");
    buf_.append(BadLineName(reason));
    if (!error.empty()) {
      buf_.append("\",\"error\":\"");
      AppendJsonString(error, &buf_);
    }
    buf_.append("\",\"text\":\"");
    bool cut = truncated || text.size() > kQuarantineText;
    AppendJsonString(text.substr(0, kQuarantineText), &buf_);
    buf_.append(cut ? "\",\"truncated\":true}\n" : "\"}\n");
    if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) failed_ = true;
  }

  // The source is done: its quarantine file becomes what was written for it
  // (or goes away when nothing was).
  void EndFile(const std::string& source) {
    if (dir_.empty()) return;
    const std::string final_path = dir_ + "/" + names_[source];
    if (f_) {
      bool ok = std::fflush(f_) == 0 && !failed_;
      std::fclose(f_);
      f_ = nullptr;
      if (!ok || ::rename(temp_.c_str(), final_path.c_str()) != 0) ::unlink(temp_.c_str());
      temp_.clear();
    } else {
      ::unlink(final_path.c_str());
    }
    failed_ = false;
  }

  // Removes the files of sources that are no longer sources, and temp files
  // left by runs that ended abnormally (TempIsStale: their process is gone,
  // or older than an hour). A temp file is `.q-<name>.<owner tag>.XXXXXX`.
  void RemoveStale() {
    if (dir_.empty()) return;
    std::set<std::string> keep;
    for (const auto& [src, name] : names_) keep.insert(name);
    DIR* d = ::opendir(dir_.c_str());
    if (!d) return;
    const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      std::string path = dir_ + "/" + name;
      struct stat st;
      if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      bool temp = name.rfind(kTempPrefix, 0) == 0;
      bool ours = name.size() > 6 && name.compare(name.size() - 6, 6, ".jsonl") == 0;
      std::string_view tag;
      if (temp) {
        const size_t last = name.rfind('.');
        const size_t prev =
            last == std::string::npos || last == 0 ? std::string::npos : name.rfind('.', last - 1);
        if (prev != std::string::npos)
          tag = std::string_view(name).substr(prev + 1, last - prev - 1);
      }
      if ((temp && base::TempIsStale(tag, st.st_mtime, now)) ||
          (!temp && ours && !keep.count(name)))
        ::unlink(path.c_str());
    }
    ::closedir(d);
  }

 private:
  void Discard() {
    if (f_) {
      std::fclose(f_);
      ::unlink(temp_.c_str());
      f_ = nullptr;
    }
  }

  std::string dir_;
  std::map<std::string, std::string> names_;  // source path -> quarantine file name
  std::string buf_;
  FILE* f_ = nullptr;  // the current source's temp file
  std::string temp_;
  bool failed_ = false;
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

  // Frees every id (the table is not needed once every file is merged).
  void Clear() {
    Free(slots_, cap_);
    slots_ = nullptr;
    cap_ = 0;
    std::vector<uint64_t>().swap(offsets_);
    std::string().swap(arena_);
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

// The outcome of parsing one batch of lines (line numbers relative to it).
struct BatchOut {
  std::string records;
  uint64_t count = 0;
  uint64_t total_lines = 0, lines = 0, blank = 0;
  std::vector<BadEntry> bad;
};

BadEntry MakeBad(uint64_t line, BadLine reason, std::string_view text,
                 std::string_view error = {}) {
  BadEntry e;
  e.line = line;
  e.reason = reason;
  e.truncated = text.size() > kQuarantineText;
  e.text = std::string(text.substr(0, kQuarantineText));
  e.error = std::string(error);
  return e;
}

// Parses the lines of `data[0, len)` (`cap` bytes readable, padding
// included); a last piece without a newline is a line when non-empty. Pure:
// no state shared with other batches, so batches parse in parallel.
void ParseBatch(const char* data, size_t len, size_t cap, size_t max_line_bytes, LineParser* parser,
                ParsedLine* line, BatchOut* out) {
  size_t pos = 0;
  while (pos < len) {
    const char* nl = static_cast<const char*>(std::memchr(data + pos, '\n', len - pos));
    const size_t end = nl ? static_cast<size_t>(nl - data) : len;
    const char* p = data + pos;
    size_t n = end - pos;
    const uint64_t rel = ++out->total_lines;
    const size_t capacity = cap - pos;
    pos = end + 1;
    if (n > 0 && p[n - 1] == '\r') --n;
    size_t k = 0;
    while (k < n && (p[k] == ' ' || p[k] == '\t' || p[k] == '\r')) ++k;
    if (k == n) {
      ++out->blank;
      continue;
    }
    ++out->lines;
    if (n > max_line_bytes) {
      out->bad.push_back(MakeBad(rel, BadLine::LineTooLong, std::string_view(p, n)));
      continue;
    }
    BadLine reason;
    if (!parser->Parse(p, n, capacity, line, &reason)) {
      out->bad.push_back(MakeBad(rel, reason, std::string_view(p, n)));
      continue;
    }
    EncodeRecord(*line, static_cast<uint32_t>(rel), &out->records);
    ++out->count;
  }
}

// Progress over the files of one run.
struct ParseProgress {
  uint64_t done = 0;   // bytes on disk of the files finished (or reused)
  uint64_t total = 0;  // bytes on disk of every file
  uint64_t lines = 0;  // lines parsed
  // The shown names of the files rewritten while they were read.
  std::vector<std::string> changed;
};

// The number of parse threads: Options::threads, else `AUD_THREADS`, else
// the hardware's; 0 when `AUD_THREADS` is not a number from 1 to 256.
unsigned Threads(const Options& o) {
  if (o.threads > 0) return std::min(o.threads, 256u);
  if (const char* e = std::getenv("AUD_THREADS"); e && *e) {
    char* end = nullptr;
    errno = 0;
    unsigned long v = std::strtoul(e, &end, 10);
    if (errno != 0 || *end != '\0' || v < 1 || v > 256 || e[0] == '-' || e[0] == '+') return 0;
    return static_cast<unsigned>(v);
  }
  unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : std::min(h, 64u);
}

std::string ThreadsError() {
  const char* e = std::getenv("AUD_THREADS");
  return "invalid `AUD_THREADS` value `" + std::string(e ? e : "") +
         "`: a number of ingest threads from 1 to 256; unset it to use every core";
}

// The line parsers of a run: one per parse thread, made on first use and
// reused across files.
class Parsers {
 public:
  Parsers(unsigned threads, const Options& o) : o_(o), parsers_(threads), lines_(threads) {}
  unsigned threads() const { return static_cast<unsigned>(parsers_.size()); }
  LineParser* Parser(unsigned i) {
    if (!parsers_[i]) {
      parsers_[i] = std::make_unique<LineParser>();
      parsers_[i]->SetContextPaths(o_.context_paths);
    }
    return parsers_[i].get();
  }
  ParsedLine* Line(unsigned i) { return &lines_[i]; }

 private:
  const Options& o_;
  std::vector<std::unique_ptr<LineParser>> parsers_;
  std::vector<ParsedLine> lines_;
};

// Parses one source file into the segment `w` over `threads` threads: the
// file is cut at line boundaries into batches of about 4 MiB, parsed in
// parallel and written in file order, so the segment does not depend on the
// thread count. False with `error` when the file cannot be read.
bool ParseFile(const std::string& path, const std::string& shown, const std::string_view* memory,
               const Options& o, Parsers* parsers, ParseProgress* prog, SegmentWriter* w,
               FileSummary* sum, std::string* error) {
  const unsigned threads = parsers->threads();
  Reader reader;
  const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
  if (!(memory ? reader.OpenMemory(*memory, gz, shown, error) : reader.Open(path, shown, error)))
    return false;
  // A batch of 4 MiB, less for a small plain file, always room for a line
  // of max_line_bytes.
  const uint64_t chunk = o.batch_bytes ? o.batch_bytes : kChunk;
  const uint64_t hint = gz ? chunk : std::min<uint64_t>(chunk, reader.size() + 1);
  size_t cap = std::max(static_cast<size_t>(hint), o.max_line_bytes + 1);

  enum Kind : uint8_t { kLines, kTooLong, kGzip };
  struct Job {
    std::vector<char> buf;
    size_t len = 0;
    Kind kind = kLines;
    std::string text, problem;
    BatchOut out;
    std::thread thread;
  };
  std::deque<std::unique_ptr<Job>> inflight;
  uint64_t seq = 0;
  bool eof = false, skipping = false;
  bool write_ok = true;
  auto retire = [&] {
    Job& j = *inflight.front();
    if (j.thread.joinable()) j.thread.join();
    const uint64_t base = sum->total_lines;
    if (j.kind == kGzip) {
      sum->gzip_problem = j.problem;
      sum->gzip_after_line = base;
    }
    if (j.out.count > 0) write_ok = w->Block(base, j.out.count, j.out.records) && write_ok;
    for (BadEntry& e : j.out.bad) {
      e.line += base;
      sum->bad.push_back(std::move(e));
    }
    sum->total_lines += j.out.total_lines;
    sum->lines += j.out.lines;
    sum->blank_lines += j.out.blank;
    prog->lines += j.out.lines;
    inflight.pop_front();
  };
  auto submit = [&](std::unique_ptr<Job> j) {
    while (inflight.size() >= threads) retire();
    Job* jp = j.get();
    LineParser* parser = parsers->Parser(static_cast<unsigned>(seq % threads));
    ParsedLine* line = parsers->Line(static_cast<unsigned>(seq % threads));
    ++seq;
    auto work = [jp, parser, line, max = o.max_line_bytes] {
      if (jp->kind == kLines) {
        ParseBatch(jp->buf.data(), jp->len, jp->buf.size(), max, parser, line, &jp->out);
        return;
      }
      jp->out.total_lines = jp->out.lines = 1;
      jp->out.bad.push_back(
          MakeBad(1, jp->kind == kTooLong ? BadLine::LineTooLong : BadLine::TruncatedGzip, jp->text,
                  jp->problem));
    };
    // The last batch with none in flight (e.g. a small file) is parsed here.
    if (threads > 1 && jp->kind == kLines && !(eof && inflight.empty())) {
      jp->thread = std::thread(work);
    } else {
      work();
    }
    inflight.push_back(std::move(j));
  };
  auto fresh = [&] {
    auto j = std::make_unique<Job>();
    store::ReserveHuge(j->buf, cap + kParsePadding);
    j->buf.resize(cap + kParsePadding);
    return j;
  };
  auto special = [&](Kind kind, std::string_view text, std::string problem) {
    auto j = std::make_unique<Job>();
    j->kind = kind;
    j->text = std::string(text.substr(0, kQuarantineText + 1));
    j->problem = std::move(problem);
    submit(std::move(j));
  };
  auto drain = [&] {
    while (!inflight.empty()) retire();
  };

  std::unique_ptr<Job> cur = fresh();
  size_t len = 0;
  skipping = false;
  while (true) {
    while (!eof && len < cap) {
      long r = reader.Read(cur->buf.data() + len, cap - len, shown, error);
      if (r < 0) {
        drain();
        return false;
      }
      if (r == 0) eof = true;
      len += static_cast<size_t>(r);
      sum->bytes += static_cast<uint64_t>(r);
      if (o.progress) o.progress(prog->done + reader.Offset(), prog->total, prog->lines);
    }
    if (skipping) {
      // The rest of an over-long line ends at the next newline.
      const char* nl = static_cast<const char*>(std::memchr(cur->buf.data(), '\n', len));
      if (nl) {
        const size_t drop = static_cast<size_t>(nl - cur->buf.data()) + 1;
        std::memmove(cur->buf.data(), cur->buf.data() + drop, len - drop);
        len -= drop;
        skipping = false;
      } else {
        len = 0;
        if (!eof) continue;
      }
    }
    if (eof) {
      size_t complete = len;
      if (!reader.problem().empty()) {
        // A truncated or corrupt gzip stream: the complete lines before it
        // are kept; the file gets one bad line for the rest (with the cut
        // last line, if any, as its text).
        const char* last = static_cast<const char*>(memrchr(cur->buf.data(), '\n', len));
        complete = last ? static_cast<size_t>(last - cur->buf.data()) + 1 : 0;
        std::string rest(cur->buf.data() + complete, len - complete);
        cur->len = complete;
        if (complete > 0) submit(std::move(cur));
        special(kGzip, rest, reader.problem());
      } else if (len > 0) {
        cur->len = len;  // (the last line may lack its newline)
        submit(std::move(cur));
      }
      break;
    }
    const char* last = static_cast<const char*>(memrchr(cur->buf.data(), '\n', len));
    if (last) {
      const size_t complete = static_cast<size_t>(last - cur->buf.data()) + 1;
      std::unique_ptr<Job> next = fresh();
      std::memcpy(next->buf.data(), cur->buf.data() + complete, len - complete);
      cur->len = complete;
      submit(std::move(cur));
      cur = std::move(next);
      len -= complete;
    } else if (len > o.max_line_bytes) {
      // Over the limit and still no newline: report it now, skip the rest.
      special(kTooLong, std::string_view(cur->buf.data(), len), "");
      skipping = true;
      len = 0;
    } else {
      cap *= 2;
      cur->buf.resize(cap + kParsePadding);
    }
  }
  drain();
  prog->done += reader.Offset();
  // What was read is the file up to its size when opened; a file rewritten
  // during the read is reported, and the caller does not cache it.
  if (reader.RewrittenSinceOpen()) prog->changed.push_back(shown);
  // The file's figures, every line counted.
  if (o.progress) o.progress(prog->done, prog->total, prog->lines);
  if (!write_ok) {
    *error = "cannot write the segment of `" + shown + "`";
    return false;
  }
  return true;
}

// Replays segments, in file order, into one StoreBuilder: the global rules
// (event-type and property-name limits, messageId deduplication: the first
// occurrence in file, then line order wins) apply here, so the store is the
// one a single pass over every file gives.
class Merger {
 public:
  Merger(const Options& o, Stats* stats, std::vector<FileStats>* per_file,
         const std::vector<std::string>& paths, const std::vector<std::string>& shown)
      : stats_(stats), per_file_(per_file), quarantine_(o.quarantine_dir, paths, shown) {}

  // Sizes the tables for about `bytes` of input.
  void Reserve(uint64_t bytes) {
    size_t lines = static_cast<size_t>(bytes / 320);
    builder_.Reserve(lines);
    message_ids_.Reserve(lines);
  }

  // Merges the segment of `path`; `map` (may be null) holds its bytes.
  // False with `error` when a record is malformed.
  bool File(const std::string& path, const std::string& shown, const SegmentView& seg, bool parsed,
            MappedFile* map, std::string* error) {
    const FileSummary& s = seg.summary;
    FileStats fs;
    fs.file = shown;
    fs.lines = s.lines;
    fs.parsed = parsed;
    fs.quarantined = s.bad.size();
    stats_->lines += s.lines;
    stats_->blank_lines += s.blank_lines;
    stats_->bytes += s.bytes;
    for (const BadEntry& e : s.bad) ++stats_->bad[BadLineName(e.reason)];
    if (!s.gzip_problem.empty())
      stats_->truncated_gzip.push_back("`" + shown + "`: " + s.gzip_problem + " after line " +
                                       std::to_string(s.gzip_after_line));
    merge_bad_.clear();
    const char* p = seg.blocks;
    const char* end = seg.blocks + seg.blocks_size;
    Block b;
    while (p < end) {
      if (!NextBlock(&p, end, &b)) return Corrupt(shown, error);
      const char* r = b.begin;
      for (uint64_t i = 0; i < b.count; ++i) {
        if (!DecodeRecord(&r, b.end, &rec_)) return Corrupt(shown, error);
        Apply(base_ + b.first_line + rec_.line, b.first_line + rec_.line, &fs);
      }
      if (r != b.end) return Corrupt(shown, error);
      if (map) map->Release(b.end);
    }
    // The quarantine: parse-time and merge-time entries, in line order.
    size_t i = 0, j = 0;
    while (i < s.bad.size() || j < merge_bad_.size()) {
      const bool take_parse =
          j == merge_bad_.size() || (i < s.bad.size() && s.bad[i].line <= merge_bad_[j].line);
      const BadEntry& e = take_parse ? s.bad[i++] : merge_bad_[j++];
      quarantine_.Add(path, shown, e.line, e.reason, e.text, e.error, e.truncated);
    }
    quarantine_.EndFile(path);
    base_ += s.total_lines;
    per_file_->push_back(std::move(fs));
    return true;
  }

  Quarantine& quarantine() { return quarantine_; }

  store::EventStore Finish() {
    auto t0 = std::chrono::steady_clock::now();
    // The messageId table goes before the layout, the cold run's peak.
    message_ids_.Clear();
    store::EventStore s = builder_.Finish();
    stats_->build_seconds = Seconds(t0);
    for (const store::EventType& t : s.types) stats_->event_types[t.key] = t.rows;
    return s;
  }

 private:
  bool Corrupt(const std::string& shown, std::string* error) {
    *error = "the cached segment of `" + shown +
             "` is malformed; remove the folder `.aud/cache` and run again";
    return false;
  }

  void MergeBad(uint64_t line, BadLine reason, FileStats* fs) {
    ++stats_->bad[BadLineName(reason)];
    ++fs->quarantined;
    BadEntry e;
    e.line = line;
    e.reason = reason;
    e.error = "over the limit once every file is merged (the text is in the source file)";
    merge_bad_.push_back(std::move(e));
  }

  void Apply(uint64_t order, uint64_t line, FileStats* fs) {
    const Record& l = rec_;
    uint16_t type = 0;
    switch (l.call) {
      case Call::Track:
        if (!builder_.TrackType(l.event, &type))
          return MergeBad(line, BadLine::TooManyEventTypes, fs);
        break;
      case Call::Page:
      case Call::Screen: {
        int& cached = l.call == Call::Page ? page_type_ : screen_type_;
        if (cached < 0 && builder_.TypeIndex(l.call == Call::Page ? "page" : "screen", &type))
          cached = type;
        if (cached < 0) return MergeBad(line, BadLine::TooManyEventTypes, fs);
        type = static_cast<uint16_t>(cached);
        break;
      }
      default: break;
    }
    // (The declared context leaves at the end are outside the name limit.)
    const bool is_event = l.call == Call::Track || l.call == Call::Page || l.call == Call::Screen;
    if (is_event &&
        !builder_.FitsProperties(type, l.values.data(), l.values.size() - l.num_context))
      return MergeBad(line, BadLine::TooManyPropertyNames, fs);
    if (!l.message_id.empty() && !message_ids_.Insert(l.message_id, l.message_id_hash)) {
      ++stats_->duplicates;
      ++fs->duplicates;
      return;
    }
    ++fs->accepted;
    stats_->nested_values += l.nested;
    switch (l.call) {
      case Call::Track:
      case Call::Page:
      case Call::Screen:
        ++stats_->events;
        builder_.AddEvent(type, l.ts, order, l.user_id, l.anonymous_id, l.values.data(),
                          l.values.size());
        break;
      case Call::Identify:
        ++stats_->identifies;
        builder_.AddIdentify(l.ts, order, l.user_id, l.anonymous_id, l.values.data(),
                             l.values.size());
        break;
      case Call::Alias:
        ++stats_->aliases;
        builder_.AddAlias(l.ts, order, l.previous_id, l.user_id, l.anonymous_id);
        break;
      case Call::Group:
        ++stats_->groups;
        builder_.AddGroup(l.ts, order, l.user_id, l.anonymous_id, l.group_id, l.values.data(),
                          l.values.size());
        break;
    }
  }

  Stats* stats_;
  std::vector<FileStats>* per_file_;
  Quarantine quarantine_;
  store::StoreBuilder builder_;
  MessageIds message_ids_;
  Record rec_;
  std::vector<BadEntry> merge_bad_;
  uint64_t base_ = 0;  // lines of the files merged before (input order)
  int page_type_ = -1, screen_type_ = -1;
};

std::string StrictError(const Stats& s, const std::string& quarantine_dir) {
  std::string e =
      std::to_string(s.Bad()) + " bad input line" + (s.Bad() == 1 ? "" : "s") + " with --strict:";
  bool first = true;
  for (const auto& [reason, n] : s.bad) {
    e += (first ? " " : ", ") + reason + " " + std::to_string(n);
    first = false;
  }
  for (const std::string& t : s.truncated_gzip) e += "; truncated or corrupt gzip file " + t;
  e += " (the lines are in " +
       (quarantine_dir.empty() ? std::string("the quarantine") : "`" + quarantine_dir + "`") +
       "); fix or remove them, or run without --strict to skip them";
  return e;
}

// What a run warns about even without --strict.
std::vector<std::string> Warnings(const Stats& s) {
  std::vector<std::string> w;
  for (const std::string& t : s.truncated_gzip)
    w.push_back("truncated or corrupt gzip file " + t +
                ": the lines before it were read, the rest of the file is lost (quarantined as "
                "`truncated-gzip`); re-export the file or remove it from the sources");
  return w;
}

// The warning for each file that changed while it was read.
void AddChangedWarnings(const ParseProgress& prog, std::vector<std::string>* warnings) {
  for (const std::string& shown : prog.changed)
    warnings->push_back("`" + shown +
                        "` changed while it was read: the lines it held when it was opened were "
                        "read; run again to read it as it is now");
}

// Statistics and the file list, cached beside the store.
std::string EncodeMeta(const Stats& s, const std::vector<std::string>& files,
                       const std::vector<FileStats>& per_file) {
  std::string out;
  auto u64 = [&](uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); };
  auto str = [&](const std::string& v) {
    u64(v.size());
    out.append(v);
  };
  for (uint64_t v : {s.lines, s.events, s.identifies, s.aliases, s.groups, s.duplicates, s.bytes,
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
  u64(s.truncated_gzip.size());
  for (const std::string& t : s.truncated_gzip) str(t);
  u64(per_file.size());
  for (const FileStats& f : per_file) {
    str(f.file);
    for (uint64_t v : {f.lines, f.accepted, f.quarantined, f.duplicates}) u64(v);
  }
  return out;
}

bool DecodeMeta(std::string_view in, Stats* s, std::vector<std::string>* files,
                std::vector<FileStats>* per_file) {
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
  for (uint64_t* v : {&s->lines, &s->events, &s->identifies, &s->aliases, &s->groups,
                      &s->duplicates, &s->bytes, &s->blank_lines, &s->nested_values, &s->files}) {
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
  n = u64();
  for (uint64_t i = 0; ok && i < n; ++i) s->truncated_gzip.push_back(str());
  n = u64();
  for (uint64_t i = 0; ok && i < n && i <= files->size(); ++i) {
    FileStats f;
    f.file = str();
    for (uint64_t* v : {&f.lines, &f.accepted, &f.quarantined, &f.duplicates}) *v = u64();
    per_file->push_back(std::move(f));
  }
  return ok && pos == in.size() && per_file->size() == files->size();
}

// The bytes a run reads (for Reserve; compressed JSON lines shrink about 8x)
// and their size on disk (for progress).
void InputSizes(const std::vector<std::string>& paths, uint64_t* bytes, uint64_t* on_disk) {
  *bytes = *on_disk = 0;
  for (const std::string& p : paths) {
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      *bytes += static_cast<uint64_t>(st.st_size) *
                (p.size() > 3 && p.compare(p.size() - 3, 3, ".gz") == 0 ? 8 : 1);
      *on_disk += static_cast<uint64_t>(st.st_size);
    }
  }
}

// Parses `path` into a segment in memory and merges it.
bool ParseAndMerge(const std::string& path, const std::string& shown,
                   const std::string_view* memory, const Options& options, Parsers* parsers,
                   ParseProgress* prog, Merger* merger, std::string* error) {
  SegmentWriter w;
  w.OpenMemory();
  FileSummary sum;
  if (!ParseFile(path, shown, memory, options, parsers, prog, &w, &sum, error)) return false;
  if (!w.Finish(sum, 0, error)) return false;
  SegmentView view;
  std::string why;
  if (!OpenSegment(w.memory().data(), w.memory().size(), 0, &view, &why)) {
    *error = "the segment of `" + shown + "` did not read back (" + why + ")";
    return false;
  }
  return merger->File(path, shown, view, true, nullptr, error);
}

// `memory`: the contents of the only path, read from memory.
Result IngestImpl(const std::vector<std::string>& paths, const Options& options, bool* io_ok,
                  const std::string_view* memory = nullptr) {
  auto t0 = std::chrono::steady_clock::now();
  Result r;
  r.files = paths;
  r.stats.files = paths.size();
  *io_ok = true;
  const unsigned threads = Threads(options);
  if (threads == 0) {
    *io_ok = false;
    r.error = ThreadsError();
    return r;
  }
  ParseProgress prog;
  {
    std::vector<std::string> shown;
    for (const std::string& p : paths) shown.push_back(Shown(p, options.project_dir));
    Merger merger(options, &r.stats, &r.file_stats, paths, shown);
    Parsers parsers(threads, options);
    uint64_t bytes = 0;
    InputSizes(paths, &bytes, &prog.total);
    if (memory) bytes = memory->size();
    merger.Reserve(bytes);
    for (size_t i = 0; i < paths.size(); ++i) {
      if (!ParseAndMerge(paths[i], shown[i], memory, options, &parsers, &prog, &merger, &r.error)) {
        *io_ok = false;
        break;
      }
    }
    if (*io_ok) merger.quarantine().RemoveStale();
    r.stats.parse_seconds = Seconds(t0);
    r.store = merger.Finish();
  }
  r.warnings = Warnings(r.stats);
  AddChangedWarnings(prog, &r.warnings);
  if (*io_ok && options.strict && r.stats.Bad() > 0)
    r.error = StrictError(r.stats, Shown(options.quarantine_dir, options.project_dir));
  return r;
}

std::string Hex(uint64_t v) {
  char b[17];
  std::snprintf(b, sizeof b, "%016llx", static_cast<unsigned long long>(v));
  return b;
}

// Writes `text` to `path` atomically (temp file, fsync, rename; mode 0600).
bool WriteFileAtomically(const std::string& path, const std::string& text, std::string* error) {
  const std::string tmp = path + ".tmp." + base::TempOwnerTag();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    *error = "cannot create `" + tmp + "`: " + std::strerror(errno);
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "cannot write `" + path + "`: " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

// Removes segment files no current source uses and temp files left by runs
// that were killed (`<segment>.tmp.<owner tag>`, TempIsStale); the number of
// segments removed.
uint64_t CollectSegments(const std::string& dir, const std::set<std::string>& keep) {
  uint64_t removed = 0;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return 0;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const size_t tmp = name.find(".tmp.");
    const bool temp = tmp != std::string::npos;
    const bool seg = !temp && name.size() > 4 && name.compare(name.size() - 4, 4, ".seg") == 0;
    if (temp && base::TempIsStale(std::string_view(name).substr(tmp + 5), st.st_mtime, now)) {
      ::unlink(path.c_str());
    } else if (seg && !keep.count(name)) {
      if (::unlink(path.c_str()) == 0) ++removed;
    }
  }
  ::closedir(d);
  return removed;
}

// Removes the temp files of the merged store (`<cache>.tmp.<owner tag>`)
// that a killed run left beside it.
void CollectStoreTemps(const std::string& cache_path) {
  const std::filesystem::path path(cache_path);
  const std::string dir = path.parent_path().empty() ? "." : path.parent_path().string();
  const std::string prefix = path.filename().string() + ".tmp.";
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  while (struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind(prefix, 0) != 0) continue;
    const std::string file = dir + "/" + name;
    struct stat st;
    if (::lstat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
        base::TempIsStale(std::string_view(name).substr(prefix.size()), st.st_mtime, now))
      ::unlink(file.c_str());
  }
  ::closedir(d);
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
    case BadLine::TooManyPropertyNames: return "too-many-property-names";
    case BadLine::TruncatedGzip: return "truncated-gzip";
  }
  return "unknown";
}

uint64_t Stats::Bad() const {
  uint64_t n = 0;
  for (const auto& [reason, count] : bad) n += count;
  return n;
}

std::vector<std::string> ResolveSources(const Options& options, std::string* error) {
  std::vector<std::string> files;
  std::string project_real;
  {
    char* rp = ::realpath(options.project_dir.empty() ? "." : options.project_dir.c_str(), nullptr);
    if (rp) {
      project_real = rp;
      std::free(rp);
    }
  }
  for (size_t gi = 0; gi < options.globs.size(); ++gi) {
    const std::string& g = options.globs[gi];
    const std::string source = gi < options.names.size() && !options.names[gi].empty()
                                   ? "source `" + options.names[gi] + "`"
                                   : "source path `" + g + "`";
    const bool relative = g.empty() || g[0] != '/';
    std::string pattern = g;
    if (relative && !options.project_dir.empty()) {
      pattern = options.project_dir + (options.project_dir.back() == '/' ? "" : "/") + g;
    }
    glob_t gl{};
    if (::glob(pattern.c_str(), 0, nullptr, &gl) == 0) {
      for (size_t i = 0; i < gl.gl_pathc; ++i) {
        const std::string path = gl.gl_pathv[i];
        const std::string shown = Shown(path, options.project_dir);
        std::string why;
        struct stat st;
        if (::stat(path.c_str(), &st) != 0) {
          why = "cannot read `" + shown + "`: " + std::strerror(errno);
        } else if (S_ISDIR(st.st_mode)) {
          why = "`" + shown + "` is a directory; a source names files: use a glob such as `" +
                (relative ? g : shown) + "/*.jsonl`";
        } else if (!S_ISREG(st.st_mode)) {
          why = "`" + shown +
                "` is not a regular file (a device, FIFO or socket); only regular files are "
                "read as sources";
        } else {
          struct statfs fs;
          if (::statfs(path.c_str(), &fs) == 0 &&
              (fs.f_type == PROC_SUPER_MAGIC || fs.f_type == SYSFS_MAGIC))
            why = "`" + shown +
                  "` is a file of /proc or /sys; only regular files are read as sources";
        }
        if (why.empty() && relative && !project_real.empty()) {
          // A relative path stays inside the project, symlinks resolved.
          char* rp = ::realpath(path.c_str(), nullptr);
          std::string real = rp ? rp : "";
          std::free(rp);
          if (real.empty() || real.compare(0, project_real.size() + 1, project_real + "/") != 0)
            why = "`" + shown + "` resolves to `" + real +
                  "`, outside the project; a source outside the project must be written as an "
                  "absolute path in `[sources.*].path`";
        }
        if (why.empty()) {
          files.push_back(path);
        } else if (error && error->empty()) {
          *error = source + ": " + why;
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

Result IngestBuffer(std::string_view data, const std::string& name, const Options& options) {
  bool io_ok;
  return IngestImpl({name}, options, &io_ok, &data);
}

Result Ingest(const Options& options) {
  std::string error;
  std::vector<std::string> files = ResolveSources(options, &error);
  if (!error.empty()) {
    Result r;
    r.error = error;
    return r;
  }
  return IngestFiles(files, options);
}

std::string SegmentDir(const std::string& cache_path) { return cache_path + ".segments"; }

Result IngestCached(const Options& options, const std::string& cache_path, CacheStatus* status) {
  CacheStatus local;
  CacheStatus& st = status ? *status : local;
  st = CacheStatus{};
  std::string resolve_error;
  std::vector<std::string> files = ResolveSources(options, &resolve_error);
  if (!resolve_error.empty()) {
    Result r;
    r.error = resolve_error;
    return r;
  }
  const unsigned threads = Threads(options);
  if (threads == 0) {
    Result r;
    r.error = ThreadsError();
    return r;
  }
  uint64_t salt = store::HashCombine(kIngestVersion, options.max_line_bytes);
  salt = store::HashCombine(salt, kSegmentFormatVersion);
  // The declared context paths decide which context leaves the store holds.
  for (const std::string& p : options.context_paths)
    salt = store::HashCombine(salt, store::Hash64(p));
  // Each file's own fingerprint keys its segment; the store's combines them.
  std::vector<uint64_t> keys;
  uint64_t fp = store::HashCombine(salt, files.size());
  for (const std::string& f : files) {
    keys.push_back(store::Fingerprint({f}, salt));
    fp = store::HashCombine(fp, keys.back());
  }

  auto t0 = std::chrono::steady_clock::now();
  std::string meta;
  std::optional<store::EventStore> cached = store::LoadStore(cache_path, fp, &st.reason, &meta);
  if (cached) {
    Result r;
    std::vector<std::string> cached_files;
    if (DecodeMeta(meta, &r.stats, &cached_files, &r.file_stats) && cached_files == files) {
      r.store = std::move(*cached);
      r.files = std::move(files);
      st.hit = true;
      st.files_reused = r.files.size();
      st.load_seconds = Seconds(t0);
      r.warnings = Warnings(r.stats);
      if (options.strict && r.stats.Bad() > 0)
        r.error = StrictError(r.stats, Shown(options.quarantine_dir, options.project_dir));
      return r;
    }
    st.reason = "corrupt";
  }
  st.load_seconds = Seconds(t0);

  t0 = std::chrono::steady_clock::now();
  Result r;
  r.files = files;
  r.stats.files = files.size();
  const std::string dir = SegmentDir(cache_path);
  {
    std::error_code ec;
    std::filesystem::path parent = std::filesystem::path(cache_path).parent_path();
    if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
      std::filesystem::create_directories(parent, ec);
      ::chmod(parent.c_str(), 0700);  // the events are the users' data
    }
    ::mkdir(dir.c_str(), 0700);
  }
  bool io_ok = true;
  std::set<std::string> keep;
  std::string manifest = "aud-segments 1\n";
  ParseProgress prog;
  {
    std::vector<std::string> shown;
    for (const std::string& p : files) shown.push_back(Shown(p, options.project_dir));
    Merger merger(options, &r.stats, &r.file_stats, files, shown);
    Parsers parsers(threads, options);
    uint64_t bytes = 0;
    InputSizes(files, &bytes, &prog.total);
    merger.Reserve(bytes);
    for (size_t i = 0; i < files.size() && io_ok; ++i) {
      const std::string name = Hex(keys[i]) + ".seg";
      const std::string seg_path = dir + "/" + name;
      keep.insert(name);
      const std::string manifest_line = name + " " + base::JsonString(shown[i]) + "\n";
      manifest += manifest_line;
      MappedFile map;
      SegmentView view;
      std::string why;
      if (map.Open(seg_path, -1, &why) &&
          OpenSegment(map.data(), map.size(), keys[i], &view, &why, &map)) {
        ++st.files_reused;
        struct stat sb;
        if (::stat(files[i].c_str(), &sb) == 0) prog.done += static_cast<uint64_t>(sb.st_size);
        if (!merger.File(files[i], shown[i], view, false, &map, &r.error)) {
          ::unlink(seg_path.c_str());
          io_ok = false;
        }
        continue;
      }
      if (why != "missing") ++st.segments_rebuilt;
      ++st.files_parsed;
      SegmentWriter w;
      std::string werr;
      if (w.OpenFile(seg_path, &werr)) {
        FileSummary sum;
        const size_t changed = prog.changed.size();
        if (!ParseFile(files[i], shown[i], nullptr, options, &parsers, &prog, &w, &sum, &r.error)) {
          io_ok = false;
          break;
        }
        // A file that changed while read is merged as read but not cached:
        // its segment is dropped below and the merged store is not saved.
        if (prog.changed.size() > changed) {
          keep.erase(name);
          manifest.resize(manifest.size() - manifest_line.size());
        }
        MappedFile written;
        if (w.Finish(sum, keys[i], &werr) && written.Open("", w.fd(), &why) &&
            OpenSegment(written.data(), written.size(), keys[i], &view, &why, &written)) {
          if (!merger.File(files[i], shown[i], view, true, &written, &r.error)) io_ok = false;
          continue;
        }
        if (werr.empty())
          werr = "the segment of `" + shown[i] + "` did not read back (" + why + ")";
      }
      // The segment could not be written: parse into memory instead.
      if (st.save_error.empty()) st.save_error = werr;
      if (!ParseAndMerge(files[i], shown[i], nullptr, options, &parsers, &prog, &merger, &r.error))
        io_ok = false;
    }
    if (io_ok) merger.quarantine().RemoveStale();
    r.stats.parse_seconds = Seconds(t0);
    r.store = merger.Finish();
  }
  st.ingest_seconds = Seconds(t0);
  r.warnings = Warnings(r.stats);
  AddChangedWarnings(prog, &r.warnings);
  if (io_ok && options.strict && r.stats.Bad() > 0)
    r.error = StrictError(r.stats, Shown(options.quarantine_dir, options.project_dir));
  if (io_ok) {
    t0 = std::chrono::steady_clock::now();
    std::string err;
    if (prog.changed.empty() &&
        !store::SaveStore(r.store, cache_path, fp, EncodeMeta(r.stats, r.files, r.file_stats),
                          &err) &&
        st.save_error.empty())
      st.save_error = err;
    if (!WriteFileAtomically(dir + "/manifest", manifest, &err) && st.save_error.empty())
      st.save_error = err;
    st.segments_dropped = CollectSegments(dir, keep);
    CollectStoreTemps(cache_path);
    st.save_seconds = Seconds(t0);
  }
  return r;
}

}  // namespace aud::ingest
