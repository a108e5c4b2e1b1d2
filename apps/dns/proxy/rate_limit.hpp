// A token bucket: `rate` tokens a second, at most `burst` saved up. What
// keeps error replies (a reflection amplifier otherwise) and log lines about
// bad input bounded whatever a client sends. Time is passed in.
#pragma once

#include <algorithm>
#include <chrono>

namespace agora::dns {

class rate_limit {
 public:
  using clock = std::chrono::steady_clock;
  rate_limit(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}

  /// Takes a token if there is one.
  bool allow(clock::time_point now) {
    if (last_ != clock::time_point{}) {
      const double seconds = std::chrono::duration<double>(now - last_).count();
      if (seconds > 0) tokens_ = std::min(burst_, tokens_ + seconds * rate_);
    }
    last_ = now;
    if (tokens_ < 1) {
      ++refused_;
      return false;
    }
    tokens_ -= 1;
    return true;
  }
  /// Refusals since the last call (for "... and N more").
  unsigned long long take_refused() { return std::exchange(refused_, 0); }

 private:
  double rate_, burst_, tokens_;
  clock::time_point last_{};
  unsigned long long refused_ = 0;
};

}  // namespace agora::dns
