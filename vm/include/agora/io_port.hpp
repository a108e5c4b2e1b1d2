// agora::io_port — what a driver needs from the VM that hosts it: the
// Boost.Asio io_context its operating-system resources live on, a
// thread-safe way to hand an I/O completion to the driver actor as a turn
// of its own, and where to report by default.
//
// Completion handlers run on I/O threads and must do nothing but post: user
// handlers only ever run in VM turns. A posted turn is not a message, so no
// other actor can forge it.
#pragma once

#include <functional>

#include "agora/event.hpp"
#include "agora/log.hpp"
#include "agora/port_clock.hpp"

namespace boost::asio {
class io_context;
}

namespace agora {

class turn_base;

class io_port {
 public:
  virtual ~io_port() = default;
  /// The io_context run by the port's I/O thread(s).
  virtual boost::asio::io_context& io() noexcept = 0;
  /// Runs f as a turn of actor `who` of the hosting VM (see vm::post): f
  /// acts through the turn (send, add endpoints, ...), and if it throws,
  /// `who` crashes. Thread-safe: may be called from any thread, in
  /// particular from completion handlers and from turns. Turns posted from
  /// one thread run in post order. Dropped if `who` has stopped (its id is
  /// stale) or the hosting VM has.
  virtual void post(actor_id who, std::function<void(turn_base&)> f) = 0;
  /// True when a single thread runs io(): its handlers never run
  /// concurrently, so drivers need no strands (which cost a lock and a
  /// queue per operation).
  virtual bool serial() const noexcept { return false; }
  /// The host's log sink: where drivers report unless given their own.
  virtual const log_sink& log() const noexcept = 0;
  /// A clock of the port's own (port_clock.hpp), or null for the machine's:
  /// a simulated node's port has one, and its timer driver keeps time by it
  /// instead of by steady_clock and io().
  virtual port_clock* own_clock() noexcept { return nullptr; }
};

}  // namespace agora
