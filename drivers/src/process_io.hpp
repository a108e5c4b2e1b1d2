// The I/O side of the process driver: objects on the port's io_context that
// talk to the driver actor only by posting turns of it (io_port::post): the
// output messages it sends on, and the events of process_events.hpp.
//
//   io_shared  one per driver: the port and the driver's id, the settings,
//              the switch that cuts the I/O side off when the driver stops.
//   child      one process on its own strand (or on the single I/O thread):
//              its pidfd, watched for the exit; stdout and stderr, read
//              only while there is credit; stdin, a bounded write queue;
//              the timeout and the grace between SIGTERM and SIGKILL.
//
// The actor holds each child by shared_ptr and calls its public functions,
// which only dispatch to the child's executor; pending handlers hold it
// too, so a child lives until its last handler ran. Nothing here refers
// back to the actor's state.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agora/drivers/process.hpp"
#include "agora/io_port.hpp"
#include "agora/term.hpp"
#include "process_spawn.hpp"

namespace agora::process::detail {

namespace asio = boost::asio;
using io_clock = std::chrono::steady_clock;

struct io_settings {
  std::size_t input_limit = std::size_t{1} << 20;
  std::size_t chunk_size = std::size_t{64} << 10;
};

class io_shared {
 public:
  io_shared(io_port& port, actor_id driver, io_settings settings);
  io_shared(const io_shared&) = delete;
  io_shared& operator=(const io_shared&) = delete;

  io_port& port;
  const actor_id driver;
  const io_settings settings;
  /// An executor for a new child: a strand of its own, or the io_context
  /// itself when one thread runs it.
  asio::any_io_executor child_executor() const;

  /// Runs event(t, args...) as a turn of the driver, unless it has stopped.
  template <class... Params, class... Args>
  void report(void (*event)(turn_base&, Params...), Args&&... args) {
    post([event, ... args = std::forward<Args>(args)](turn_base& t) { event(t, args...); });
  }
  /// Sends m as the driver's message, unless the driver has stopped.
  void send(term m);
  bool stopped() const noexcept { return stopped_.load(std::memory_order_acquire); }
  /// The driver stops: nothing is posted from now on.
  void stop() noexcept { stopped_.store(true, std::memory_order_release); }

 private:
  void post(std::function<void(turn_base&)> f);
  std::atomic<bool> stopped_{false};
};

class child : public std::enable_shared_from_this<child> {
 public:
  /// `serial`: the driver's number for it; `id`: the owner's ID.
  child(std::shared_ptr<io_shared> shared, std::int64_t serial, term id, spawned s,
        std::chrono::milliseconds timeout, std::chrono::milliseconds grace);
  /// The last resort (the io_context went before the child was reaped):
  /// SIGKILL to its group and a blocking waitpid, so no zombie is left.
  ~child();
  child(const child&) = delete;
  child& operator=(const child&) = delete;

  pid_t pid() const noexcept { return pid_; }

  // Thread-safe: each dispatches to the child's executor.
  /// Watches the exit, arms the timeout. Nothing is read before credit.
  void start();
  /// n more output messages of stream s may be sent.
  void credit(stream s, std::int64_t n);
  /// Queues bytes (a bytes or string term) for stdin.
  void write(term bytes);
  /// Closes stdin once the queue is written.
  void close_input();
  /// Nobody listens any more (the interest went, or the driver stops): the
  /// group gets SIGTERM, SIGKILL after `grace` (0: at once); output is read
  /// and dropped meanwhile; the reaping is still reported (for the figures).
  void abandon(std::chrono::milliseconds grace);

 private:
  struct out_pipe {
    explicit out_pipe(const asio::any_io_executor& ex, int fd) : sd(ex, fd) {}
    asio::posix::stream_descriptor sd;
    std::int64_t credit = 0;
    bool waiting = false;  // an async_wait is pending
    bool done = false;     // eof (or error) seen, descriptor closed
  };

  // All below run on the executor.
  void pump(int s);
  void end_pipe(int s);
  void start_write();
  void write_some();
  void end_input();
  void terminate(std::optional<term> why, std::chrono::milliseconds grace);
  void signal_group(int sig) noexcept;
  void on_exit();
  void check_done();

  std::shared_ptr<io_shared> shared_;
  const std::int64_t serial_;
  const term id_;
  const pid_t pid_;
  asio::any_io_executor ex_;
  asio::posix::stream_descriptor pidfd_;
  asio::posix::stream_descriptor in_;
  out_pipe pipes_[2];
  asio::steady_timer timeout_timer_;
  asio::steady_timer kill_timer_;
  const std::chrono::milliseconds timeout_, grace_;
  std::string buffer_;

  std::deque<term> queue_;         // stdin: what is not written yet
  std::size_t queued_ = 0;         // bytes in queue_
  std::size_t offset_ = 0;         // of queue_.front() written already
  bool input_open_ = true;         // stdin not closed yet
  bool input_eof_ = false;         // close once the queue is written
  bool input_waiting_ = false;     // an async_wait for room is pending

  bool reaped_ = false;            // waitpid done (or the last resort taken)
  bool abandoned_ = false;
  bool reported_ = false;
  bool term_sent_ = false;
  std::optional<io_clock::time_point> kill_at_;
  std::optional<term> override_;   // timeout / too_slow("stdin"): the reason, whatever the status
  term reason_;
  bool signaled_ = false;
};

}  // namespace agora::process::detail
