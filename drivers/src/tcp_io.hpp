// The I/O side of the TCP driver: objects that live on the port's
// io_context and talk to the driver actor only by posting turns of it
// (io_port::post): the events of tcp_events.hpp, and the data it sends on.
//
//   io_shared   one per driver: the port and the driver's id, the settings,
//               the strand of the listeners and connectors, the hand-over
//               of new connections to the actor, the figures of tcp.stats.
//   connection  one socket on its own strand: reads gated by credit through
//               the framing decoder, a bounded write queue, graceful drain.
//   listener    an acceptor (allow list, pause on descriptor exhaustion).
//   connector   outgoing connection attempts, with reconnect and backoff.
//
// The actor holds these objects by shared_ptr and calls their public
// functions, which only post to the object's strand; pending handlers hold
// them too, so an object lives until its last handler ran, whatever the
// order of destruction. Nothing here refers back to the actor's state.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "agora/drivers/tcp_framing.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/term.hpp"
#include "tcp_terms.hpp"

namespace agora::tcp::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using io_clock = std::chrono::steady_clock;

struct io_settings {
  std::chrono::milliseconds idle_timeout{0};  // 0: none
  std::chrono::milliseconds drain_timeout{5000};
  std::chrono::milliseconds connect_timeout{10000};
  std::size_t write_limit = std::size_t{1} << 20;
};

class connection;

class io_shared {
 public:
  io_shared(io_port& port, actor_id driver, io_settings settings);
  io_shared(const io_shared&) = delete;
  io_shared& operator=(const io_shared&) = delete;

  io_port& port;
  const actor_id driver;
  const io_settings settings;
  /// The strand of every listener and connector of this driver.
  const asio::any_io_executor control;
  /// An executor for a new connection: a strand of its own, or the
  /// io_context itself when one thread runs it.
  asio::any_io_executor connection_executor() const;

  /// Runs event(t, args...) as a turn of the driver (an event of
  /// tcp_events.hpp), unless the driver has stopped.
  template <class... Params, class... Args>
  void report(void (*event)(turn_base&, Params...), Args&&... args) {
    post([event, ... args = std::forward<Args>(args)](turn_base& t) { event(t, args...); });
  }
  /// Sends m as the driver's message, unless the driver has stopped.
  void send(term m);
  bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }

  /// A new connection for the actor to claim; false (and nothing kept)
  /// once the driver has stopped.
  bool hand_over(std::int64_t id, std::shared_ptr<connection> c);
  std::shared_ptr<connection> claim(std::int64_t id);

  /// The driver stops: nothing is posted from now on. Returns the
  /// connections not claimed yet.
  std::vector<std::shared_ptr<connection>> stop();

  // Figures for tcp.stats.
  std::atomic<std::int64_t> buffered_in{0};  // received, not yet delivered
  std::atomic<std::int64_t> queued_out{0};   // queued, not yet taken by the kernel
  std::atomic<std::int64_t> open_sockets{0}; // of connections, from construction to close

 private:
  void post(std::function<void(turn_base&)> f);

  std::mutex mutex_;  // guards the hand-over
  std::atomic<bool> stopped_{false};
  std::unordered_map<std::int64_t, std::shared_ptr<connection>> handover_;  // guarded
};

/// Connection numbers are unique in the process: tcp.conn(N) never names
/// two connections, even with several drivers.
std::int64_t next_connection_id();

class connection : public std::enable_shared_from_this<connection> {
 public:
  /// `socket` is connected; its executor is this connection's strand.
  connection(std::shared_ptr<io_shared> shared, std::int64_t id, framing f, tcp::socket socket);
  ~connection();
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  std::int64_t id() const noexcept { return id_; }

  // Thread-safe: each posts to the connection's strand.
  /// Starts the idle timer, if any. Nothing is read before credit comes.
  void start();
  /// n more messages may be delivered.
  void credit(std::int64_t n);
  /// Queues a string or bytes term (framed on the way out).
  void write(term payload);
  /// Graceful close: no more deliveries, queued writes go out, then FIN,
  /// then a linger (input discarded) until the peer's FIN or until it has
  /// acknowledged everything, all within the drain timeout. Reports
  /// closed(id, closed) — or the error that ended it.
  void close();

