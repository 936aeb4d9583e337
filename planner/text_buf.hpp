// An append-only text buffer for the plan's hot output paths. std::string's append is not
// inlined and, for the short pieces a plan's JSON is made of (a key, an id, a comma), its call
// costs more than the copy; this one is a bounds check and a memcpy.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

namespace syncpath {

class TextBuf {
 public:
  TextBuf() { grow(1); }  // never without memory: memcpy must not see a null pointer
  [[gnu::always_inline]] void append(const char* p, std::size_t n) {
    if (n > cap_ - size_) grow(n);
    std::memcpy(data_.get() + size_, p, n);
    size_ += n;
  }
  [[gnu::always_inline]] TextBuf& operator+=(std::string_view s) {
    append(s.data(), s.size());
    return *this;
  }
  [[gnu::always_inline]] TextBuf& operator+=(char c) {
    if (size_ == cap_) grow(1);
    data_[size_++] = c;
    return *this;
  }
  [[gnu::always_inline]] void push_back(char c) { *this += c; }
  void clear() { size_ = 0; }  // keeps the capacity
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  [[gnu::noinline, gnu::cold]] void grow(std::size_t n) {
    std::size_t cap = cap_ ? cap_ * 2 : 4096;
    while (cap - size_ < n) cap *= 2;
    std::unique_ptr<char[]> bigger(new char[cap]);
    if (size_) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    cap_ = cap;
  }
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, cap_ = 0;
};

}  // namespace syncpath
