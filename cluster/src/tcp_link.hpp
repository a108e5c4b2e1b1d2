// One connection of a tcp_transport, from dialing (or accepting) to closed.
//
//   connecting ─► handshaking (TLS) ─► open ─► draining ─► closed
//
// connecting/handshaking are bounded by the connect timeout, draining by
// the drain timeout. An open link always has a read pending, except while
// it delivers frames (in its read handler, and in handlers it posts when
// delivering takes longer than its time bound). A draining link writes what
// is queued, then ends its side (TCP: shutdown(send); TLS: close_notify)
// and discards the peer's input until the peer ends too or has
// acknowledged everything. The member functions live in three files:
// tcp_link.cpp (calls and closing), tcp_link_dial.cpp (up to open),
// tcp_link_io.cpp (reading and writing).
//
// Handlers hold the link by shared_ptr, so it lives until the last has
// run; every handler first checks the phase, so nothing happens for a link
// after it closed.
#pragma once

#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agora/cluster/tcp_transport.hpp"
#include "byte_stream.hpp"
#include "frame_reader.hpp"
#include "transport_state.hpp"
#include "write_queue.hpp"

namespace agora::cluster::detail {

class tcp_link : public std::enable_shared_from_this<tcp_link> {
 public:
  /// `socket` is unopened (to dial) or accepted.
  tcp_link(std::shared_ptr<transport_state> state, conn_id id, tcp::socket socket);
  tcp_link(const tcp_link&) = delete;
  tcp_link& operator=(const tcp_link&) = delete;

  /// Dials "host:port"; on_connected or on_closed follows.
  void dial(const std::string& address);
  /// An accepted connection from `peer`: on_accepted once it is usable.
  void accepted(std::string peer);

  void send(std::vector<std::byte> wire);
  std::size_t queued() const noexcept { return queue_.bytes(); }
  void set_limits(const conn_limits& limits) noexcept { limits_ = limits; }
  void close(bool flush);
  /// The transport stops (events are off already): an open link drains,
  /// one not yet open ends at once.
  void stop();
  const tcp_conn_stats& stats() const noexcept { return stats_; }

 private:
  enum class phase { connecting, handshaking, open, draining, closed };

  // tcp_link_dial.cpp
  void arm_deadline();
  void on_resolved(const boost::system::error_code& ec, const tcp::resolver::results_type& results);
  template <class Endpoints>
  void connect_to(const Endpoints& endpoints);
  void on_connected(const boost::system::error_code& ec);
  void handshake();
  void on_handshake(const boost::system::error_code& ec);
  void up();

  // tcp_link_io.cpp
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  /// Delivers what is buffered, then reads on; or, when delivering took its
  /// time bound, posts itself for the rest.
  void deliver_then_read();
  /// Draining: drops the input buffered, reads on to drop the peer's until
  /// it ends, and moves the drain on.
  void drain_input();
  /// True when every whole frame buffered was delivered (or the link is
  /// no longer open); false when it stopped at its time bound.
  bool deliver_frames();
  void schedule_flush();
  void flush();
  void start_write();
  void on_written(const boost::system::error_code& ec);
  bool writes_done() const noexcept { return !writing_ && !flush_posted_ && !queue_.has_waiting(); }

  // tcp_link.cpp
  void begin_drain();
  void drain_step();
  void start_tls_shutdown();
  void start_linger();
  void check_linger();
  void on_drain_deadline(const boost::system::error_code& ec);
  /// Closes for good; on_closed(why) follows if the link was reported.
  void finish(term why, bool abortive = false);
  void close_socket(bool abortive);

  const std::shared_ptr<transport_state> state_;
  const conn_id id_;
  byte_stream stream_;
  frame_reader reader_;
  write_queue queue_;
  conn_limits limits_;
  tcp_conn_stats stats_;
  std::optional<tcp::resolver> resolver_;  // while a name is resolved
  asio::steady_timer deadline_;            // connecting, handshaking
  asio::steady_timer drain_timer_;
  asio::steady_timer linger_timer_;
  std::chrono::milliseconds linger_wait_{1};
  std::string peer_;  // accepted: "host:port"
  phase phase_ = phase::connecting;
  bool dialer_ = false;
  bool announced_ = false;      // on_connected / on_accepted was delivered
  bool reading_ = false;        // a read is pending
  bool writing_ = false;        // a write is pending
  bool flush_posted_ = false;   // a flush() is posted
  bool peer_done_ = false;      // the peer's side ended (eof or error)
  bool send_shut_ = false;      // draining: our side ended (TCP)
  bool tls_shutdown_started_ = false;
};

}  // namespace agora::cluster::detail
