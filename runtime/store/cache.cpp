// The store cache file. Layout (little-endian, docs/runtime.md):
//   header (48 bytes): magic "AUDSTORE", byte-order mark, format version,
//   fingerprint, payload size, payload checksum, header checksum;
//   payload: a section table (count, then each section's size) and the
//   sections: dictionary, types and columns, nodes, components, links,
//   traits, events, meta, groups. Every array is a count then its elements at an
//   8-byte-aligned offset, and sections are padded to 8 bytes, so a load maps
//   the file and copies each array once. Checksums are XXH64.

#include "runtime/store/cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <type_traits>

#include "compiler/base/file_write.h"
#include "runtime/store/hash.h"
#include "runtime/store/huge.h"

namespace aud::store {

namespace {

constexpr char kMagic[8] = {'A', 'U', 'D', 'S', 'T', 'O', 'R', 'E'};
constexpr uint32_t kByteOrder = 0x01020304;
constexpr size_t kHeaderSize = 48;
constexpr uint32_t kNumSections = 9;

// Bytes to write, as pieces: small values are copied into owned buffers,
// arrays are referenced where they are (the store's own vectors), so writing
// the cache copies nothing big.
class Out {
 public:
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Own(reinterpret_cast<const char*>(&v), sizeof v);
  }
  // A count, zero padding to 8 bytes, the elements: loaded straight from the
  // (page-aligned) mapped file.
  template <typename T>
  void Vec(const std::vector<T>& v) {
    static_assert(std::is_arithmetic_v<T>);
    Put<uint64_t>(v.size());
    Align();
    // Small arrays are copied (a piece per array would cost more than it).
    if (v.size() * sizeof(T) < 4096) {
      Own(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    } else {
      Ref(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
    }
  }
  // As Vec, for a temporary array that Out keeps alive.
  template <typename T>
  void VecOwned(std::vector<T> v) {
    Put<uint64_t>(v.size());
    Align();
    Keep(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  }
  void Align() {
    static const char kZeros[8] = {};
    Own(kZeros, (8 - size_ % 8) % 8);
  }
  void Str(std::string_view s) {
    Put<uint64_t>(s.size());
    Own(s.data(), s.size());
  }
  // Raw bytes Out keeps alive (no count).
  void VecBytes(std::string bytes) { Keep(std::move(bytes)); }
  // Appends another Out's pieces.
  void Append(Out&& o) {
    Close();
    o.Close();
    for (auto& k : o.kept_) kept_.push_back(std::move(k));
    pieces_.insert(pieces_.end(), o.pieces_.begin(), o.pieces_.end());
    size_ += o.size_;
  }
  size_t size() const { return size_; }
  const std::vector<std::pair<const char*, size_t>>& pieces() {
    Close();
    return pieces_;
  }

 private:
  void Own(const char* p, size_t n) {
    tail_.append(p, n);
    size_ += n;
  }
  void Ref(const char* p, size_t n) {
    Close();
    if (n > 0) pieces_.emplace_back(p, n);
    size_ += n;
  }
  // Keeps `bytes` alive at a stable address (a string on the heap: moving the
  // pointer never moves its bytes, short strings included) and refers to it.
  void Keep(std::string bytes) {
    kept_.push_back(std::make_unique<std::string>(std::move(bytes)));
    Ref(kept_.back()->data(), kept_.back()->size());
  }
  // Moves the owned tail into a kept buffer and a piece.
  void Close() {
    if (tail_.empty()) return;
    std::string t = std::move(tail_);
    tail_.clear();
    size_ -= t.size();  // Keep counts it again
    Keep(std::move(t));
  }
  std::vector<std::unique_ptr<std::string>> kept_;
  std::string tail_;
  std::vector<std::pair<const char*, size_t>> pieces_;
  size_t size_ = 0;
};

// Reads what Out wrote, never past its end: any shortfall makes it !ok.
class In {
 public:
  In(const char* p, size_t n) : begin_(p), p_(p), end_(p + n) {}
  bool ok() const { return ok_; }
  // Only the zero padding of the section is left.
  bool AtPaddedEnd() const {
    if (end_ - p_ >= 8) return false;
    for (const char* q = p_; q < end_; ++q) {
      if (*q != 0) return false;
    }
    return true;
  }
  template <typename T>
  T Get() {
    T v{};
    if (!Need(sizeof v)) return v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }
  template <typename T>
  void Vec(std::vector<T>* v) {
    uint64_t n = Get<uint64_t>();
    Bytes((8 - static_cast<size_t>(p_ - begin_) % 8) % 8);  // padding
    if (!ok_ || n > static_cast<uint64_t>(end_ - p_) / sizeof(T)) {
      ok_ = false;
      return;
    }
    if (reinterpret_cast<uintptr_t>(p_) % alignof(T) == 0) {
      // No zero-filling: one copy from the mapped file.
      const T* first = reinterpret_cast<const T*>(p_);
      ReserveHuge(*v, n);
      v->assign(first, first + n);
    } else {
      v->resize(n);
      if (n) std::memcpy(v->data(), p_, n * sizeof(T));
    }
    p_ += n * sizeof(T);
  }
  // A view of the next array (as Vec wrote it) without copying; `n` elements.
  template <typename T>
  const T* View(uint64_t* n) {
    *n = Get<uint64_t>();
    Bytes((8 - static_cast<size_t>(p_ - begin_) % 8) % 8);
    if (!ok_ || *n > static_cast<uint64_t>(end_ - p_) / sizeof(T) ||
        reinterpret_cast<uintptr_t>(p_) % alignof(T) != 0) {
      ok_ = false;
      return nullptr;
    }
    const T* v = reinterpret_cast<const T*>(p_);
    p_ += *n * sizeof(T);
    return v;
  }
  // The next `n` bytes (null when there are fewer).
  const char* Bytes(uint64_t n) {
    if (!ok_ || n > static_cast<uint64_t>(end_ - p_)) {
      ok_ = false;
      return nullptr;
    }
    const char* p = p_;
    p_ += n;
    return p;
  }
  void Str(std::string* s) {
    uint64_t n = Get<uint64_t>();
    if (!ok_ || n > static_cast<uint64_t>(end_ - p_)) {
      ok_ = false;
      return;
    }
    s->assign(p_, n);
    p_ += n;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || static_cast<size_t>(end_ - p_) < n) ok_ = false;
    return ok_;
  }
  const char* begin_;
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

template <typename S, typename F>
std::vector<F> Field(const std::vector<S>& v, F S::*m) {
  std::vector<F> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = v[i].*m;
  return out;
}

template <typename E>
std::vector<uint8_t> Enums(const std::vector<E>& v) {
  std::vector<uint8_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) out[i] = static_cast<uint8_t>(v[i]);
  return out;
}

void WriteDict(const Dictionary& d, Out* o) {
  std::vector<uint32_t> lens(d.size());
  size_t total = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    lens[i] = static_cast<uint32_t>(d.Get(static_cast<uint32_t>(i)).size());
    total += lens[i];
  }
  std::string blob;
  blob.reserve(total);
  for (std::string_view s : d.strings()) blob.append(s);
  o->VecOwned(std::move(lens));
  o->Put<uint64_t>(total);
  o->VecBytes(std::move(blob));
}

bool ReadDict(In* in, Dictionary* d) {
  std::vector<uint32_t> lens;
  in->Vec(&lens);
  uint64_t total = in->Get<uint64_t>();
  if (!in->ok() || lens.empty() || lens[0] != 0) return false;
  uint64_t sum = 0;
  for (uint32_t l : lens) sum += l;
  const char* bytes = in->Bytes(total);
  if (!in->ok() || sum != total) return false;
  d->Reserve(lens.size());
  size_t pos = 0;
  for (size_t i = 0; i < lens.size(); ++i) {
    std::string_view s(bytes + pos, lens[i]);
    pos += lens[i];
    if (d->Intern(s) != i) return false;  // duplicates: not a dictionary
  }
  return true;
}

// The payload: the section table, then the sections (each padded to 8).
Out Payload(const EventStore& s, std::string_view meta) {
  std::vector<Out> sections(kNumSections);
  WriteDict(s.dict, &sections[0]);
  {
    Out& o = sections[1];
    o.Put<uint32_t>(static_cast<uint32_t>(s.types.size()));
    for (const EventType& t : s.types) {
      o.Str(t.key);
      o.Put<uint32_t>(t.rows);
      o.Put<uint32_t>(static_cast<uint32_t>(t.columns.size()));
      for (const Column& c : t.columns) {
        // Only the kind's value array; `valid` (dense) or `rows` (sparse).
        o.Put<uint32_t>(c.name);
        o.Put<uint8_t>(static_cast<uint8_t>(c.kind));
        o.Put<uint8_t>(c.sparse ? 1 : 0);
        switch (c.kind) {
          case ValueKind::Int: o.Vec(c.ints); break;
          case ValueKind::Float: o.Vec(c.floats); break;
          case ValueKind::Bool: o.Vec(c.bools); break;
          case ValueKind::String: o.Vec(c.codes); break;
        }
        if (c.sparse) {
          o.Vec(c.rows);
        } else {
          o.Vec(c.valid);
        }
      }
    }
  }
  {
    Out& o = sections[2];
    o.VecOwned(Enums(Field(s.nodes, &Node::kind)));
    o.VecOwned(Field(s.nodes, &Node::value));
    o.VecOwned(Field(s.nodes, &Node::first_ts));
  }
  {
    Out& o = sections[3];
    o.Put<uint32_t>(s.num_components);
    o.Vec(s.node_component);
    o.Vec(s.component_nodes);
    o.Vec(s.component_node_offsets);
    o.Vec(s.component_link_offsets);
    o.Vec(s.component_trait_offsets);
    o.Vec(s.component_event_offsets);
  }
  {
    Out& o = sections[4];
    o.VecOwned(Field(s.links, &Link::ts));
    o.VecOwned(Field(s.links, &Link::a));
    o.VecOwned(Field(s.links, &Link::b));
    o.VecOwned(Field(s.links, &Link::until));
  }
  auto write_traits = [](const std::vector<TraitRecord>& t, Out& o) {
    o.VecOwned(Field(t, &TraitRecord::ts));
    o.VecOwned(Field(t, &TraitRecord::order));
    o.VecOwned(Field(t, &TraitRecord::node));
    o.VecOwned(Field(t, &TraitRecord::name));
    o.VecOwned(Enums(Field(t, &TraitRecord::kind)));
    o.VecOwned(Enums(Field(t, &TraitRecord::is_null)));
    o.VecOwned(Field(t, &TraitRecord::i));
    o.VecOwned(Field(t, &TraitRecord::f));
    o.VecOwned(Field(t, &TraitRecord::str));
    o.VecOwned(Enums(Field(t, &TraitRecord::b)));
  };
  write_traits(s.traits, sections[5]);
  {
    Out& o = sections[6];
    o.Vec(s.ts);
    o.Vec(s.type);
    o.Vec(s.row);
    o.Vec(s.node);
  }
  sections[7].Str(meta);
  {
    Out& o = sections[8];
    o.VecOwned(Field(s.groups, &GroupRecord::ts));
    o.VecOwned(Field(s.groups, &GroupRecord::order));
    o.VecOwned(Field(s.groups, &GroupRecord::node));
    o.VecOwned(Field(s.groups, &GroupRecord::group));
    o.VecOwned(Field(s.groups, &GroupRecord::traits_begin));
    o.VecOwned(Field(s.groups, &GroupRecord::traits_end));
    write_traits(s.group_traits, o);
  }

  Out payload;
  payload.Put<uint64_t>(kNumSections);
  for (Out& sec : sections) {
    sec.Align();
    payload.Put<uint64_t>(sec.size());
  }
  for (Out& sec : sections) payload.Append(std::move(sec));
  return payload;
}

// Parses a payload whose checksum matched; false when it is malformed.
bool ParsePayload(const char* p, size_t n, EventStore* s, std::string* meta) {
  In head(p, n);
  uint64_t count = head.Get<uint64_t>();
  if (!head.ok() || count != kNumSections) return false;
  std::vector<uint64_t> sizes(count);
  for (uint64_t& z : sizes) z = head.Get<uint64_t>();
  if (!head.ok()) return false;
  size_t pos = sizeof(uint64_t) + count * sizeof(uint64_t);
  std::vector<In> sec;
  for (uint64_t z : sizes) {
    if (z > n - pos) return false;
    sec.emplace_back(p + pos, z);
    pos += z;
  }
  if (pos != n) return false;

  if (!ReadDict(&sec[0], &s->dict)) return false;
  {
    In& in = sec[1];
    uint32_t nt = in.Get<uint32_t>();
    if (!in.ok() || nt > 65535) return false;
    s->types.resize(nt);
    for (EventType& t : s->types) {
      in.Str(&t.key);
      t.rows = in.Get<uint32_t>();
      uint32_t nc = in.Get<uint32_t>();
      if (!in.ok() || nc > n / 16) return false;  // a column takes more than 16 bytes
      t.columns.resize(nc);
      for (Column& c : t.columns) {
        c.name = in.Get<uint32_t>();
        uint8_t kind = in.Get<uint8_t>();
        if (kind > static_cast<uint8_t>(ValueKind::String)) return false;
        c.kind = static_cast<ValueKind>(kind);
        uint8_t sparse = in.Get<uint8_t>();
        if (sparse > 1) return false;
        c.sparse = sparse != 0;
        switch (c.kind) {
          case ValueKind::Int: in.Vec(&c.ints); break;
          case ValueKind::Float: in.Vec(&c.floats); break;
          case ValueKind::Bool: in.Vec(&c.bools); break;
          case ValueKind::String: in.Vec(&c.codes); break;
        }
        if (c.sparse) {
          in.Vec(&c.rows);
        } else {
          in.Vec(&c.valid);
        }
        if (!in.ok()) return false;
      }
    }
  }
  {
    In& in = sec[2];
    uint64_t n[3];
    const uint8_t* kinds = in.View<uint8_t>(&n[0]);
    const uint32_t* values = in.View<uint32_t>(&n[1]);
    const int64_t* first = in.View<int64_t>(&n[2]);
    if (!in.ok() || n[1] != n[0] || n[2] != n[0]) return false;
    s->nodes.resize(n[0]);
    for (uint64_t i = 0; i < n[0]; ++i) {
      if (kinds[i] > 1) return false;
      s->nodes[i] = Node{static_cast<IdKind>(kinds[i]), values[i], first[i]};
    }
  }
  {
    In& in = sec[3];
    s->num_components = in.Get<uint32_t>();
    in.Vec(&s->node_component);
    in.Vec(&s->component_nodes);
    in.Vec(&s->component_node_offsets);
    in.Vec(&s->component_link_offsets);
    in.Vec(&s->component_trait_offsets);
    in.Vec(&s->component_event_offsets);
  }
  {
    In& in = sec[4];
    uint64_t n[4];
    const int64_t* ts = in.View<int64_t>(&n[0]);
    const uint32_t* a = in.View<uint32_t>(&n[1]);
    const uint32_t* b = in.View<uint32_t>(&n[2]);
    const int64_t* until = in.View<int64_t>(&n[3]);
    if (!in.ok() || n[1] != n[0] || n[2] != n[0] || n[3] != n[0]) return false;
    s->links.resize(n[0]);
    for (uint64_t i = 0; i < n[0]; ++i) s->links[i] = Link{ts[i], a[i], b[i], until[i]};
  }
  auto read_traits = [](In& in, std::vector<TraitRecord>* out) {
    uint64_t n[10];
    const int64_t* ts = in.View<int64_t>(&n[0]);
    const uint64_t* order = in.View<uint64_t>(&n[1]);
    const uint32_t* node = in.View<uint32_t>(&n[2]);
    const uint32_t* name = in.View<uint32_t>(&n[3]);
    const uint8_t* kind = in.View<uint8_t>(&n[4]);
    const uint8_t* is_null = in.View<uint8_t>(&n[5]);
    const int64_t* iv = in.View<int64_t>(&n[6]);
    const double* fv = in.View<double>(&n[7]);
    const uint32_t* str = in.View<uint32_t>(&n[8]);
    const uint8_t* bv = in.View<uint8_t>(&n[9]);
    if (!in.ok()) return false;
    for (uint64_t k : n) {
      if (k != n[0]) return false;
    }
    auto& t = *out;
    ReserveHuge(t, n[0]);
    t.resize(n[0]);
    for (uint64_t i = 0; i < n[0]; ++i) {
      if (kind[i] > 3 || is_null[i] > 1 || bv[i] > 1) return false;
      TraitRecord& r = t[i];
      r.ts = ts[i];
      r.order = order[i];
      r.node = node[i];
      r.name = name[i];
      r.kind = static_cast<ValueKind>(kind[i]);
      r.is_null = is_null[i] != 0;
      r.i = iv[i];
      r.f = fv[i];
      r.str = str[i];
      r.b = bv[i] != 0;
    }
    return true;
  };
  if (!read_traits(sec[5], &s->traits)) return false;
  {
    In& in = sec[6];
    in.Vec(&s->ts);
    in.Vec(&s->type);
    in.Vec(&s->row);
    in.Vec(&s->node);
  }
  std::string m;
  sec[7].Str(&m);
  {
    In& in = sec[8];
    uint64_t n[6];
    const int64_t* ts = in.View<int64_t>(&n[0]);
    const uint64_t* order = in.View<uint64_t>(&n[1]);
    const uint32_t* node = in.View<uint32_t>(&n[2]);
    const uint32_t* group = in.View<uint32_t>(&n[3]);
    const uint32_t* begin = in.View<uint32_t>(&n[4]);
    const uint32_t* end = in.View<uint32_t>(&n[5]);
    if (!in.ok()) return false;
    for (uint64_t k : n) {
      if (k != n[0]) return false;
    }
    s->groups.resize(n[0]);
    for (uint64_t i = 0; i < n[0]; ++i)
      s->groups[i] = GroupRecord{ts[i], order[i], node[i], group[i], begin[i], end[i]};
    if (!read_traits(in, &s->group_traits)) return false;
  }
  for (In& in : sec) {
    if (!in.ok() || !in.AtPaddedEnd()) return false;
  }
  if (meta) *meta = std::move(m);
  return true;
}

void SetReason(std::string* reason, const char* r) {
  if (reason) *reason = r;
}

template <typename T>
bool Offsets(const std::vector<T>& off, uint32_t nc, size_t total) {
  if (off.size() != static_cast<size_t>(nc) + 1 || off[0] != 0 || off[nc] != total) return false;
  for (uint32_t c = 0; c < nc; ++c) {
    if (off[c] > off[c + 1]) return false;
  }
  return true;
}

}  // namespace

uint64_t Fingerprint(const std::vector<std::string>& files, uint64_t salt) {
  constexpr size_t kEdge = size_t{64} * 1024;
  uint64_t h = HashCombine(0x6175642d66707631ULL, salt);  // "aud-fpv1"
  std::vector<char> buf(kEdge);
  for (const std::string& f : files) {
    h = Hash64(f, h);
    struct stat st;
    int fd = ::open(f.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      if (fd >= 0) ::close(fd);
      h = HashCombine(h, UINT64_MAX);  // missing or unreadable
      continue;
    }
    h = HashCombine(h, static_cast<uint64_t>(st.st_size));
    h = HashCombine(h, static_cast<uint64_t>(st.st_mtim.tv_sec));
    h = HashCombine(h, static_cast<uint64_t>(st.st_mtim.tv_nsec));
    size_t size = static_cast<size_t>(st.st_size);
    ssize_t r = ::pread(fd, buf.data(), std::min(size, kEdge), 0);
    h = Hash64(buf.data(), r > 0 ? static_cast<size_t>(r) : 0, h);
    if (size > kEdge) {
      size_t from = size > 2 * kEdge ? size - kEdge : kEdge;
      r = ::pread(fd, buf.data(), size - from, static_cast<off_t>(from));
      h = Hash64(buf.data(), r > 0 ? static_cast<size_t>(r) : 0, h);
    }
    ::close(fd);
  }
  return h;
}

bool SaveStore(const EventStore& store, const std::string& path, uint64_t fingerprint,
               std::string_view meta, std::string* error) {
  auto fail = [&](const std::string& what) {
    if (error) *error = what + ": " + std::strerror(errno);
    return false;
  };
  Out payload = Payload(store, meta);
  const auto& pieces = payload.pieces();
  Hasher hasher;
  for (const auto& [ptr, n] : pieces) hasher.Update(ptr, n);
  std::string h;
  auto put = [&](auto v) { h.append(reinterpret_cast<const char*>(&v), sizeof v); };
  h.append(kMagic, sizeof kMagic);
  put(kByteOrder);
  put(kCacheFormatVersion);
  put(fingerprint);
  put(static_cast<uint64_t>(payload.size()));
  put(hasher.Digest());
  put(Hash64(h.data(), h.size()));

  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    std::filesystem::create_directories(p.parent_path(), ec);
    ::chmod(p.parent_path().c_str(), 0700);  // the events are the users' data
  }
  std::string tmp = path + ".tmp." + base::TempOwnerTag();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + tmp);
  bool ok = base::WriteAll(fd, h.data(), h.size());
  for (size_t i = 0; ok && i < pieces.size(); ++i)
    ok = base::WriteAll(fd, pieces[i].first, pieces[i].second);
  if (!ok || ::fsync(fd) != 0) {
    std::string e = std::strerror(errno);
    ::close(fd);
    ::unlink(tmp.c_str());
    if (error) *error = "cannot write " + tmp + ": " + e;
    return false;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string e = std::strerror(errno);
    ::unlink(tmp.c_str());
    if (error) *error = "cannot rename " + tmp + " to " + path + ": " + e;
    return false;
  }
  // Make the rename itself durable.
  std::string dir = p.has_parent_path() ? p.parent_path().string() : ".";
  base::SyncDir(dir);  // (best effort: the rename is done either way)
  return true;
}

