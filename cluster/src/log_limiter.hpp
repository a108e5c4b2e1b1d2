// Rate limiting for log lines a peer can provoke at will (a refused
// connection, a failed TLS handshake): a burst, then one line per interval;
// the next line admitted says how many were held back.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

namespace agora::cluster::detail {

class log_limiter {
 public:
  using clock = std::chrono::steady_clock;

  log_limiter(std::size_t burst, clock::duration interval) noexcept
      : burst_(burst), interval_(interval), tokens_(burst) {}

  /// May a line be written at `now`? If so, the number of lines held back
  /// since the last one admitted.
  std::optional<std::size_t> admit(clock::time_point now) noexcept;

 private:
  std::size_t burst_;
  clock::duration interval_;
  std::size_t tokens_;
  std::optional<clock::time_point> refilled_;  // when tokens_ was last topped up
  std::size_t held_back_ = 0;
};

}  // namespace agora::cluster::detail
