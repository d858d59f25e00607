#pragma once
// A 64-bit non-cryptographic hash (the XXH64 algorithm), used for the
// dictionary, messageId deduplication, source fingerprints and the cache
// checksum. Stable across runs and machines (little-endian reads).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace aud::store {

namespace hash_detail {
constexpr uint64_t kP1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t kP2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t kP3 = 0x165667B19E3779F9ULL;
constexpr uint64_t kP4 = 0x85EBCA77C2B2AE63ULL;
constexpr uint64_t kP5 = 0x27D4EB2F165667C5ULL;
inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Read64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Read32(const unsigned char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
inline uint64_t Round(uint64_t acc, uint64_t in) {
  acc += in * kP2;
  acc = Rotl(acc, 31);
  return acc * kP1;
}
inline uint64_t Merge(uint64_t acc, uint64_t v) {
  acc ^= Round(0, v);
  return acc * kP1 + kP4;
}
}  // namespace hash_detail

// XXH64 over bytes given in pieces: Digest() equals Hash64 of their
// concatenation.
class Hasher {
 public:
  explicit Hasher(uint64_t seed = 0)
      : seed_(seed),
        v_{seed + hash_detail::kP1 + hash_detail::kP2, seed + hash_detail::kP2, seed,
           seed - hash_detail::kP1} {}
  void Update(const void* data, size_t len) {
    using namespace hash_detail;
    if (len == 0) return;  // (data may be null)
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += len;
    if (buffered_ + len < 32) {
      std::memcpy(buf_ + buffered_, p, len);
      buffered_ += len;
      return;
    }
    if (buffered_ > 0) {
      size_t fill = 32 - buffered_;
      std::memcpy(buf_ + buffered_, p, fill);
      Stripe(buf_);
      p += fill;
      len -= fill;
      buffered_ = 0;
    }
    while (len >= 32) {
      Stripe(p);
      p += 32;
      len -= 32;
    }
    std::memcpy(buf_, p, len);
    buffered_ = len;
  }
  uint64_t Digest() const {
    using namespace hash_detail;
    uint64_t h;
    if (total_ >= 32) {
      h = Rotl(v_[0], 1) + Rotl(v_[1], 7) + Rotl(v_[2], 12) + Rotl(v_[3], 18);
      for (uint64_t v : v_) h = Merge(h, v);
    } else {
      h = seed_ + kP5;
    }
    h += total_;
    const unsigned char* p = buf_;
    const unsigned char* end = buf_ + buffered_;
    while (p + 8 <= end) {
      h ^= Round(0, Read64(p));
      h = Rotl(h, 27) * kP1 + kP4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= static_cast<uint64_t>(Read32(p)) * kP1;
      h = Rotl(h, 23) * kP2 + kP3;
      p += 4;
    }
    while (p < end) {
      h ^= (*p) * kP5;
      h = Rotl(h, 11) * kP1;
      ++p;
    }
    h ^= h >> 33;
    h *= kP2;
    h ^= h >> 29;
    h *= kP3;
    h ^= h >> 32;
    return h;
  }

 private:
  void Stripe(const unsigned char* p) {
    using namespace hash_detail;
    v_[0] = Round(v_[0], Read64(p));
    v_[1] = Round(v_[1], Read64(p + 8));
    v_[2] = Round(v_[2], Read64(p + 16));
    v_[3] = Round(v_[3], Read64(p + 24));
  }
  uint64_t seed_;
  uint64_t v_[4];
  unsigned char buf_[32] = {};
  size_t buffered_ = 0;
  uint64_t total_ = 0;
};
// XXH64 of one buffer: the streaming Hasher fed once.
inline uint64_t Hash64(const void* data, size_t len, uint64_t seed = 0) {
  Hasher h(seed);
  h.Update(data, len);
  return h.Digest();
}

inline uint64_t Hash64(std::string_view s, uint64_t seed = 0) {
  return Hash64(s.data(), s.size(), seed);
}

// Combines a running hash with one more value (order-sensitive).
inline uint64_t HashCombine(uint64_t h, uint64_t v) { return Hash64(&v, sizeof v, h); }

}  // namespace aud::store
