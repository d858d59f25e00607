// The store cache file, format 4 (docs/runtime.md, "The cache file").
// Layout (little-endian):
//   header (48 bytes): magic "AUDSTORE", byte-order mark, format version,
//   fingerprint, payload size, payload checksum, header checksum;
//   payload: the sections (dictionary, types and columns, nodes,
//   components, links, traits, events, meta, groups), each padded to 8
//   bytes, then the section table (each section's size, then the count), so
//   the file is written in one pass (the header last, in place).
// Arrays are narrow: `Raw` arrays are the in-memory elements (a count, then
// the elements at an 8-byte-aligned offset: a load borrows them from the
// mapping); `Packed` arrays are a frame of reference (count, width 0, 1, 2,
// 4 or 8 bytes, base, then each value minus the base); `Times` arrays are
// time deltas of 2 or 4 bytes with an escape to a full 64-bit time. A load
// maps the file, checks both checksums, bounds-checks every array and index,
// and then borrows or lazily widens the property columns (nothing copied
// until a program reads a column) and decodes the event arrays. XXH64.

#include "runtime/store/cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
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

// Writes the payload to a file in one pass, hashing it on the way; small
// writes are gathered in a buffer, big arrays go straight to the file, so
// writing costs little memory beyond the store.
class Out {
 public:
  explicit Out(int fd) : fd_(fd) {}
  void Bytes(const void* p, size_t n) {
    if (n == 0) return;
    hasher_.Update(p, n);
    size_ += n;
    if (n >= kDirect) {
      Flush();
      Write(static_cast<const char*>(p), n);
      return;
    }
    buf_.append(static_cast<const char*>(p), n);
    if (buf_.size() >= kBuffer) Flush();
  }
  template <typename T>
  void Put(T v) {
    static_assert(std::is_trivially_copyable_v<T>);
    Bytes(&v, sizeof v);
  }
  void Align() {
    static const char kZeros[8] = {};
    Bytes(kZeros, (8 - size_ % 8) % 8);
  }
  void Str(std::string_view s) {
    Put<uint64_t>(s.size());
    Bytes(s.data(), s.size());
  }
  // A count, zero padding to 8 bytes, the elements as they are in memory.
  template <typename T>
  void Raw(const T* p, size_t n) {
    static_assert(std::is_arithmetic_v<T>);
    Put<uint64_t>(n);
    Align();
    Bytes(p, n * sizeof(T));
  }
  template <typename C>
  void Raw(const C& v) {
    Raw(v.data(), v.size());
  }
  // False when a write failed (errno set).
  bool Finish() {
    Flush();
    return ok_;
  }
  uint64_t size() const { return size_; }
  uint64_t Digest() const { return hasher_.Digest(); }

 private:
  static constexpr size_t kDirect = size_t{64} * 1024;
  static constexpr size_t kBuffer = size_t{1024} * 1024;
  void Flush() {
    if (!buf_.empty()) Write(buf_.data(), buf_.size());
    buf_.clear();
  }
  void Write(const char* p, size_t n) {
    if (ok_ && !base::WriteAll(fd_, p, n)) ok_ = false;
  }
  int fd_;
  bool ok_ = true;
  uint64_t size_ = 0;
  Hasher hasher_;
  std::string buf_;
};

// The bytes a value span needs: 0 (all equal), 1, 2, 4 or 8.
uint8_t WidthOf(uint64_t span) {
  if (span == 0) return 0;
  if (span <= 0xFF) return 1;
  if (span <= 0xFFFF) return 2;
  if (span <= 0xFFFFFFFFull) return 4;
  return 8;
}

// Writes n little-endian values of `width` bytes from get(i) (uint64).
template <typename Get>
void PutNarrow(Out* o, size_t n, uint8_t width, Get get) {
  if (width == 0) return;
  char buf[16384];
  size_t used = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t v = get(i);
    std::memcpy(buf + used, &v, width);  // little-endian: the low bytes
    used += width;
    if (used + 8 > sizeof buf) {
      o->Bytes(buf, used);
      used = 0;
    }
  }
  o->Bytes(buf, used);
}

// A frame-of-reference array of n integers get(i): the smallest as the
// base, every value minus it in the fewest bytes that hold the largest.
template <typename Get>
void Packed(Out* o, size_t n, Get get) {
  int64_t lo = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto v = static_cast<int64_t>(get(i));
    if (i == 0 || v < lo) lo = v;
  }
  uint64_t span = 0;
  for (size_t i = 0; i < n; ++i)
    span = std::max(span, static_cast<uint64_t>(get(i)) - static_cast<uint64_t>(lo));
  const uint8_t width = WidthOf(span);
  o->Put<uint64_t>(n);
  o->Put<uint8_t>(width);
  o->Put<int64_t>(lo);
  o->Align();
  PutNarrow(o, n, width,
            [&](size_t i) { return static_cast<uint64_t>(get(i)) - static_cast<uint64_t>(lo); });
}
template <typename T>
void PackedVec(Out* o, const T& v) {
  Packed(o, v.size(), [&](size_t i) { return v[i]; });
}

