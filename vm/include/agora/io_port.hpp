// agora::io_port — what a driver needs from the VM that hosts it: the
// Boost.Asio io_context its operating-system resources live on, and a
// thread-safe way to turn an I/O completion into a message inside that VM.
// Completion handlers run on I/O threads and must do nothing but inject:
// user handlers only ever run in VM turns.
#pragma once

#include "agora/term.hpp"

namespace boost::asio {
class io_context;
}

namespace agora {

class io_port {
 public:
  virtual ~io_port() = default;
  /// The io_context run by the ground's I/O thread(s).
  virtual boost::asio::io_context& io() noexcept = 0;
  /// Sends m in the hosting VM as if an actor had sent it (thread-safe; may
  /// be called from any thread, in particular from completion handlers).
  /// Messages injected from one thread arrive in injection order.
  virtual void inject(term m) = 0;
  /// True when a single thread runs io(): its handlers never run
  /// concurrently, so drivers need no strands (which cost a lock and a
  /// queue per operation).
  virtual bool serial() const noexcept { return false; }
};

}  // namespace agora
