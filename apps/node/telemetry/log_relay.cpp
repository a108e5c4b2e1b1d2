#include "log_relay.hpp"

#include <algorithm>
#include <utility>

namespace agora::node_app {

namespace {
constexpr std::size_t max_line_bytes = 1024;  // a message stays small
}

log_relay::log_relay(log_level threshold, unsigned per_second)
    : threshold_(threshold), per_second_(per_second), tokens_(per_second) {}

void log_relay::offer(log_level level, std::string_view text, clock::time_point now) {
  if (level < threshold_) return;
  std::lock_guard lock(mutex_);
  if (refilled_ != clock::time_point{}) {
    const double seconds = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(per_second_, tokens_ + std::max(0.0, seconds) * per_second_);
  }
  refilled_ = now;
  if (tokens_ < 1) {
    ++dropped_;
    return;
  }
  tokens_ -= 1;
  lines_.push_back({level, std::string(text.substr(0, max_line_bytes))});
}

std::vector<relayed_line> log_relay::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(lines_, {});
}

std::uint64_t log_relay::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace agora::node_app
