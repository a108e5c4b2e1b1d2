// The target the proxy tests forward to: a Boost.Asio echo server (or a
// sink, which reads and never answers) on 127.0.0.1, on its own thread,
// counting what it sees so a test can tell what passed the proxy.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <thread>

namespace agora_test {

class echo_target {
 public:
  enum class mode { echo, sink };

  explicit echo_target(mode m = mode::echo);
  ~echo_target();
  echo_target(const echo_target&) = delete;
  echo_target& operator=(const echo_target&) = delete;

  std::uint16_t port() const;

  std::uint64_t bytes_received() const noexcept { return received_; }
  int accepted() const noexcept { return accepted_; }
  /// Connections that ended with an end of stream / with a reset or error.
  int ended() const noexcept { return ended_; }
  int reset_by_peer() const noexcept { return resets_; }

  /// Resets every open connection (SO_LINGER 0), from the server's side.
  void reset_all();

  /// Polls `done` until it holds; false if it does not within `timeout`.
  static bool wait_for(const std::function<bool()>& done,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

 private:
  struct session;
  void accept();

  mode mode_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::list<std::weak_ptr<session>> sessions_;  // touched on the io thread only
  std::atomic<std::uint64_t> received_{0};
  std::atomic<int> accepted_{0}, ended_{0}, resets_{0};
  std::thread thread_;
};

}  // namespace agora_test
