// agora::pump_port — an io_port for a deterministic agora::vm that the caller
// drives (tests, benchmarks, single-threaded tools): a thread of its own runs
// the io_context; inject() queues the message; pump() / pump_until() move the
// queued messages into the VM (vm.send) and run it.
//
//   agora::pump_port port;          // declare before the VM: the VM (and the
//   agora::vm v;                    // drivers in it) must go first
//   v.spawn(agora::timer::driver(port));
//   ... spawn actors ...
//   port.pump_until(v, [&] { return done; }, 10s);
//
// agora::ground is the real thing; this class is for code that wants to
// decide itself when the VM runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "agora/io_port.hpp"
#include "agora/term.hpp"
#include "agora/vm.hpp"

namespace agora {

class pump_port final : public io_port {
 public:
  /// Starts the I/O thread.
  pump_port();
  /// Stops the io_context and joins the I/O thread; handlers still pending
  /// are destroyed without running. Destroy the VM that uses this port first.
  ~pump_port() override;
  pump_port(const pump_port&) = delete;
  pump_port& operator=(const pump_port&) = delete;

  boost::asio::io_context& io() noexcept override;
  void inject(term m) override;
  bool serial() const noexcept override { return true; }  // one I/O thread

  /// The messages injected so far (oldest first), removed from the queue.
  std::vector<term> take();
  /// Waits until something was injected or `deadline` passed; true if the
  /// queue is not empty.
  bool wait(std::chrono::steady_clock::time_point deadline);
  /// Sends every injected message into v, then runs v until idle. Returns
  /// the number of messages moved.
  std::size_t pump(vm& v);
  /// pump()s, then waits for injections, until done() holds (checked after
  /// every pump) or `timeout` passed. Returns done().
  bool pump_until(vm& v, const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// pump()s for `duration`, whatever happens.
  void pump_for(vm& v, std::chrono::milliseconds duration);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace agora