 private:
  enum class phase : std::uint8_t { open, draining, closed };
  struct out_item {
    term payload;
    wire_parts parts;
    std::size_t size;  // payload + framing
  };

  // All below run on the strand.
  void arm_idle();
  void on_idle(const boost::system::error_code& ec);
  void touch() noexcept {
    if (shared_->settings.idle_timeout.count() > 0) last_activity_ = io_clock::now();
  }
  void start_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  bool took(const boost::system::error_code& ec, std::size_t n);
  bool read_some();
  void wait_discard();
  bool drop_input();
  void discard();
  void peer_done();
  void pump();
  bool backed_up() const noexcept;
  void end_read(term why);
  void do_write(term payload);
  void start_write();
  void on_written(const boost::system::error_code& ec, std::size_t n);
  void begin_drain(term why);
  void after_writes();
  void check_linger();
  void on_drain_deadline(const boost::system::error_code& ec);
  void finish(term why, bool abortive = false);
  void account() noexcept;

  std::shared_ptr<io_shared> shared_;
  const std::int64_t id_;
  const term conn_;  // tcp.conn(N)
  const framing framing_;
  decoder decoder_;
  tcp::socket socket_;
  asio::steady_timer idle_timer_;
  asio::steady_timer drain_timer_;
  asio::steady_timer linger_timer_;
  std::chrono::milliseconds linger_wait_{1};
  phase phase_ = phase::open;
  bool reading_ = false;     // an async read (open) or wait (draining) is pending
  bool writing_ = false;     // an async_write is pending
  bool read_ended_ = false;  // nothing more is delivered
  bool peer_eof_ = false;
  bool more_ = false;        // the last read filled its buffer: read again before waiting
  bool paused_ = false;      // delivery waits for our writes to drain (backed_up())
  bool counted_ = true;      // in io_shared's open sockets
  std::int64_t credit_ = 0;
  std::size_t read_size_ = 0;  // grows while reads fill it, shrinks back
  std::deque<out_item> queue_;
  std::size_t pending_ = 0;    // bytes in queue_
  std::size_t in_flight_ = 0;  // items of queue_ in the pending async_write
  std::vector<asio::const_buffer> gather_;
  std::deque<std::uint32_t> unacked_;  // sizes of delivered messages not yet credited back
  std::size_t unacked_bytes_ = 0;
  io_clock::time_point last_activity_;
  term drain_reason_;
  std::size_t buffered_reported_ = 0;
};

class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(std::shared_ptr<io_shared> shared, std::int64_t lid, term listen, listen_spec spec);
  /// Binds and accepts; reports listening(lid, PORT) or listen_failed(lid, "what").
  void open();
  /// Stops accepting; reports listener_closed(lid).
  void close();

 private:
  void do_open();
  void accept();
  void on_accept(const boost::system::error_code& ec, tcp::socket socket);
  void pause(const boost::system::error_code& ec);

  std::shared_ptr<io_shared> shared_;
  const std::int64_t lid_;
  const term listen_;
  const listen_spec spec_;
  tcp::acceptor acceptor_;
  asio::steady_timer pause_timer_;
  bool closed_ = false;
  bool paused_ = false;   // accept failed for lack of resources; retrying slowly
  int transient_errors_ = 0;
};

class connector : public std::enable_shared_from_this<connector> {
 public:
  connector(std::shared_ptr<io_shared> shared, std::int64_t cid, connect_spec spec);
  /// Starts the first attempt; reports trying(cid), then connected(cid,
  /// N, PEER) or connect_failed(cid, "what") (then, with reconnect, tries
  /// again after the backoff).
  void open();
  /// The connection was lost: with reconnect, try again after the backoff.
  void retry();
  void close();

 private:
  void attempt();
  void on_resolved(const boost::system::error_code& ec, tcp::resolver::results_type results);
  void on_connected(const boost::system::error_code& ec, const tcp::endpoint& peer);
  void failed(std::string what);
  void schedule();

  std::shared_ptr<io_shared> shared_;
  const std::int64_t cid_;
  const connect_spec spec_;
  tcp::resolver resolver_;
  asio::steady_timer retry_timer_;
  asio::steady_timer deadline_;
  std::optional<tcp::socket> socket_;
  std::chrono::milliseconds delay_;
  bool closed_ = false;
  bool timed_out_ = false;
};

}  // namespace agora::tcp::detail