// Times: each value as its difference from the previous one in 2 or 4
// bytes (whichever makes the array smaller), the all-ones value escaping to
// the next entry of a 64-bit array (the first value, a step back in time or
// a gap too wide). Sorted runs (a component's events) cost 2-4 bytes each.
template <typename Get>
void Times(Out* o, size_t n, Get get) {
  size_t esc[2] = {0, 0};  // escapes at width 2, 4
  auto delta = [&](size_t i, uint64_t max, uint64_t* d) {
    if (i == 0) return false;
    const int64_t prev = get(i - 1), cur = get(i);
    if (cur < prev) return false;
    *d = static_cast<uint64_t>(cur) - static_cast<uint64_t>(prev);
    return *d < max;
  };
  for (size_t i = 0; i < n; ++i) {
    uint64_t d;
    if (!delta(i, 0xFFFF, &d)) ++esc[0];
    if (!delta(i, 0xFFFFFFFFull, &d)) ++esc[1];
  }
  const uint8_t width = n * 2 + esc[0] * 8 <= n * 4 + esc[1] * 8 ? 2 : 4;
  const uint64_t escape = width == 2 ? 0xFFFF : 0xFFFFFFFFull;
  std::vector<int64_t> escapes;
  escapes.reserve(width == 2 ? esc[0] : esc[1]);
  o->Put<uint64_t>(n);
  o->Put<uint8_t>(width);
  o->Align();
  PutNarrow(o, n, width, [&](size_t i) {
    uint64_t d;
    if (delta(i, escape, &d)) return d;
    escapes.push_back(get(i));
    return escape;
  });
  o->Align();
  o->Raw(escapes);
}

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
  void Align() { Bytes((8 - static_cast<size_t>(p_ - begin_) % 8) % 8); }
  // A view of the next Raw array; `n` elements.
  template <typename T>
  const T* View(uint64_t* n) {
    *n = Get<uint64_t>();
    Align();
    if (!ok_ || *n > static_cast<uint64_t>(end_ - p_) / sizeof(T) ||
        reinterpret_cast<uintptr_t>(p_) % alignof(T) != 0) {
      ok_ = false;
      *n = 0;
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
    const char* p = Bytes(n);
    if (p) s->assign(p, n);
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

// A Packed array in the mapping.
struct PackedView {
  const char* p = nullptr;
  uint64_t n = 0;
  uint8_t width = 0;
  int64_t base = 0;
  uint64_t Raw(size_t i) const {
    switch (width) {
      case 1: return static_cast<uint8_t>(p[i]);
      case 2: {
        uint16_t v;
        std::memcpy(&v, p + 2 * i, 2);
        return v;
      }
      case 4: {
        uint32_t v;
        std::memcpy(&v, p + 4 * i, 4);
        return v;
      }
      case 8: {
        uint64_t v;
        std::memcpy(&v, p + 8 * i, 8);
        return v;
      }
      default: return 0;
    }
  }
  // Value i as the 64-bit pattern base + stored (wrapping).
  uint64_t Get(size_t i) const { return static_cast<uint64_t>(base) + Raw(i); }
  template <typename T>
  void Decode(T* out) const {
    auto run = [&](auto tag) {
      using U = decltype(tag);
      const auto* q = reinterpret_cast<const U*>(p);  // 8-byte aligned in the mapping
      for (uint64_t i = 0; i < n; ++i)
        out[i] = static_cast<T>(static_cast<uint64_t>(base) + static_cast<uint64_t>(q[i]));
    };
    switch (width) {
      case 0: std::fill(out, out + n, static_cast<T>(static_cast<uint64_t>(base))); break;
      case 1: run(uint8_t{}); break;
      case 2: run(uint16_t{}); break;
      case 4: run(uint32_t{}); break;
      default: run(uint64_t{}); break;
    }
  }
  template <typename T>
  std::vector<T> Vector() const {
    std::vector<T> v(n);
    Decode(v.data());
    return v;
  }
  // Whether every value, as T, is below `limit` (scans the array).
  bool Below(uint64_t limit) const {
    if (n == 0) return true;
    if (width == 0) return Get(0) < limit;
    for (uint64_t i = 0; i < n; ++i) {
      if (Get(i) >= limit) return false;
    }
    return true;
  }
};

// Reads a Packed array; n is bounded by the bytes left unless width is 0
// (callers compare n with a bounded count before anything is allocated).
bool ReadPacked(In* in, PackedView* v) {
  v->n = in->Get<uint64_t>();
  v->width = in->Get<uint8_t>();
  v->base = in->Get<int64_t>();
  in->Align();
  if (!in->ok()) return false;
  if (v->width != 0 && v->width != 1 && v->width != 2 && v->width != 4 && v->width != 8)
    return false;
  if (v->width > 0) {
    if (v->n > std::numeric_limits<uint64_t>::max() / v->width) return false;
    v->p = in->Bytes(v->n * v->width);
    if (!in->ok()) return false;
  }
  return true;
}

// Reads and decodes a Times array into `out`.
bool ReadTimes(In* in, std::vector<int64_t>* out) {
  uint64_t n = in->Get<uint64_t>();
  uint8_t width = in->Get<uint8_t>();
  in->Align();
  if (!in->ok() || (width != 2 && width != 4) || n > std::numeric_limits<uint64_t>::max() / width)
    return false;
  const char* d = in->Bytes(n * width);
  in->Align();
  uint64_t ne = 0;
  const int64_t* esc = in->View<int64_t>(&ne);
  if (!in->ok()) return false;
  const uint64_t escape = width == 2 ? 0xFFFF : 0xFFFFFFFFull;
  ReserveHuge(*out, n);
  out->resize(n);
  uint64_t k = 0;
  uint64_t prev = 0;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t v;
    if (width == 2) {
      uint16_t x;
      std::memcpy(&x, d + 2 * i, 2);
      v = x;
    } else {
      uint32_t x;
      std::memcpy(&x, d + 4 * i, 4);
      v = x;
    }
    if (v == escape) {
      if (k >= ne) return false;
      prev = static_cast<uint64_t>(esc[k++]);
    } else {
      if (i == 0) return false;  // the first value is always an escape
      prev += v;
    }
    (*out)[i] = static_cast<int64_t>(prev);
  }
  return k == ne;
}

void WriteDict(const Dictionary& d, Out* o) {
  const auto& strings = d.strings();
  Packed(o, strings.size(), [&](size_t i) { return strings[i].size(); });
  size_t total = 0;
  for (std::string_view s : strings) total += s.size();
  o->Put<uint64_t>(total);
  for (std::string_view s : strings) o->Bytes(s.data(), s.size());
  o->Align();
}

bool ReadDict(In* in, Dictionary* d) {
  PackedView lens;
  if (!ReadPacked(in, &lens)) return false;
  uint64_t total = in->Get<uint64_t>();
  const char* bytes = in->Bytes(total);
  in->Align();
  if (!in->ok() || lens.n == 0 || lens.Get(0) != 0 || lens.n > total + 1) return false;
  // (distinct strings: at most one empty, so n <= total + 1)
  uint64_t sum = 0;
  for (uint64_t i = 0; i < lens.n; ++i) {
    const uint64_t l = lens.Get(i);
    if (l > total) return false;
    sum += l;
    if (sum > total) return false;
  }
  if (sum != total) return false;
  d->Reserve(lens.n);
  size_t pos = 0;
  for (uint64_t i = 0; i < lens.n; ++i) {
    const auto l = static_cast<size_t>(lens.Get(i));
    std::string_view s(bytes + pos, l);
    pos += l;
    if (d->Intern(s) != i) return false;  // duplicates: not a dictionary
  }
  return true;
}

// How a column's values are stored.
enum class ColumnCode : uint8_t {
  Raw = 0,        // the in-memory elements (floats, bools)
  Packed = 1,     // ints: frame of reference
  LocalDict = 2,  // strings: the column's distinct codes (Raw, ascending) + Packed indices
  Decimal = 3     // floats that are all k / 10^d exactly: d (u8), then k Packed
};

// The smallest d in 0..4 such that every value is exactly k / 10^d for an
// integer k (bit for bit, so -0.0, NaN and infinities never qualify), or -1.
int DecimalDigits(const Array<double>& v) {
  static const double kScale[5] = {1, 10, 100, 1000, 10000};
  for (int d = 0; d < 5; ++d) {
    bool all = true;
    for (double x : v) {
      const double y = x * kScale[d];
      if (!(y > -9e15 && y < 9e15)) {
        all = false;
        break;
      }
      const double back = static_cast<double>(std::llround(y)) / kScale[d];
      // Bit for bit (-0.0, NaN payloads): the values' representations.
      if (std::bit_cast<uint64_t>(back) != std::bit_cast<uint64_t>(x)) {
        all = false;
        break;
      }
    }
    if (all) return d;
  }
  return -1;
}

void WriteColumn(const Column& c, std::vector<uint32_t>* scratch, Out* o) {
  o->Put<uint32_t>(c.name);
  o->Put<uint8_t>(static_cast<uint8_t>(c.kind));
  o->Put<uint8_t>(c.sparse ? 1 : 0);
  switch (c.kind) {
    case ValueKind::Int:
      o->Put<uint8_t>(static_cast<uint8_t>(ColumnCode::Packed));
      PackedVec(o, c.ints);
      break;
    case ValueKind::Float: {
      const int d = DecimalDigits(c.floats);
      if (d < 0) {
        o->Put<uint8_t>(static_cast<uint8_t>(ColumnCode::Raw));
        o->Raw(c.floats);
        break;
      }
      static const double kScale[5] = {1, 10, 100, 1000, 10000};
      o->Put<uint8_t>(static_cast<uint8_t>(ColumnCode::Decimal));
      o->Put<uint8_t>(static_cast<uint8_t>(d));
      Packed(o, c.floats.size(), [&](size_t i) { return std::llround(c.floats[i] * kScale[d]); });
      break;
    }
    case ValueKind::Bool:
      o->Put<uint8_t>(static_cast<uint8_t>(ColumnCode::Raw));
      o->Raw(c.bools);
      break;
    case ValueKind::String: {
      o->Put<uint8_t>(static_cast<uint8_t>(ColumnCode::LocalDict));
      // `index` (one slot per dictionary code, all UINT32_MAX between
      // columns) maps a code to its local index in time linear in the values.
      std::vector<uint32_t>& index = *scratch;
      std::vector<uint32_t> local;
      for (uint32_t code : c.codes) {
        if (code >= index.size())
          index.resize(size_t{code} + 1, UINT32_MAX);  // (not a valid store)
        if (index[code] == UINT32_MAX) {
          index[code] = 0;
          local.push_back(code);
        }
      }
      std::sort(local.begin(), local.end());
      for (size_t k = 0; k < local.size(); ++k) index[local[k]] = static_cast<uint32_t>(k);
      o->Raw(local);
      Packed(o, c.codes.size(), [&](size_t i) { return index[c.codes[i]]; });
      for (uint32_t code : local) index[code] = UINT32_MAX;
      break;
    }
  }
  if (c.sparse) {
    o->Raw(c.rows);
  } else {
    o->Raw(c.valid);
  }
}

using Keep = std::shared_ptr<const void>;

template <typename T>
Array<T> BorrowRaw(In* in, const Keep& keep) {
  uint64_t n = 0;
  const T* p = in->View<T>(&n);
  if (!in->ok()) return {};
  return Array<T>::Borrow(p, n, keep);
}

bool ReadColumn(In* in, size_t num_strings, const Keep& keep, Column* c) {
  c->name = in->Get<uint32_t>();
  const uint8_t kind = in->Get<uint8_t>();
  const uint8_t sparse = in->Get<uint8_t>();
  const uint8_t code = in->Get<uint8_t>();
  if (!in->ok() || kind > static_cast<uint8_t>(ValueKind::String) || sparse > 1) return false;
  c->kind = static_cast<ValueKind>(kind);
  c->sparse = sparse != 0;
  switch (c->kind) {
    case ValueKind::Int: {
      PackedView v;
      if (code != static_cast<uint8_t>(ColumnCode::Packed) || !ReadPacked(in, &v)) return false;
      c->ints = Array<int64_t>::Lazy(v.n, [v, keep](int64_t* out) { v.Decode(out); });
      break;
    }
    case ValueKind::Float:
      if (code == static_cast<uint8_t>(ColumnCode::Decimal)) {
        static const double kScale[5] = {1, 10, 100, 1000, 10000};
        const uint8_t d = in->Get<uint8_t>();
        PackedView v;
        if (d > 4 || !ReadPacked(in, &v)) return false;
        const double scale = kScale[d];
        c->floats = Array<double>::Lazy(v.n, [v, scale, keep](double* out) {
          for (uint64_t i = 0; i < v.n; ++i)
            out[i] = static_cast<double>(static_cast<int64_t>(v.Get(i))) / scale;
        });
        break;
      }
      if (code != static_cast<uint8_t>(ColumnCode::Raw)) return false;
      c->floats = BorrowRaw<double>(in, keep);
      break;
    case ValueKind::Bool:
      if (code != static_cast<uint8_t>(ColumnCode::Raw)) return false;
      c->bools = BorrowRaw<uint8_t>(in, keep);
      break;
    case ValueKind::String: {
      if (code != static_cast<uint8_t>(ColumnCode::LocalDict)) return false;
      uint64_t nl = 0;
      const uint32_t* local = in->View<uint32_t>(&nl);
      PackedView v;
      if (!in->ok() || !ReadPacked(in, &v)) return false;
      // Bounds now, so that widening later cannot read out of range.
      for (uint64_t i = 0; i < nl; ++i) {
        if (local[i] >= num_strings || (i > 0 && local[i - 1] >= local[i])) return false;
      }
      if (!v.Below(nl)) return false;
      c->codes = Array<uint32_t>::Lazy(v.n, [v, local, keep](uint32_t* out) {
        v.Decode(out);
        for (uint64_t i = 0; i < v.n; ++i) out[i] = local[out[i]];
      });
      break;
    }
  }
  if (c->sparse) {
    c->rows = BorrowRaw<uint32_t>(in, keep);
  } else {
    c->valid = BorrowRaw<uint64_t>(in, keep);
  }
  return in->ok();
}

// Offsets as counts (Packed); decoded by a prefix sum.
void WriteOffsets(const std::vector<uint32_t>& off, Out* o) {
  Packed(o, off.empty() ? 0 : off.size() - 1, [&](size_t i) { return off[i + 1] - off[i]; });
}
bool ReadOffsets(In* in, uint32_t nc, std::vector<uint32_t>* off) {
  PackedView v;
  if (!ReadPacked(in, &v) || v.n != nc) return false;
  off->resize(static_cast<size_t>(nc) + 1);
  uint64_t sum = 0;
  (*off)[0] = 0;
  for (uint32_t c = 0; c < nc; ++c) {
    sum += v.Get(c);
    if (sum > UINT32_MAX) return false;
    (*off)[c + 1] = static_cast<uint32_t>(sum);
  }
  return true;
}

// Trait records: times, order, node and name Packed, then a flags byte per
// record (kind, is_null, b), then the values: by kind (ints of the Int
// records, floats of the Float ones, codes of the String ones) when every
// other value field is zero, else every field of every record.
uint64_t BitsOf(double f) {
  uint64_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

void WriteTraits(const std::vector<TraitRecord>& t, Out* o) {
  const size_t n = t.size();
  Times(o, n, [&](size_t i) { return t[i].ts; });
  Packed(o, n, [&](size_t i) { return t[i].order; });
  Packed(o, n, [&](size_t i) { return t[i].node; });
  Packed(o, n, [&](size_t i) { return t[i].name; });
  std::vector<uint8_t> flags(n);
  bool by_kind = true;
  std::vector<size_t> of_kind[4];
  for (size_t i = 0; i < n; ++i) {
    const TraitRecord& r = t[i];
    flags[i] =
        static_cast<uint8_t>(static_cast<uint8_t>(r.kind) | (r.is_null ? 4 : 0) | (r.b ? 8 : 0));
    if ((r.kind != ValueKind::Int && r.i != 0) ||
        (r.kind != ValueKind::Float && BitsOf(r.f) != 0) ||
        (r.kind != ValueKind::String && r.str != 0))
      by_kind = false;
    of_kind[static_cast<int>(r.kind)].push_back(i);
  }
  o->Raw(flags);
  o->Put<uint8_t>(by_kind ? 1 : 0);
  auto ints = [&](const std::vector<size_t>& idx) {
    Packed(o, idx.size(), [&](size_t k) { return t[idx[k]].i; });
  };
  auto floats = [&](const std::vector<size_t>& idx) {
    std::vector<double> f(idx.size());
    for (size_t k = 0; k < idx.size(); ++k) f[k] = t[idx[k]].f;
    o->Raw(f);
  };
  auto strs = [&](const std::vector<size_t>& idx) {
    Packed(o, idx.size(), [&](size_t k) { return t[idx[k]].str; });
  };
  if (by_kind) {
    ints(of_kind[0]);
    floats(of_kind[1]);
    strs(of_kind[3]);
  } else {
    std::vector<size_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = i;
    ints(all);
    floats(all);
    strs(all);
  }
}

bool ReadTraits(In* in, std::vector<TraitRecord>* out) {
  std::vector<int64_t> ts;
  if (!ReadTimes(in, &ts)) return false;
  const uint64_t n = ts.size();
  PackedView order, node, name, ints, strs;
  if (!ReadPacked(in, &order) || !ReadPacked(in, &node) || !ReadPacked(in, &name)) return false;
  uint64_t nf = 0;
  const uint8_t* flags = in->View<uint8_t>(&nf);
  const uint8_t by_kind = in->Get<uint8_t>();
  if (!in->ok() || order.n != n || node.n != n || name.n != n || nf != n || by_kind > 1)
    return false;
  uint64_t nfl = 0;
  if (!ReadPacked(in, &ints)) return false;
  const double* floats = in->View<double>(&nfl);
  if (!in->ok() || !ReadPacked(in, &strs)) return false;
  uint64_t count[4] = {0, 0, 0, 0};
  for (uint64_t i = 0; i < n; ++i) {
    if (flags[i] > 15) return false;
    ++count[flags[i] & 3];
  }
  if (by_kind ? (ints.n != count[0] || nfl != count[1] || strs.n != count[3])
              : (ints.n != n || nfl != n || strs.n != n))
    return false;
  auto& t = *out;
  ReserveHuge(t, n);
  t.assign(n, TraitRecord{});
  uint64_t k[4] = {0, 0, 0, 0};
  for (uint64_t i = 0; i < n; ++i) {
    TraitRecord& r = t[i];
    r.ts = ts[i];
    r.order = order.Get(i);
    r.node = static_cast<uint32_t>(node.Get(i));
    r.name = static_cast<uint32_t>(name.Get(i));
    r.kind = static_cast<ValueKind>(flags[i] & 3);
    r.is_null = (flags[i] & 4) != 0;
    r.b = (flags[i] & 8) != 0;
    if (node.Get(i) > UINT32_MAX || name.Get(i) > UINT32_MAX) return false;
    if (by_kind) {
      switch (r.kind) {
        case ValueKind::Int: r.i = static_cast<int64_t>(ints.Get(k[0]++)); break;
        case ValueKind::Float: r.f = floats[k[1]++]; break;
        case ValueKind::Bool: break;
        case ValueKind::String: {
          const uint64_t s = strs.Get(k[3]++);
          if (s > UINT32_MAX) return false;
          r.str = static_cast<uint32_t>(s);
          break;
        }
      }
    } else {
      const uint64_t s = strs.Get(i);
      if (s > UINT32_MAX) return false;
      r.i = static_cast<int64_t>(ints.Get(i));
      r.f = floats[i];
      r.str = static_cast<uint32_t>(s);
    }
  }
  return true;
}

// Writes the payload; false when a write failed.
bool WritePayload(const EventStore& s, std::string_view meta, Out* o) {
  std::vector<uint64_t> sizes;
  uint64_t start = 0;
  auto end_section = [&] {
    o->Align();
    sizes.push_back(o->size() - start);
    start = o->size();
  };
  WriteDict(s.dict, o);
  end_section();
  std::vector<uint32_t> scratch(s.dict.size(), UINT32_MAX);
  o->Put<uint32_t>(static_cast<uint32_t>(s.types.size()));
  for (const EventType& t : s.types) {
    o->Str(t.key);
    o->Put<uint32_t>(t.rows);
    o->Put<uint32_t>(static_cast<uint32_t>(t.columns.size()));
    for (const Column& c : t.columns) WriteColumn(c, &scratch, o);
  }
  end_section();
  {
    std::vector<uint8_t> kinds(s.nodes.size());
    for (size_t i = 0; i < kinds.size(); ++i) kinds[i] = static_cast<uint8_t>(s.nodes[i].kind);
    o->Raw(kinds);
    Packed(o, s.nodes.size(), [&](size_t i) { return s.nodes[i].value; });
    Packed(o, s.nodes.size(), [&](size_t i) { return s.nodes[i].first_ts; });
  }
  end_section();
  // node_component is implied by component_nodes and its offsets.
  o->Put<uint32_t>(s.num_components);
  PackedVec(o, s.component_nodes);
  WriteOffsets(s.component_node_offsets, o);
  WriteOffsets(s.component_link_offsets, o);
  WriteOffsets(s.component_trait_offsets, o);
  WriteOffsets(s.component_event_offsets, o);
  end_section();
  {
    const auto& l = s.links;
    Times(o, l.size(), [&](size_t i) { return l[i].ts; });
    Packed(o, l.size(), [&](size_t i) { return l[i].a; });
    Packed(o, l.size(), [&](size_t i) { return l[i].b; });
    Packed(o, l.size(), [&](size_t i) { return l[i].until; });
  }
  end_section();
  WriteTraits(s.traits, o);
  end_section();
  {
    // Events: times; types; each event's node as its index among its
    // component's nodes. Rows are not stored: an event's row is the number
    // of earlier events of its type (the store order).
    const size_t ne = s.ts.size();
    Times(o, ne, [&](size_t i) { return s.ts[i]; });
    PackedVec(o, s.type);
    std::vector<uint32_t> local(s.nodes.size(), 0);
    for (uint32_t c = 0; c < s.num_components; ++c)
      for (uint32_t k = s.component_node_offsets[c]; k < s.component_node_offsets[c + 1]; ++k)
        local[s.component_nodes[k]] = k - s.component_node_offsets[c];
    Packed(o, ne, [&](size_t e) { return local[s.node[e]]; });
  }
  end_section();
  o->Str(meta);
  end_section();
  {
    const auto& g = s.groups;
    Times(o, g.size(), [&](size_t i) { return g[i].ts; });
    Packed(o, g.size(), [&](size_t i) { return g[i].order; });
    Packed(o, g.size(), [&](size_t i) { return g[i].node; });
    Packed(o, g.size(), [&](size_t i) { return g[i].group; });
    Packed(o, g.size(), [&](size_t i) { return g[i].traits_begin; });
    Packed(o, g.size(), [&](size_t i) { return g[i].traits_end; });
    WriteTraits(s.group_traits, o);
  }
  end_section();
  for (uint64_t z : sizes) o->Put<uint64_t>(z);
  o->Put<uint64_t>(sizes.size());
  return o->Finish();
}

// A Packed array of n values below `limit` as uint32.
bool Narrow32(const PackedView& v, uint64_t n, uint64_t limit, std::vector<uint32_t>* out) {
  if (v.n != n || !v.Below(limit) || limit > uint64_t{UINT32_MAX} + 1) return false;
  out->resize(n);
  v.Decode(out->data());
  return true;
}

// Parses a payload whose checksum matched; false when it is malformed.
bool ParsePayload(const char* p, size_t n, const Keep& keep, EventStore* s, std::string* meta) {
  // The section table, at the end.
  if (n < 8) return false;
  uint64_t count;
  std::memcpy(&count, p + n - 8, 8);
  if (count != kNumSections || n < 8 * (count + 1)) return false;
  const size_t table = n - 8 * (count + 1);
  std::vector<In> sec;
  size_t pos = 0;
  for (uint64_t k = 0; k < count; ++k) {
    uint64_t z;
    std::memcpy(&z, p + table + 8 * k, 8);
    if (z > table - pos || z % 8 != 0) return false;
    sec.emplace_back(p + pos, z);
    pos += z;
  }
  if (pos != table) return false;

  if (!ReadDict(&sec[0], &s->dict)) return false;
  const size_t nd = s->dict.size();
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
        if (!ReadColumn(&in, nd, keep, &c)) return false;
      }
    }
  }
  size_t nn = 0;
  {
    In& in = sec[2];
    uint64_t nk = 0;
    const uint8_t* kinds = in.View<uint8_t>(&nk);
    PackedView values, first;
    if (!in.ok() || !ReadPacked(&in, &values) || !ReadPacked(&in, &first) || values.n != nk ||
        first.n != nk || !values.Below(nd))
      return false;
    nn = nk;
    s->nodes.resize(nn);
    for (uint64_t i = 0; i < nn; ++i) {
      if (kinds[i] > 1) return false;
      s->nodes[i] = Node{static_cast<IdKind>(kinds[i]), static_cast<uint32_t>(values.Get(i)),
                         static_cast<int64_t>(first.Get(i))};
    }
  }
  {
    In& in = sec[3];
    s->num_components = in.Get<uint32_t>();
    PackedView nodes;
    if (!in.ok() || s->num_components > nn || !ReadPacked(&in, &nodes) ||
        !Narrow32(nodes, nn, nn, &s->component_nodes))
      return false;
    const uint32_t nc = s->num_components;
    if (!ReadOffsets(&in, nc, &s->component_node_offsets) ||
        !ReadOffsets(&in, nc, &s->component_link_offsets) ||
        !ReadOffsets(&in, nc, &s->component_trait_offsets) ||
        !ReadOffsets(&in, nc, &s->component_event_offsets) || s->component_node_offsets[nc] != nn)
      return false;
    // Each node in exactly one component.
    s->node_component.assign(nn, UINT32_MAX);
    for (uint32_t c = 0; c < nc; ++c) {
      for (uint32_t k = s->component_node_offsets[c]; k < s->component_node_offsets[c + 1]; ++k) {
        uint32_t& slot = s->node_component[s->component_nodes[k]];
        if (slot != UINT32_MAX) return false;
        slot = c;
      }
    }
  }
  {
    In& in = sec[4];
    std::vector<int64_t> ts;
    PackedView a, b, until;
    if (!ReadTimes(&in, &ts) || !ReadPacked(&in, &a) || !ReadPacked(&in, &b) ||
        !ReadPacked(&in, &until) || a.n != ts.size() || b.n != ts.size() || until.n != ts.size() ||
        !a.Below(nn) || !b.Below(nn))
      return false;
    s->links.resize(ts.size());
    for (size_t i = 0; i < ts.size(); ++i)
      s->links[i] = Link{ts[i], static_cast<uint32_t>(a.Get(i)), static_cast<uint32_t>(b.Get(i)),
                         static_cast<int64_t>(until.Get(i))};
  }
  if (!ReadTraits(&sec[5], &s->traits)) return false;
  {
    In& in = sec[6];
    PackedView type, local;
    if (!ReadTimes(&in, &s->ts) || !ReadPacked(&in, &type) || !ReadPacked(&in, &local))
      return false;
    const size_t ne = s->ts.size();
    if (type.n != ne || local.n != ne || !type.Below(s->types.size()) ||
        s->component_event_offsets.back() != ne)
      return false;
    ReserveHuge(s->type, ne);
    s->type.resize(ne);
    type.Decode(s->type.data());
    // Rows: the count of earlier events of the same type.
    std::vector<uint32_t> next(s->types.size(), 0);
    ReserveHuge(s->row, ne);
    s->row.resize(ne);
    for (size_t e = 0; e < ne; ++e) s->row[e] = next[s->type[e]]++;
    ReserveHuge(s->node, ne);
    s->node.resize(ne);
    const auto& off = s->component_node_offsets;
    for (uint32_t c = 0; c < s->num_components; ++c) {
      const uint32_t base = off[c], size = off[c + 1] - off[c];
      for (uint32_t e = s->component_event_offsets[c]; e < s->component_event_offsets[c + 1]; ++e) {
        const uint64_t k = local.Get(e);
        if (k >= size) return false;
        s->node[e] = s->component_nodes[base + k];
      }
    }
  }
  std::string m;
  sec[7].Str(&m);
  {
    In& in = sec[8];
    std::vector<int64_t> ts;
    PackedView order, node, group, begin, end;
    if (!ReadTimes(&in, &ts) || !ReadPacked(&in, &order) || !ReadPacked(&in, &node) ||
        !ReadPacked(&in, &group) || !ReadPacked(&in, &begin) || !ReadPacked(&in, &end))
      return false;
    const size_t ng = ts.size();
    if (order.n != ng || node.n != ng || group.n != ng || begin.n != ng || end.n != ng ||
        !node.Below(nn) || !group.Below(nd) || !begin.Below(uint64_t{UINT32_MAX} + 1) ||
        !end.Below(uint64_t{UINT32_MAX} + 1))
      return false;
    s->groups.resize(ng);
    for (size_t i = 0; i < ng; ++i)
      s->groups[i] = GroupRecord{ts[i],
                                 order.Get(i),
                                 static_cast<uint32_t>(node.Get(i)),
                                 static_cast<uint32_t>(group.Get(i)),
                                 static_cast<uint32_t>(begin.Get(i)),
                                 static_cast<uint32_t>(end.Get(i))};
    if (!ReadTraits(&in, &s->group_traits)) return false;
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

// A read-only, populated mapping of a whole file.
class Mapped {
 public:
  Mapped() = default;
  Mapped(const Mapped&) = delete;
  Mapped& operator=(const Mapped&) = delete;
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
  // Drops the pages from memory: the arrays borrowed from the mapping map
  // them back from the page cache when read, so a process holds only what
  // it reads.
  void Drop() {
    if (data_) ::madvise(data_, size_, MADV_DONTNEED);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
};

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
  std::filesystem::path p(path);
  std::error_code ec;
  if (p.has_parent_path() && !std::filesystem::exists(p.parent_path(), ec)) {
    std::filesystem::create_directories(p.parent_path(), ec);
    ::chmod(p.parent_path().c_str(), 0700);  // the events are the users' data
  }
  std::string tmp = path + ".tmp." + base::TempOwnerTag();
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return fail("cannot create " + tmp);
  // The payload after a placeholder header, then the header in place.
  std::string h(kHeaderSize, '\0');
  bool ok = base::WriteAll(fd, h.data(), h.size());
  Out payload(fd);
  ok = ok && WritePayload(store, meta, &payload);
  if (ok) {
    h.clear();
    auto put = [&](auto v) { h.append(reinterpret_cast<const char*>(&v), sizeof v); };
    h.append(kMagic, sizeof kMagic);
    put(kByteOrder);
    put(kCacheFormatVersion);
    put(fingerprint);
    put(static_cast<uint64_t>(payload.size()));
    put(payload.Digest());
    put(Hash64(h.data(), h.size()));
    ok = ::pwrite(fd, h.data(), h.size(), 0) == static_cast<ssize_t>(h.size());
  }
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

std::optional<EventStore> LoadStore(const std::string& path, uint64_t fingerprint,
                                    std::string* reason, std::string* meta) {
  auto file = std::make_shared<Mapped>();
  if (!file->Open(path, reason)) return std::nullopt;
  const char* data = file->data();
  const size_t size = file->size();
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
  if (!ParsePayload(data + kHeaderSize, payload_size, file, &s, meta) || !ValidateStore(s)) {
    SetReason(reason, "corrupt");
    return std::nullopt;
  }
  file->Drop();  // everything was read once: checksums, validation, decoding
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
      // (A lazy column comes from a cache file whose column-local codes
      // were bounded when it was read: checking here would widen it.)
      if (!c.codes.lazy()) {
        for (uint32_t code : c.codes) {
          if (code >= nd) return bad("string code out of range");
        }
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
