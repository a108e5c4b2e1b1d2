// Frame buffers whose frames were written, kept for the frames to come: a
// stream of 60 KiB frames then allocates none (an allocation that large
// also makes glibc's malloc consolidate its small free chunks, which slows
// every term allocation after it). Bounded in count and in size.
#pragma once

#include <cstddef>
#include <vector>

namespace agora::cluster::detail {

class buffer_pool {
 public:
  static constexpr std::size_t max_buffers = 8;
  static constexpr std::size_t max_capacity = 256 * 1024;

  /// Keeps `b` (emptied) if there is room and it is not too large.
  void give(std::vector<std::byte>&& b) {
    if (spare_.size() >= max_buffers || b.capacity() == 0 || b.capacity() > max_capacity) return;
    b.clear();
    spare_.push_back(std::move(b));
  }
  /// An empty buffer, with the capacity of one given back if any.
  std::vector<std::byte> take() {
    if (spare_.empty()) return {};
    auto b = std::move(spare_.back());
    spare_.pop_back();
    return b;
  }
  std::size_t size() const noexcept { return spare_.size(); }

 private:
  std::vector<std::vector<std::byte>> spare_;
};

}  // namespace agora::cluster::detail
