// One child process on its own strand (or on the single I/O thread, which
// is one). Its pidfd becomes readable when it exits: then whatever is left
// of its process group gets SIGKILL (while the zombie still holds the group
// id, so the signal cannot reach a newer group), and waitpid(pid) reaps it
// — that pid only, never -1. Its stdout and stderr are read only while the
// owner has granted credit, one message per read of at most chunk_size;
// the end of the process is reported after both eofs. Stdin is a queue
// written without blocking, bounded by the input limit.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <fmt/format.h>

#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "driver_support.hpp"
#include "process_events.hpp"
#include "process_io.hpp"
#include "process_terms.hpp"

namespace agora::process::detail {

namespace {

using boost::system::error_code;

constexpr std::int64_t max_credit = std::int64_t{1} << 40;
/// Reads in a row before the strand is yielded (an abandoned child's
/// output is drained without credit).
constexpr int max_reads = 16;

const term& output_label() {
  static const term label = sym("process.output");
  return label;
}

std::string_view payload_of(const term& t) {
  return t.is_bytes() ? t.as_bytes() : t.is_string() ? t.as_string() : std::string_view{};
}

/// write(2) to a pipe whose reader may be gone, without SIGPIPE: the
/// signal is blocked in this thread for the call, and one it raised is
/// taken off before the mask is restored (unless one was pending before).
ssize_t write_quietly(int fd, const char* data, std::size_t n) {
  sigset_t pipe_set, old, pending;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE);
  ssize_t r = ::write(fd, data, n);
  const int e = errno;
  if (r < 0 && e == EPIPE && !was_pending) {
    const timespec zero{0, 0};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = e;
  return r;
}

}  // namespace

io_shared::io_shared(io_port& p, actor_id d, io_settings s) : port(p), driver(d), settings(s) {}

asio::any_io_executor io_shared::child_executor() const {
  if (port.serial()) return port.io().get_executor();
  return asio::make_strand(port.io());
}

void io_shared::post(std::function<void(turn_base&)> f) {
  if (!stopped()) port.post(driver, std::move(f));
}

void io_shared::send(term m) {
  if (!stopped()) drivers_detail::send_as(port, driver, std::move(m));
}

child::child(std::shared_ptr<io_shared> shared, std::int64_t serial, term id, spawned s,
             std::chrono::milliseconds timeout, std::chrono::milliseconds grace)
    : shared_(std::move(shared)),
      serial_(serial),
      id_(std::move(id)),
      pid_(s.pid),
      ex_(shared_->child_executor()),
      pidfd_(ex_, s.pidfd),
      in_(ex_, s.in),
      pipes_{out_pipe(ex_, s.out), out_pipe(ex_, s.err)},
      timeout_timer_(ex_),
      kill_timer_(ex_),
      timeout_(timeout),
      grace_(grace) {
  buffer_.resize(std::max<std::size_t>(shared_->settings.chunk_size, 1));
}

child::~child() {
  if (!reaped_) kill_and_reap(pid_);
}

// ---- entry points (any thread) --------------------------------------------------

void child::start() {
  asio::dispatch(ex_, [self = shared_from_this()] {
    self->pidfd_.async_wait(asio::posix::stream_descriptor::wait_read, [self](const error_code& ec) {
      if (!ec) self->on_exit();
    });
    if (self->timeout_.count() > 0) {
      self->timeout_timer_.expires_after(self->timeout_);
      self->timeout_timer_.async_wait([self](const error_code& ec) {
        if (!ec && !self->reaped_) self->terminate(reason_timeout(), self->grace_);
      });
    }
  });
}

void child::credit(stream s, std::int64_t n) {
  asio::dispatch(ex_, [self = shared_from_this(), i = static_cast<int>(s), n] {
    auto& p = self->pipes_[i];
    if (p.done) return;
    p.credit = std::min(p.credit + n, max_credit);
    self->pump(i);
  });
}

void child::write(term bytes) {
  asio::dispatch(ex_, [self = shared_from_this(), b = std::move(bytes)]() mutable {
    if (!self->input_open_ || self->input_eof_ || self->abandoned_) return;  // dropped
    const std::size_t n = payload_of(b).size();
    if (n == 0) return;
    const std::size_t limit = self->shared_->settings.input_limit;
    if (self->queued_ + n > limit) {
      self->queue_.clear();
      self->queued_ = 0;
      self->end_input();
      self->terminate(reason_too_slow("stdin"), self->grace_);
      return;
    }
    self->queue_.push_back(std::move(b));
    self->queued_ += n;
    self->start_write();
  });
}

void child::close_input() {
  asio::dispatch(ex_, [self = shared_from_this()] {
    if (!self->input_open_) return;
    self->input_eof_ = true;
    if (self->queue_.empty()) self->end_input();
  });
}

void child::abandon(std::chrono::milliseconds grace) {
  asio::dispatch(ex_, [self = shared_from_this(), grace] {
    self->abandoned_ = true;
    self->queue_.clear();
    self->queued_ = 0;
    self->end_input();
    if (self->reaped_) {
      self->check_done();
      return;
    }
    self->terminate(std::nullopt, grace);
    for (int i = 0; i < 2; ++i) self->pump(i);  // drained, so a writer does not block
  });
}

// ---- output ---------------------------------------------------------------------

/// Sends what credit allows (everything, dropped, once abandoned), one
/// message per read; waits for the pipe when it is empty.
void child::pump(int s) {
  auto& p = pipes_[s];
  for (int reads = 0; !p.done && (abandoned_ || p.credit > 0);) {
    if (p.waiting) return;
    ssize_t n = -1;
    if (reads++ < max_reads) {
      n = ::read(p.sd.native_handle(), buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return end_pipe(s);
    }
    if (n < 0) {  // empty (or read enough in a row): wait for more
      p.waiting = true;
      p.sd.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this(), s](const error_code& ec) {
                        self->pipes_[s].waiting = false;
                        if (!ec) self->pump(s);
                      });
      return;
    }
    if (abandoned_) continue;
    --p.credit;
    const term fields[3] = {id_, stream_symbol(static_cast<stream>(s)),
                            term::bytes(std::string_view(buffer_.data(), static_cast<std::size_t>(n)))};
    shared_->send(term::record(output_label(), fields));
  }
}

