// agora::pump_port — an io_port for a deterministic agora::vm that the caller
// drives (tests, benchmarks, single-threaded tools): a thread of its own runs
// the io_context; post() queues the turn; pump() / pump_until() move the
// queued turns into the VM (vm::post) and run it.
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

#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/vm.hpp"

namespace agora {

class pump_port final : public io_port {
 public:
  /// Starts the I/O thread. `log` is what drivers report to by default.
  explicit pump_port(log_sink log = log_to_stderr());
  /// Stops the io_context and joins the I/O thread; handlers still pending
  /// are destroyed without running. Destroy the VM that uses this port first.
  ~pump_port() override;
  pump_port(const pump_port&) = delete;
  pump_port& operator=(const pump_port&) = delete;

  boost::asio::io_context& io() noexcept override;
  void post(actor_id who, std::function<void(turn_base&)> f) override;
  bool serial() const noexcept override { return true; }  // one I/O thread
  const log_sink& log() const noexcept override;

  /// Queues the turns posted so far (oldest first) in v, without running
  /// it. Returns how many.
  std::size_t deliver(vm& v);
  /// Waits until a turn was posted or `deadline` passed; true if one waits.
  bool wait(std::chrono::steady_clock::time_point deadline);
  /// deliver()s, then runs v until idle. Returns the number of turns
  /// delivered.
  std::size_t pump(vm& v);
  /// pump()s, then waits for posts, until done() holds (checked after
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