// A read-only, populated mapping of a whole file.
class Mapped {
 public:
  ~Mapped() {
    if (data_) ::munmap(data_, size_);
  }
  // False with `reason` set when the file cannot be mapped.
  bool Open(const std::string& path, std::string* reason) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      SetReason(reason, errno == ENOENT ? "missing" : "unreadable");
      return false;
    }
    struct stat st;
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      ::close(fd);
      SetReason(reason, "unreadable");
      return false;
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        SetReason(reason, "unreadable");
        return false;
      }
      data_ = static_cast<char*>(p);
    }
    ::close(fd);
    return true;
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

std::optional<EventStore> LoadStore(const std::string& path, uint64_t fingerprint,
                                    std::string* reason, std::string* meta) {
  Mapped file;
  if (!file.Open(path, reason)) return std::nullopt;
  const char* data = file.data();
  const size_t size = file.size();
  const size_t magic_n = std::min(size, sizeof kMagic);
  if (magic_n > 0 && std::memcmp(data, kMagic, magic_n) != 0) {
    SetReason(reason, "foreign-file");
    return std::nullopt;
  }
  if (size < kHeaderSize) {
    SetReason(reason, "truncated");
    return std::nullopt;
  }
  In h(data + sizeof kMagic, kHeaderSize - sizeof kMagic);
  uint32_t order = h.Get<uint32_t>();
  uint32_t version = h.Get<uint32_t>();
  uint64_t fp = h.Get<uint64_t>();
  uint64_t payload_size = h.Get<uint64_t>();
  uint64_t checksum = h.Get<uint64_t>();
  uint64_t header_sum = h.Get<uint64_t>();
  if (order != kByteOrder) {
    SetReason(reason, "foreign-file");
    return std::nullopt;
  }
  if (version != kCacheFormatVersion) {
    SetReason(reason, "version");
    return std::nullopt;
  }
  if (Hash64(data, kHeaderSize - 8) != header_sum) {
    SetReason(reason, "corrupt");
    return std::nullopt;
  }
  if (fp != fingerprint) {
    SetReason(reason, "stale");
    return std::nullopt;
  }
  if (size - kHeaderSize < payload_size) {
    SetReason(reason, "truncated");
    return std::nullopt;
  }
  if (size - kHeaderSize > payload_size || Hash64(data + kHeaderSize, payload_size) != checksum) {
    SetReason(reason, "corrupt");
    return std::nullopt;
  }
  EventStore s;
  if (!ParsePayload(data + kHeaderSize, payload_size, &s, meta) || !ValidateStore(s)) {
    SetReason(reason, "corrupt");
    return std::nullopt;
  }
  SetReason(reason, "");
  return s;
}

