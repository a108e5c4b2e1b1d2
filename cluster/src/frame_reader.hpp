// The receiving side of the framing, without I/O: a read buffer that grows
// as the frame being received needs it, and the whole frames in it. A
// frame's announced length is checked against the limit before any room is
// made for it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace agora::cluster::detail {

class frame_reader {
 public:
  enum class status { frame, need_more, too_long };

  /// Where the next read goes: all the free room, at least min_room bytes,
  /// and enough for the rest of a frame whose length is known. Moves what
  /// is buffered: frames from next() are invalid after this call.
  std::span<std::byte> room();
  /// n bytes were read into room().
  void commit(std::size_t n) noexcept { end_ += n; }
  /// The next whole frame (without its prefix) into `frame`, if one is
  /// buffered and no longer than max_frame.
  status next(std::size_t max_frame, std::span<const std::byte>& frame) noexcept;
  /// After too_long: the length the frame announced.
  std::uint32_t announced() const noexcept { return announced_; }
  std::size_t buffered() const noexcept { return end_ - begin_; }
  std::size_t capacity() const noexcept { return size_; }
  /// Drops what is buffered, and the buffer if it grew large.
  void clear() noexcept;

  static constexpr std::size_t min_room = 16 * 1024;
  static constexpr std::size_t initial_capacity = 64 * 1024;
  /// A buffer larger than this is let go once it is empty.
  static constexpr std::size_t kept_capacity = 1024 * 1024;

 private:
  std::unique_ptr<std::byte[]> buffer_;
  std::size_t size_ = 0;
  std::size_t begin_ = 0, end_ = 0;  // the bytes buffered
  std::size_t wanted_ = 0;  // bytes the frame at begin_ needs, prefix included; 0: not known
  std::uint32_t announced_ = 0;
};

}  // namespace agora::cluster::detail