void child::end_pipe(int s) {
  auto& p = pipes_[s];
  p.done = true;
  p.credit = 0;
  error_code ec;
  p.sd.close(ec);  // a pending wait completes with operation_aborted
  if (!abandoned_) {
    const term fields[3] = {id_, stream_symbol(static_cast<stream>(s)), sym("eof")};
    shared_->send(term::record(output_label(), fields));
  }
  check_done();
}

// ---- input ----------------------------------------------------------------------

void child::start_write() {
  if (!input_waiting_) write_some();
}

void child::write_some() {
  while (!queue_.empty()) {
    const std::string_view rest = payload_of(queue_.front()).substr(offset_);
    const ssize_t n = write_quietly(in_.native_handle(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      input_waiting_ = true;
      in_.async_wait(asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this()](const error_code& ec) {
                       self->input_waiting_ = false;
                       if (!ec && self->input_open_) self->write_some();
                     });
      return;
    }
    if (n < 0) {
      // EPIPE: the child closed its stdin (or is gone). What is queued can
      // never be read: dropped; the process goes on.
      queue_.clear();
      queued_ = 0;
      end_input();
      return;
    }
    offset_ += static_cast<std::size_t>(n);
    queued_ -= static_cast<std::size_t>(n);
    if (offset_ == payload_of(queue_.front()).size()) {
      queue_.pop_front();
      offset_ = 0;
    }
  }
  if (input_eof_) end_input();
}

void child::end_input() {
  if (!input_open_) return;
  input_open_ = false;
  error_code ec;
  in_.close(ec);
}

// ---- the end --------------------------------------------------------------------

void child::signal_group(int sig) noexcept {
  // Only before the leader is reaped: until then its zombie holds the
  // group id, which therefore names this group and no other.
  if (!reaped_) ::kill(-pid_, sig);
}

/// SIGTERM to the group, then SIGKILL `grace` later (0: SIGKILL now). A
/// later call may only bring the SIGKILL closer. `why`, if the first, is
/// the reason the process ends with, whatever its status.
void child::terminate(std::optional<term> why, std::chrono::milliseconds grace) {
  if (reaped_) return;
  if (why && !override_) override_ = std::move(why);
  if (grace.count() <= 0) {
    signal_group(SIGKILL);
    kill_at_ = io_clock::now();
    kill_timer_.cancel();
    return;
  }
  if (!term_sent_) {
    term_sent_ = true;
    signal_group(SIGTERM);
  }
  const auto at = io_clock::now() + grace;
  if (kill_at_ && *kill_at_ <= at) return;
  kill_at_ = at;
  kill_timer_.expires_at(at);
  kill_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->signal_group(SIGKILL);
  });
}

/// The pidfd is readable: the leader has exited (a zombie now).
void child::on_exit() {
  // What it left in its group goes at once, so that the pipes close and
  // the eofs come.
  ::kill(-pid_, SIGKILL);
  int status = 0;
  pid_t r;
  while ((r = ::waitpid(pid_, &status, WNOHANG)) < 0 && errno == EINTR) {
  }
  if (r == 0) {  // not reapable yet (cannot happen with a readable pidfd): wait again
    pidfd_.async_wait(asio::posix::stream_descriptor::wait_read,
                      [self = shared_from_this()](const error_code& ec) {
                        if (!ec) self->on_exit();
                      });
    return;
  }
  reaped_ = true;
  error_code ec;
  pidfd_.close(ec);
  timeout_timer_.cancel();
  kill_timer_.cancel();
  if (r < 0) {
    // Somebody else reaped it (a waitpid(-1) elsewhere in the program).
    shared_->report(events::log, log_level::warn,
                    fmt::format("process {} (pid {}): its status was taken by another waitpid: {}",
                                id_.to_string(), pid_, std::strerror(errno)));
    reason_ = reason_exited(-1);
  } else if (WIFSIGNALED(status)) {
    signaled_ = true;
    reason_ = reason_killed(WTERMSIG(status));
  } else {
    reason_ = reason_exited(WEXITSTATUS(status));
  }
  if (override_) reason_ = *override_;
  // Its stdin can no longer be read.
  queue_.clear();
  queued_ = 0;
  end_input();
  check_done();
}

/// Reports the end once the leader is reaped and — unless nobody listens —
/// both pipes have reached their eof.
void child::check_done() {
  if (reported_ || !reaped_) return;
  if (abandoned_) {
    for (auto& p : pipes_)
      if (!p.done) {
        p.done = true;
        error_code ec;
        p.sd.close(ec);
      }
  } else if (!pipes_[0].done || !pipes_[1].done) {
    return;
  }
  reported_ = true;
  shared_->report(events::ended, serial_, reason_, signaled_);
}

}  // namespace agora::process::detail
