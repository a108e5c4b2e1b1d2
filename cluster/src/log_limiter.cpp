#include "log_limiter.hpp"

#include <algorithm>
#include <utility>

namespace agora::cluster::detail {

std::optional<std::size_t> log_limiter::admit(clock::time_point now) noexcept {
  if (!refilled_) refilled_ = now;
  if (interval_.count() > 0 && now > *refilled_) {
    const auto earned = static_cast<std::size_t>((now - *refilled_) / interval_);
    if (earned > 0) {
      tokens_ = std::min(burst_, tokens_ + earned);
      *refilled_ += interval_ * static_cast<clock::duration::rep>(earned);
    }
  }
  if (tokens_ == 0) {
    ++held_back_;
    return std::nullopt;
  }
  --tokens_;
  return std::exchange(held_back_, 0);
}

}  // namespace agora::cluster::detail
