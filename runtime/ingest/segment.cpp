// Segment files. Layout (little-endian, docs/runtime.md "The incremental
// store"):
//   header (64 bytes): magic "AUDSEGMT", format version, key (the source
//   file's fingerprint), payload size, payload checksum, summary offset,
//   reserved, header checksum;
//   payload: blocks (first line, record count, byte count, records), then
//   the summary (line counts, gzip problem, quarantine entries).
// Records are variable-length: call, relative line, time, nested count,
// messageId hash, the id strings the call has, then the values (name, kind,
// value); lengths and counts are LEB128 varints. Checksums are XXH64.

#include "runtime/ingest/segment.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "compiler/base/file_write.h"

namespace aud::ingest {

namespace {

constexpr char kMagic[8] = {'A', 'U', 'D', 'S', 'E', 'G', 'M', 'T'};
constexpr size_t kHeaderSize = 64;
constexpr uint8_t kNullBit = 0x80;

template <typename T>
void PutRaw(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

// LEB128: lengths and small counts take a byte.
void PutVar(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void PutStr(std::string* out, std::string_view s) {
  PutVar(out, s.size());
  out->append(s);
}

// Bounded reads; any shortfall clears ok.
struct Cursor {
  const char* p;
  const char* end;
  bool ok = true;
  template <typename T>
  T Get() {
    T v{};
    if (!ok || static_cast<size_t>(end - p) < sizeof v) {
      ok = false;
      return v;
    }
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  uint64_t Var() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!ok || p == end) break;
      const auto b = static_cast<uint8_t>(*p++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
    }
    ok = false;
    return 0;
  }
  std::string_view Str() {
    uint64_t n = Var();
    if (!ok || static_cast<size_t>(end - p) < n) {
      ok = false;
      return {};
    }
    std::string_view s(p, n);
    p += n;
    return s;
  }
  std::string_view Str64() {
    uint64_t n = Get<uint64_t>();
    if (!ok || static_cast<uint64_t>(end - p) < n) {
      ok = false;
      return {};
    }
    std::string_view s(p, n);
    p += n;
    return s;
  }
};

void PutStr64(std::string* out, std::string_view s) {
  PutRaw<uint64_t>(out, s.size());
  out->append(s);
}

std::string EncodeSummary(const FileSummary& s) {
  std::string out;
  for (uint64_t v : {s.total_lines, s.lines, s.blank_lines, s.bytes, s.gzip_after_line})
    PutRaw<uint64_t>(&out, v);
  PutStr64(&out, s.gzip_problem);
  PutRaw<uint64_t>(&out, s.bad.size());
  for (const BadEntry& e : s.bad) {
    PutRaw<uint64_t>(&out, e.line);
    PutRaw<uint8_t>(&out, static_cast<uint8_t>(e.reason));
    PutRaw<uint8_t>(&out, e.truncated ? 1 : 0);
    PutStr64(&out, e.error);
    PutStr64(&out, e.text);
  }
  return out;
}

bool DecodeSummary(Cursor c, FileSummary* s) {
  for (uint64_t* v : {&s->total_lines, &s->lines, &s->blank_lines, &s->bytes, &s->gzip_after_line})
    *v = c.Get<uint64_t>();
  s->gzip_problem = std::string(c.Str64());
  uint64_t n = c.Get<uint64_t>();
  if (!c.ok || n > s->lines) return false;
  s->bad.resize(n);
  uint64_t last = 0;
  for (BadEntry& e : s->bad) {
    e.line = c.Get<uint64_t>();
    uint8_t reason = c.Get<uint8_t>();
    uint8_t cut = c.Get<uint8_t>();
    e.error = std::string(c.Str64());
    e.text = std::string(c.Str64());
    if (!c.ok || reason > static_cast<uint8_t>(BadLine::TruncatedGzip) || cut > 1 ||
        e.line < last || e.line > s->total_lines)
      return false;
    last = e.line;
    e.reason = static_cast<BadLine>(reason);
    e.truncated = cut != 0;
  }
  return c.ok && c.p == c.end && s->lines + s->blank_lines == s->total_lines;
}

}  // namespace

void EncodeRecord(const ParsedLine& l, uint32_t line, std::string* out) {
  PutRaw<uint8_t>(out, static_cast<uint8_t>(l.call));
  PutVar(out, line);
  PutRaw<int64_t>(out, l.ts);
  PutVar(out, l.nested);
  PutRaw<uint64_t>(out, l.message_id_hash);
  PutStr(out, l.message_id);
  PutStr(out, l.user_id);
  PutStr(out, l.anonymous_id);
  switch (l.call) {
    case Call::Track: PutStr(out, l.event); break;
    case Call::Alias: PutStr(out, l.previous_id); break;
    case Call::Group: PutStr(out, l.group_id); break;
    default: break;
  }
  if (l.call == Call::Alias) return;  // (an alias has no values)
  PutVar(out, l.values.size());
  PutVar(out, l.num_context);
  for (const store::InputValue& v : l.values) {
    PutStr(out, v.name);
    PutRaw<uint8_t>(out, static_cast<uint8_t>(v.kind) | (v.is_null ? kNullBit : 0));
    if (v.is_null) continue;
    switch (v.kind) {
      case store::ValueKind::Int: PutRaw<int64_t>(out, v.i); break;
      case store::ValueKind::Float: PutRaw<double>(out, v.f); break;
      case store::ValueKind::Bool: PutRaw<uint8_t>(out, v.b ? 1 : 0); break;
      case store::ValueKind::String: PutStr(out, v.s); break;
    }
  }
}

bool DecodeRecord(const char** p, const char* end, Record* r) {
  Cursor c{*p, end};
  uint8_t call = c.Get<uint8_t>();
  if (call > static_cast<uint8_t>(Call::Group)) return false;
  r->call = static_cast<Call>(call);
  const uint64_t line = c.Var();
  r->ts = c.Get<int64_t>();
  const uint64_t nested = c.Var();
  if (line > UINT32_MAX || nested > UINT32_MAX) return false;
  r->line = static_cast<uint32_t>(line);
  r->nested = static_cast<uint32_t>(nested);
  r->message_id_hash = c.Get<uint64_t>();
  r->message_id = c.Str();
  r->user_id = c.Str();
  r->anonymous_id = c.Str();
  r->event = r->previous_id = r->group_id = {};
  switch (r->call) {
    case Call::Track: r->event = c.Str(); break;
    case Call::Alias: r->previous_id = c.Str(); break;
    case Call::Group: r->group_id = c.Str(); break;
    default: break;
  }
  r->values.clear();
  r->num_context = 0;
  if (r->call != Call::Alias) {
    const uint64_t n = c.Var();
    const uint64_t num_context = c.Var();
    // A value takes at least 2 bytes: bounds `n` before reserving.
    if (!c.ok || num_context > n || n > static_cast<size_t>(c.end - c.p) / 2) return false;
    r->num_context = static_cast<uint32_t>(num_context);
    r->values.resize(n);
    for (store::InputValue& v : r->values) {
      v.name = c.Str();
      uint8_t k = c.Get<uint8_t>();
      v.is_null = (k & kNullBit) != 0;
      k &= static_cast<uint8_t>(~kNullBit);
      if (k > static_cast<uint8_t>(store::ValueKind::String)) return false;
      v.kind = static_cast<store::ValueKind>(k);
      v.i = 0;
      v.f = 0;
      v.b = false;
      v.s = {};
      if (v.is_null) continue;
      switch (v.kind) {
        case store::ValueKind::Int: v.i = c.Get<int64_t>(); break;
        case store::ValueKind::Float: v.f = c.Get<double>(); break;
        case store::ValueKind::Bool: {
          uint8_t b = c.Get<uint8_t>();
          if (b > 1) return false;
          v.b = b != 0;
          break;
        }
        case store::ValueKind::String: v.s = c.Str(); break;
      }
    }
  }
  if (!c.ok) return false;
  *p = c.p;
  return true;
}

SegmentWriter::~SegmentWriter() { Abandon(); }

bool SegmentWriter::OpenFile(const std::string& path, std::string* error) {
  path_ = path;
  temp_ = path + ".tmp." + base::TempOwnerTag();
  fd_ = ::open(temp_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    *error = "cannot create `" + temp_ + "`: " + std::strerror(errno);
    temp_.clear();
    return false;
  }
  pending_.assign(kHeaderSize, '\0');  // the header, written last
  written_ = 0;
  return true;
}

void SegmentWriter::OpenMemory() {
  to_memory_ = true;
  memory_.assign(kHeaderSize, '\0');
}

bool SegmentWriter::Put(const char* p, size_t n) {
  hasher_.Update(p, n);
  payload_ += n;
  if (to_memory_) {
    memory_.append(p, n);
    return true;
  }
  if (failed_) return false;
  pending_.append(p, n);
  if (pending_.size() >= (size_t{1} << 20)) {
    if (!base::WriteAll(fd_, pending_.data(), pending_.size())) {
      error_ = std::strerror(errno);
      failed_ = true;
    }
    // Writeback starts now, while parsing goes on, so the fsync of Finish
    // finds little left to write.
    ::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(pending_.size()),
                      SYNC_FILE_RANGE_WRITE);
    written_ += pending_.size();
    pending_.clear();
  }
  return !failed_;
}

bool SegmentWriter::Block(uint64_t first_line, uint64_t count, std::string_view records) {
  char head[24];
  const uint64_t v[3] = {first_line, count, records.size()};
  std::memcpy(head, v, sizeof head);
  return Put(head, sizeof head) && Put(records.data(), records.size());
}

bool SegmentWriter::Finish(const FileSummary& summary, uint64_t key, std::string* error) {
  const uint64_t summary_at = payload_;
  const std::string s = EncodeSummary(summary);
  Put(s.data(), s.size());
  std::string h(kMagic, sizeof kMagic);
  PutRaw<uint32_t>(&h, kSegmentFormatVersion);
  PutRaw<uint32_t>(&h, 0);
  PutRaw<uint64_t>(&h, key);
  PutRaw<uint64_t>(&h, payload_);
  PutRaw<uint64_t>(&h, hasher_.Digest());
  PutRaw<uint64_t>(&h, summary_at);
  PutRaw<uint64_t>(&h, 0);
  PutRaw<uint64_t>(&h, store::Hash64(h.data(), h.size()));
  if (to_memory_) {
    memory_.replace(0, kHeaderSize, h);
    return true;
  }
  auto fail = [&](const std::string& what) {
    *error = what + " `" + temp_ + "`: " + (error_.empty() ? std::strerror(errno) : error_);
    Abandon();
    return false;
  };
  if (failed_) return fail("cannot write");
  if (!pending_.empty() && !base::WriteAll(fd_, pending_.data(), pending_.size()))
    return fail("cannot write");
  pending_.clear();
  if (::pwrite(fd_, h.data(), h.size(), 0) != static_cast<ssize_t>(h.size()))
    return fail("cannot write");
  if (::fsync(fd_) != 0) return fail("cannot sync");
  if (::rename(temp_.c_str(), path_.c_str()) != 0) return fail("cannot rename");
  temp_.clear();
  std::string dir = path_.substr(0, path_.rfind('/') == std::string::npos ? 0 : path_.rfind('/'));
  base::SyncDir(dir);  // (best effort: the rename is done either way)
  return true;
}

void SegmentWriter::Abandon() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

bool OpenSegment(const char* data, size_t size, uint64_t key, SegmentView* out, std::string* reason,
                 MappedFile* map) {
  auto no = [&](const char* r) {
    *reason = r;
    return false;
  };
  if (size < sizeof kMagic || std::memcmp(data, kMagic, sizeof kMagic) != 0) {
    return no(size < sizeof kMagic ? "truncated" : "foreign-file");
  }
  if (size < kHeaderSize) return no("truncated");
  Cursor h{data + sizeof kMagic, data + kHeaderSize};
  uint32_t version = h.Get<uint32_t>();
  h.Get<uint32_t>();
  uint64_t k = h.Get<uint64_t>();
  uint64_t payload = h.Get<uint64_t>();
  uint64_t sum = h.Get<uint64_t>();
  uint64_t summary_at = h.Get<uint64_t>();
  h.Get<uint64_t>();
  uint64_t header_sum = h.Get<uint64_t>();
  if (store::Hash64(data, kHeaderSize - 8) != header_sum) return no("corrupt");
  if (version != kSegmentFormatVersion) return no("version");
  if (k != key) return no("stale");
  if (size - kHeaderSize < payload) return no("truncated");
  if (size - kHeaderSize > payload || summary_at > payload) return no("corrupt");
  const char* p = data + kHeaderSize;
  {
    store::Hasher hasher;
    constexpr size_t kChunk = size_t{8} << 20;
    for (size_t at = 0; at < payload; at += kChunk) {
      const size_t n = std::min<size_t>(kChunk, payload - at);
      hasher.Update(p + at, n);
      if (map) map->Drop(p + at, n);
    }
    if (hasher.Digest() != sum) return no("corrupt");
  }
  out->blocks = p;
  out->blocks_size = summary_at;
  out->summary = FileSummary{};
  if (!DecodeSummary(Cursor{p + summary_at, p + payload}, &out->summary)) return no("corrupt");
  // The blocks cover their region exactly.
  const char* b = p;
  const char* e = p + summary_at;
  out->num_blocks = 0;
  Block blk;
  while (b < e) {
    if (!NextBlock(&b, e, &blk)) return no("corrupt");
    ++out->num_blocks;
  }
  return true;
}

bool NextBlock(const char** p, const char* end, Block* b) {
  Cursor c{*p, end};
  b->first_line = c.Get<uint64_t>();
  b->count = c.Get<uint64_t>();
  uint64_t n = c.Get<uint64_t>();
  if (!c.ok || n > static_cast<uint64_t>(c.end - c.p)) return false;
  b->begin = c.p;
  b->end = c.p + n;
  *p = b->end;
  return true;
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(data_, size_);
}

bool MappedFile::Open(const std::string& path, int fd, std::string* reason) {
  const bool own = fd < 0;
  if (own) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *reason = errno == ENOENT ? "missing" : "unreadable";
    return false;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    if (own) ::close(fd);
    *reason = "unreadable";
    return false;
  }
  size_ = static_cast<size_t>(st.st_size);
  if (size_ > 0) {
    void* m = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      if (own) ::close(fd);
      size_ = 0;
      *reason = "unreadable";
      return false;
    }
    data_ = static_cast<char*>(m);
    ::madvise(data_, size_, MADV_SEQUENTIAL);
  }
  if (own) ::close(fd);
  return true;
}

void MappedFile::Drop(const char* p, size_t n) {
  if (!data_ || p < data_ || p + n > data_ + size_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t from = (static_cast<size_t>(p - data_) + page - 1) / page * page;
  size_t to = (static_cast<size_t>(p - data_) + n) / page * page;
  if (to > from) ::madvise(data_ + from, to - from, MADV_DONTNEED);
}

void MappedFile::Release(const char* p) {
  if (!data_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t upto = static_cast<size_t>(p - data_) / page * page;
  if (upto >= released_ + (size_t{8} << 20)) {
    ::madvise(data_ + released_, upto - released_, MADV_DONTNEED);
    released_ = upto;
  }
}

}  // namespace aud::ingest
