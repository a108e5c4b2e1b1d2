// The node's log lines on their way to log(NODE, LEVEL, TEXT) messages:
// offered from any thread by the log sink, taken by the telemetry publisher.
// Bounded in rate (a token bucket of `per_second` lines, refilled
// continuously) and so in size: beyond, lines are counted as dropped. That
// bound is what keeps logging about logging from looping: a line caused by
// publishing lines can only use up the same budget.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "agora/log.hpp"

namespace agora::node_app {

struct relayed_line {
  log_level level = log_level::info;
  std::string text;
};

class log_relay {
 public:
  using clock = std::chrono::steady_clock;

  log_relay(log_level threshold, unsigned per_second);

  /// A line of the node's log; kept if at or above the threshold and within
  /// the budget.
  void offer(log_level level, std::string_view text, clock::time_point now = clock::now());
  /// The lines kept since the last call.
  std::vector<relayed_line> take();
  /// Lines dropped for the budget, since start.
  std::uint64_t dropped() const;

 private:
  const log_level threshold_;
  const double per_second_;
  mutable std::mutex mutex_;
  double tokens_;
  clock::time_point refilled_{};
  std::vector<relayed_line> lines_;
  std::uint64_t dropped_ = 0;
};

}  // namespace agora::node_app
