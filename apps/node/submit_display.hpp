// What `agora-node submit` shows on stderr while a job runs: on a terminal
// a progress bar redrawn in place (parts done, running per node, elapsed,
// rate); otherwise a plain line now and then.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace agora::node_app {

class submit_display {
 public:
  submit_display(std::int64_t parts, bool terminal);

  void update(const std::map<std::uint64_t, std::int64_t>& running, std::int64_t done);
  /// Called periodically: redraws the bar, or prints a plain line when
  /// something changed since the last one (at most every `plain_every`).
  void tick();
  /// Clears the bar before other output (the end).
  void finish();

  /// The line shown, e.g. "7/20 parts done · running 1:2 2:2 · 3.1 s · 2.3 parts/s".
  std::string line() const;

 private:
  std::int64_t parts_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_plain_{};
  std::map<std::uint64_t, std::int64_t> running_;
  std::int64_t done_ = 0;
  bool changed_ = true, drawn_ = false;
};

}  // namespace agora::node_app
