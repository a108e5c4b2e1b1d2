// The sending side of a connection, without I/O: the frames queued, those
// of the write in flight, and the exact count of bytes not yet written.
#pragma once

#include <boost/asio/buffer.hpp>

#include <cstddef>
#include <deque>
#include <vector>

#include "buffer_pool.hpp"

namespace agora::cluster::detail {

class write_queue {
 public:
  struct written {
    std::size_t frames = 0, bytes = 0;
  };

  void push(std::vector<std::byte> wire);
  /// Bytes queued and not yet written, those in flight included.
  std::size_t bytes() const noexcept { return bytes_; }
  /// Frames waiting for a write (not in flight).
  bool has_waiting() const noexcept { return frames_.size() > in_flight_; }
  bool in_flight() const noexcept { return in_flight_ > 0; }
  bool empty() const noexcept { return frames_.empty(); }
  /// Puts every waiting frame in flight; returns the buffers of all frames
  /// in flight, valid until written().
  const std::vector<boost::asio::const_buffer>& take();
  /// The write in flight completed: its frames leave the queue, their
  /// buffers to `spare`.
  written complete(buffer_pool& spare);
  /// Drops the frames not in flight (those stay until complete()).
  void drop_waiting();

 private:
  std::deque<std::vector<std::byte>> frames_;  // a deque: in-flight frames never move
  std::size_t in_flight_ = 0;                  // frames at the front in the write in flight
  std::size_t in_flight_bytes_ = 0;
  std::size_t bytes_ = 0;
  std::vector<boost::asio::const_buffer> gather_;
};

}  // namespace agora::cluster::detail
