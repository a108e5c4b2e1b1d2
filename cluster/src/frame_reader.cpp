#include "frame_reader.hpp"

#include <algorithm>
#include <cstring>

namespace agora::cluster::detail {

namespace {

std::uint32_t read_be32(const std::byte* p) noexcept {
  return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
         std::uint32_t(p[3]);
}

}  // namespace

std::span<std::byte> frame_reader::room() {
  const std::size_t have = buffered();
  if (have == 0) {
    begin_ = end_ = 0;
    if (size_ > kept_capacity) {
      buffer_.reset();
      size_ = 0;
    }
  }
  const std::size_t need = std::max(min_room, wanted_ > have ? wanted_ - have : 0);
  if (size_ - end_ < need) {
    if (have + need <= size_) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, have);
    } else {
      const std::size_t grown = std::max({have + need, initial_capacity, std::min(2 * size_, kept_capacity)});
      auto bigger = std::make_unique_for_overwrite<std::byte[]>(grown);
      if (have) std::memcpy(bigger.get(), buffer_.get() + begin_, have);
      buffer_ = std::move(bigger);
      size_ = grown;
    }
    begin_ = 0;
    end_ = have;
  }
  return {buffer_.get() + end_, size_ - end_};
}

frame_reader::status frame_reader::next(std::size_t max_frame,
                                        std::span<const std::byte>& frame) noexcept {
  const std::size_t have = buffered();
  if (have < 4) return status::need_more;
  const std::uint32_t length = read_be32(buffer_.get() + begin_);
  if (length > max_frame) {
    announced_ = length;
    wanted_ = 0;
    return status::too_long;
  }
  const std::size_t whole = 4 + std::size_t{length};
  if (have < whole) {
    wanted_ = whole;
    return status::need_more;
  }
  frame = {buffer_.get() + begin_ + 4, length};
  begin_ += whole;
  wanted_ = 0;
  return status::frame;
}

void frame_reader::clear() noexcept {
  begin_ = end_ = 0;
  wanted_ = 0;
  if (size_ > kept_capacity) {
    buffer_.reset();
    size_ = 0;
  }
}

}  // namespace agora::cluster::detail
