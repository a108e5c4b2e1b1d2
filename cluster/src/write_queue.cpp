#include "write_queue.hpp"

namespace agora::cluster::detail {

void write_queue::push(std::vector<std::byte> wire) {
  bytes_ += wire.size();
  frames_.push_back(std::move(wire));
}

const std::vector<boost::asio::const_buffer>& write_queue::take() {
  for (std::size_t i = in_flight_; i < frames_.size(); ++i) {
    gather_.emplace_back(frames_[i].data(), frames_[i].size());
    in_flight_bytes_ += frames_[i].size();
  }
  in_flight_ = frames_.size();
  return gather_;
}

write_queue::written write_queue::complete(buffer_pool& spare) {
  const written w{in_flight_, in_flight_bytes_};
  for (std::size_t i = 0; i < in_flight_; ++i) spare.give(std::move(frames_[i]));
  frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(in_flight_));
  bytes_ -= in_flight_bytes_;
  in_flight_ = 0;
  in_flight_bytes_ = 0;
  gather_.clear();
  return w;
}

void write_queue::drop_waiting() {
  while (frames_.size() > in_flight_) {
    bytes_ -= frames_.back().size();
    frames_.pop_back();
  }
}

}  // namespace agora::cluster::detail
