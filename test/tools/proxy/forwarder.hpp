// One direction of one proxied connection: reads from one socket and writes
// to the other, in order, as the direction's faults say — held back by the
// delay, held while paused, dropped while blackholed. The end of stream is
// passed on after the bytes before it (a shutdown of the far side's send).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <vector>

#include "faults.hpp"

namespace agora_tools {

class connection;

class forwarder {
 public:
  using tcp = boost::asio::ip::tcp;
  using clock = std::chrono::steady_clock;

  /// Reading stops while this many bytes are held (pause, delay), so a
  /// paused direction pushes back on its sender instead of growing.
  static constexpr std::size_t max_held = 4 << 20;

  forwarder(connection& owner, tcp::socket& from, tcp::socket& to, const direction_faults& faults,
            direction_counters& counters);

  void start();
  /// The faults changed: write what may be written now.
  void faults_changed();
  /// Heal: what is held for a delay is due now.
  void release();
  /// The connection is going: no more timer.
  void stop();

  std::size_t held_bytes() const noexcept { return held_; }
  /// The end of stream was passed on.
  bool finished() const noexcept { return finished_; }

 private:
  struct chunk {
    std::vector<char> bytes;  // empty: the end of stream
    clock::time_point due;
  };

  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void pump();

  connection& owner_;
  tcp::socket& from_;
  tcp::socket& to_;
  const direction_faults& faults_;
  direction_counters& counters_;
  boost::asio::steady_timer timer_;
  std::deque<chunk> queue_;
  std::size_t held_ = 0;
  bool reading_ = false, writing_ = false, ended_ = false, finished_ = false, stopped_ = false;
  std::array<char, 65536> buf_;
};

}  // namespace agora_tools
