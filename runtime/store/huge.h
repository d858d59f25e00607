#pragma once
// Transparent huge pages for big arrays. Filling fresh memory costs a page
// fault per 4 KiB page, which dominates ingest on virtual machines; advising
// huge pages (where the kernel allows them, `madvise` mode) makes it one per
// 2 MiB. Advice only: without THP nothing changes.

#include <sys/mman.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/store/array.h"

namespace aud::store {

// Advises huge pages for the whole 2 MiB pages inside [p, p + bytes).
inline void AdviseHuge(const void* p, size_t bytes) {
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  if (bytes < kHuge) return;
  uintptr_t b = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  uintptr_t e = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (e > b) ::madvise(reinterpret_cast<void*>(b), e - b, MADV_HUGEPAGE);
}

// Reserves room for `n` elements in `v`, advising huge pages for it.
template <typename T>
void ReserveHuge(std::vector<T>& v, size_t n) {
  if (n <= v.capacity()) return;
  v.reserve(n);
  AdviseHuge(v.data(), v.capacity() * sizeof(T));
}

// Makes `v` hold at least `n` elements (new ones value-initialized), growing
// its capacity geometrically with huge-page advice.
template <typename T>
void GrowTo(std::vector<T>& v, size_t n) {
  if (n <= v.size()) return;
  if (n > v.capacity()) ReserveHuge(v, std::max(n, v.capacity() * 2));
  v.resize(n);
}

// push_back with geometric, huge-page-advised growth.
template <typename T>
void PushHuge(std::vector<T>& v, const T& x) {
  if (v.size() == v.capacity()) ReserveHuge(v, std::max<size_t>(1024, v.capacity() * 2));
  v.push_back(x);
}

// The same for a store array (made owned first).
template <typename T>
void ReserveHuge(Array<T>& v, size_t n) {
  ReserveHuge(v.Own(), n);
}

}  // namespace aud::store
