// The event store's dictionary and accessors.

#include "runtime/store/store.h"

#include <algorithm>
#include <cstring>

#include "runtime/store/hash.h"
#include "runtime/store/huge.h"

namespace aud::store {

namespace {

template <typename T>
size_t VecBytes(const std::vector<T>& v) {
  return v.size() * sizeof(T);
}
template <typename T>
size_t VecBytes(const Array<T>& v) {
  return v.size() * sizeof(T);
}

}  // namespace

void Dictionary::Rehash(size_t cap) {
  slots_.clear();
  ReserveHuge(slots_, cap);
  slots_.assign(cap, 0);
  const size_t mask = cap - 1;
  for (uint32_t code = 0; code < strings_.size(); ++code) {
    uint64_t h = Hash64(strings_[code]) & 0xFFFFFFFF;
    size_t i = h & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = h << 32 | (code + 1);
  }
}

Dictionary::Dictionary(const Dictionary& o) {
  Reserve(o.size());
  for (std::string_view s : o.strings_) Intern(s);
}

Dictionary& Dictionary::operator=(const Dictionary& o) {
  if (this != &o) *this = Dictionary(o);
  return *this;
}

std::string_view Dictionary::Store(std::string_view s) {
  constexpr size_t kBlock = size_t{256} * 1024;
  if (s.empty()) return std::string_view();
  if (s.size() > kBlock / 4) {
    // Long strings get a block of their own.
    blocks_.push_back(std::unique_ptr<char[]>(new char[s.size()]));  // not zeroed
    std::memcpy(blocks_.back().get(), s.data(), s.size());
    block_bytes_ += s.size();
    char* p = blocks_.back().get();
    // Keep filling the previous block: move the big one before it.
    if (blocks_.size() > 1) std::swap(blocks_[blocks_.size() - 1], blocks_[blocks_.size() - 2]);
    return std::string_view(p, s.size());
  }
  if (blocks_.empty() || block_used_ + s.size() > block_size_) {
    blocks_.push_back(std::unique_ptr<char[]>(new char[kBlock]));
    block_used_ = 0;
    block_size_ = kBlock;
    block_bytes_ += kBlock;
  }
  char* p = blocks_.back().get() + block_used_;
  std::memcpy(p, s.data(), s.size());
  block_used_ += s.size();
  return std::string_view(p, s.size());
}

uint32_t Dictionary::Intern(std::string_view s) {
  // Keep the load factor at or below 1/2.
  if ((strings_.size() + 1) * 2 > slots_.size()) Rehash(slots_.empty() ? 1024 : slots_.size() * 2);
  const uint64_t h = Hash64(s) & 0xFFFFFFFF;
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint64_t slot = slots_[i]) {
    if ((slot >> 32) == h) {
      uint32_t code = static_cast<uint32_t>(slot) - 1;
      if (strings_[code] == s) return code;
    }
    i = (i + 1) & mask;
  }
  uint32_t code = static_cast<uint32_t>(strings_.size());
  strings_.push_back(Store(s));
  slots_[i] = h << 32 | (code + 1);
  return code;
}

uint32_t Dictionary::Find(std::string_view s) const {
  if (slots_.empty()) return UINT32_MAX;
  const uint64_t h = Hash64(s) & 0xFFFFFFFF;
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  while (uint64_t slot = slots_[i]) {
    if ((slot >> 32) == h) {
      uint32_t code = static_cast<uint32_t>(slot) - 1;
      if (strings_[code] == s) return code;
    }
    i = (i + 1) & mask;
  }
  return UINT32_MAX;
}

void Dictionary::Reserve(size_t n) {
  strings_.reserve(n);
  size_t cap = slots_.empty() ? 1024 : slots_.size();
  while (cap < 2 * n) cap *= 2;
  if (cap > slots_.size()) Rehash(cap);
}

size_t Dictionary::MemoryBytes() const {
  return VecBytes(strings_) + VecBytes(slots_) + block_bytes_;
}

const Column* EventType::Find(uint32_t name, ValueKind kind) const {
  auto it = std::lower_bound(columns.begin(), columns.end(), std::make_pair(name, kind),
                             [](const Column& c, const std::pair<uint32_t, ValueKind>& k) {
                               return std::make_pair(c.name, c.kind) < k;
                             });
  if (it == columns.end() || it->name != name || it->kind != kind) return nullptr;
  return &*it;
}

int64_t Column::Index(uint32_t row) const {
  if (sparse) {
    auto it = std::lower_bound(rows.begin(), rows.end(), row);
    if (it == rows.end() || *it != row) return -1;
    return it - rows.begin();
  }
  if ((row >> 6) >= valid.size() || !Valid(row)) return -1;
  return row;
}

size_t Column::Present() const {
  if (sparse) return rows.size();
  size_t n = 0;
  for (uint64_t w : valid) n += static_cast<size_t>(__builtin_popcountll(w));
  return n;
}

Column Column::Dense(uint32_t type_rows) const {
  Column out;
  out.name = name;
  out.kind = kind;
  if (!sparse) {
    out = *this;
    return out;
  }
  std::vector<uint64_t>& valid_out = out.valid.Own();
  valid_out.assign((type_rows + 63) / 64, 0);
  auto scatter = [&](const auto& in, auto& dst_array) {
    auto& dst = dst_array.Own();
    dst.assign(type_rows, {});
    for (size_t i = 0; i < rows.size() && i < in.size(); ++i) {
      const uint32_t r = rows[i];
      if (r >= type_rows) continue;
      dst[r] = in[i];
      valid_out[r >> 6] |= uint64_t{1} << (r & 63);
    }
  };
  switch (kind) {
    case ValueKind::Int: scatter(ints, out.ints); break;
    case ValueKind::Float: scatter(floats, out.floats); break;
    case ValueKind::Bool: scatter(bools, out.bools); break;
    case ValueKind::String: scatter(codes, out.codes); break;
  }
  return out;
}

size_t EventStore::EventBytes() const {
  size_t n = VecBytes(ts) + VecBytes(type) + VecBytes(row) + VecBytes(node) +
             VecBytes(component_event_offsets);
  for (const EventType& t : types) {
    n += t.key.size();
    for (const Column& c : t.columns) {
      n += sizeof(Column) + VecBytes(c.ints) + VecBytes(c.floats) + VecBytes(c.bools) +
           VecBytes(c.codes) + VecBytes(c.valid) + VecBytes(c.rows);
    }
  }
  return n;
}

size_t EventStore::MemoryBytes() const {
  return EventBytes() + dict.MemoryBytes() + VecBytes(nodes) + VecBytes(node_component) +
         VecBytes(component_nodes) + VecBytes(component_node_offsets) +
         VecBytes(component_link_offsets) + VecBytes(links) + VecBytes(component_trait_offsets) +
         VecBytes(traits) + VecBytes(groups) + VecBytes(group_traits);
}

}  // namespace aud::store
