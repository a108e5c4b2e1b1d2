// agora::port_clock — time as the drivers of an io_port see it, when it is
// not the machine's.
//
// A production port (agora::ground, agora::pump_port) has none: its drivers
// read std::chrono::steady_clock and wait with Boost.Asio's timers. A
// simulated node's port (agora/sim) has one, so that the same timer driver
// fires in virtual time, which jumps ahead when nothing is runnable.
#pragma once
#include <chrono>
#include <functional>

namespace agora {

class port_clock {
 public:
  using clock = std::chrono::steady_clock;

  /// The time now, on this port's clock.
  virtual clock::time_point now() const = 0;
  /// Calls `wake` once, on the port's thread and outside any turn, as soon
  /// as now() >= `at` (a past `at`: soon). There is no cancel: a wake-up
  /// that is no longer wanted is ignored by whoever asked for it. Dropped,
  /// never called, when the port goes (a crashed node).
  virtual void call_at(clock::time_point at, std::function<void()> wake) = 0;

 protected:
  ~port_clock() = default;
};

}  // namespace agora
