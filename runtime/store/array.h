#pragma once
// A read-mostly array of the store: owned (a vector, as the builder makes
// it), borrowed (a view of a mapped cache file kept alive by a shared
// handle: the warm load copies nothing) or lazy (a narrow on-disk encoding
// widened once, on first read, e.g. a string column's column-local codes).
// Reads go through the const interface; writes go through `Own`, which turns
// a borrowed or lazy array into an owned copy first.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace aud::store {

template <typename T>
class Array {
 public:
  using value_type = T;
  using const_iterator = const T*;

  Array() = default;
  Array(std::vector<T> v) : own_(std::move(v)) {}  // NOLINT: implicit, like a vector
  Array(std::initializer_list<T> l) : own_(l) {}

  // A view of `n` elements at `p`, valid while `keep` lives.
  static Array Borrow(const T* p, size_t n, const std::shared_ptr<const void>& keep) {
    Array a;
    a.mode_ = Mode::Borrowed;
    a.ptr_ = p;
    a.n_ = n;
    a.keep_ = keep;
    return a;
  }
  // `n` elements that `decode` writes on the first read (once, thread-safe).
  static Array Lazy(size_t n, std::function<void(T*)> decode) {
    Array a;
    a.mode_ = Mode::Lazy;
    a.n_ = n;
    a.lazy_ = std::make_shared<LazyState>();
    a.lazy_->decode = std::move(decode);
    return a;
  }

  size_t size() const { return mode_ == Mode::Owned ? own_.size() : n_; }
  bool empty() const { return size() == 0; }
  const T* data() const {
    if (mode_ == Mode::Owned) return own_.data();
    if (mode_ == Mode::Borrowed) return ptr_;
    // Lazy: once widened, one flag and the pointer.
    if (lazy_->done.load(std::memory_order_acquire)) return lazy_->vec.data();
    return Materialize();
  }
  const T& operator[](size_t i) const { return data()[i]; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size(); }
  const T& front() const { return data()[0]; }
  const T& back() const { return data()[size() - 1]; }
  // Whether the elements are not held by this process's heap (borrowed from
  // a mapping) or not widened yet (lazy).
  bool borrowed() const { return mode_ == Mode::Borrowed; }
  bool lazy() const { return mode_ == Mode::Lazy; }
  // Whether a lazy array was widened already (true for the other kinds).
  bool materialized() const {
    if (mode_ != Mode::Lazy) return true;
    return lazy_->done.load(std::memory_order_acquire);
  }

  // The elements as an owned vector, for writing (a borrowed or lazy array
  // is copied first).
  std::vector<T>& Own() {
    if (mode_ != Mode::Owned) {
      const T* p = data();
      std::vector<T> v(p, p + n_);
      *this = Array(std::move(v));
    }
    return own_;
  }
  // Vector-like writers (on the owned vector).
  void assign(size_t n, const T& v) { Own().assign(n, v); }
  template <typename It>
  void assign(It first, It last) {
    Own().assign(first, last);
  }
  void resize(size_t n) { Own().resize(n); }
  void resize(size_t n, const T& v) { Own().resize(n, v); }
  void reserve(size_t n) { Own().reserve(n); }
  void push_back(const T& v) { Own().push_back(v); }
  template <typename... A>
  T& emplace_back(A&&... a) {
    return Own().emplace_back(std::forward<A>(a)...);
  }
  void clear() { *this = Array(); }
  size_t capacity() const { return mode_ == Mode::Owned ? own_.capacity() : 0; }

  bool operator==(const Array& o) const {
    return size() == o.size() && std::equal(begin(), end(), o.begin());
  }

 private:
  enum class Mode : unsigned char { Owned, Borrowed, Lazy };
  struct LazyState {
    std::once_flag once;
    std::atomic<bool> done{false};
    std::vector<T> vec;
    std::function<void(T*)> decode;
  };
  const T* Materialize() const {
    LazyState& st = *lazy_;
    std::call_once(st.once, [&] {
      st.vec.resize(n_);
      st.decode(st.vec.data());
      st.decode = nullptr;  // drops what the decoder held
      st.done.store(true, std::memory_order_release);
    });
    return st.vec.data();
  }

  Mode mode_ = Mode::Owned;
  std::vector<T> own_;
  const T* ptr_ = nullptr;
  size_t n_ = 0;
  std::shared_ptr<const void> keep_;
  std::shared_ptr<LazyState> lazy_;
};

}  // namespace aud::store