bool ValidateStore(const EventStore& s, std::string* problem) {
  auto bad = [&](const char* what) {
    if (problem) *problem = what;
    return false;
  };
  const size_t nd = s.dict.size();
  const size_t nn = s.nodes.size();
  const uint32_t nc = s.num_components;
  if (nd == 0 || !s.dict.Get(0).empty()) return bad("dictionary without the empty string");
  std::vector<uint64_t> type_events(s.types.size(), 0);
  for (const EventType& t : s.types) {
    for (const Column& c : t.columns) {
      if (c.name >= nd) return bad("column name out of range");
      size_t want[4] = {0, 0, 0, 0};
      want[static_cast<int>(c.kind)] = c.sparse ? c.rows.size() : t.rows;
      if (c.ints.size() != want[0] || c.floats.size() != want[1] || c.bools.size() != want[2] ||
          c.codes.size() != want[3]) {
        return bad("column size does not match its type's rows");
      }
      if (c.sparse) {
        if (!c.valid.empty()) return bad("sparse column with validity bits");
        for (size_t i = 0; i < c.rows.size(); ++i) {
          if (c.rows[i] >= t.rows || (i > 0 && c.rows[i - 1] >= c.rows[i]))
            return bad("sparse column rows out of range or order");
        }
      } else if (c.valid.size() != (t.rows + 63ull) / 64 || !c.rows.empty()) {
        return bad("column size does not match its type's rows");
      }
      for (uint32_t code : c.codes) {
        if (code >= nd) return bad("string code out of range");
      }
    }
  }
  for (const Node& n : s.nodes) {
    if (n.value >= nd) return bad("node value out of range");
  }
  if (s.node_component.size() != nn) return bad("node_component size");
  for (uint32_t c : s.node_component) {
    if (c >= nc) return bad("component out of range");
  }
  if (!Offsets(s.component_node_offsets, nc, s.component_nodes.size()) ||
      s.component_nodes.size() != nn || !Offsets(s.component_link_offsets, nc, s.links.size()) ||
      !Offsets(s.component_trait_offsets, nc, s.traits.size()) ||
      !Offsets(s.component_event_offsets, nc, s.ts.size())) {
    return bad("component offsets");
  }
  const size_t ne = s.ts.size();
  if (s.type.size() != ne || s.row.size() != ne || s.node.size() != ne) {
    return bad("event arrays differ in size");
  }
  uint32_t next_trait = 0;
  for (const GroupRecord& g : s.groups) {
    if (g.node >= nn || g.group >= nd || g.traits_begin != next_trait ||
        g.traits_end < g.traits_begin || g.traits_end > s.group_traits.size()) {
      return bad("group record");
    }
    for (uint32_t k = g.traits_begin; k < g.traits_end; ++k) {
      const TraitRecord& r = s.group_traits[k];
      if (r.node != g.node || r.name >= nd || r.str >= nd) return bad("group trait record");
    }
    next_trait = g.traits_end;
  }
  if (next_trait != s.group_traits.size()) return bad("group trait records");
  for (uint32_t c = 0; c < nc; ++c) {
    for (uint32_t k = s.component_node_offsets[c]; k < s.component_node_offsets[c + 1]; ++k) {
      uint32_t n = s.component_nodes[k];
      if (n >= nn || s.node_component[n] != c) return bad("component node");
    }
    for (uint32_t k = s.component_link_offsets[c]; k < s.component_link_offsets[c + 1]; ++k) {
      const Link& l = s.links[k];
      if (l.a >= nn || l.b >= nn || s.node_component[l.a] != c || s.node_component[l.b] != c) {
        return bad("link");
      }
    }
    for (uint32_t k = s.component_trait_offsets[c]; k < s.component_trait_offsets[c + 1]; ++k) {
      const TraitRecord& r = s.traits[k];
      if (r.node >= nn || s.node_component[r.node] != c || r.name >= nd || r.str >= nd) {
        return bad("trait record");
      }
      if (k > s.component_trait_offsets[c] && s.traits[k - 1].ts > r.ts) {
        return bad("trait records out of order");
      }
    }
    for (uint32_t e = s.component_event_offsets[c]; e < s.component_event_offsets[c + 1]; ++e) {
      if (s.type[e] >= s.types.size() || s.row[e] >= s.types[s.type[e]].rows) {
        return bad("event type or row");
      }
      if (s.node[e] >= nn || s.node_component[s.node[e]] != c) return bad("event node");
      if (e > s.component_event_offsets[c] && s.ts[e - 1] > s.ts[e]) {
        return bad("events out of order");
      }
      ++type_events[s.type[e]];
    }
  }
  for (size_t t = 0; t < s.types.size(); ++t) {
    if (type_events[t] != s.types[t].rows) return bad("type rows do not match its events");
  }
  return true;
}

}  // namespace aud::store
