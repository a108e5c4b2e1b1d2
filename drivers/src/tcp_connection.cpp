// One TCP connection on its own strand (or on the single I/O thread, which
// is one). Reading is gated by credit: the socket is only watched for input
// while the application may take another message, so a reader that grants
// nothing leaves the data in the kernel and TCP pushes back on the peer. Writes are queued (bounded by the write
// limit) and gathered into one async_write at a time. A graceful close
// writes what is queued, sends FIN, then waits for the peer's FIN while
// discarding its input (closing with unread input would send RST and could
// destroy our last bytes in flight), all within the drain timeout.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/write.hpp>
#include <fmt/format.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>

#include "tcp_events.hpp"
#include "tcp_io.hpp"

namespace agora::tcp::detail {

namespace {

using boost::system::error_code;

constexpr std::size_t min_read = 1024;
constexpr std::size_t max_read = 64 * 1024;
constexpr std::size_t max_gather_items = 64;
constexpr std::size_t max_gather_bytes = 256 * 1024;
constexpr std::int64_t max_credit = std::int64_t{1} << 40;
/// Delivered messages whose sizes are remembered until their credit comes
/// back (beyond that, an application granting credit far ahead is not
/// tracked: the back-up estimate is a heuristic, never a limit).
constexpr std::size_t max_unacked = 4096;

const term& data_label() {
  static const term label = sym("tcp.data");
  return label;
}

std::string_view payload_of(const term& t) {
  return t.is_bytes() ? t.as_bytes() : t.is_string() ? t.as_string() : std::string_view{};
}

}  // namespace

connection::connection(std::shared_ptr<io_shared> shared, std::int64_t id, framing f,
                       tcp::socket socket)
    : shared_(std::move(shared)),
      id_(id),
      conn_(rec("tcp.conn", id)),
      framing_(f),
      decoder_(f),
      socket_(std::move(socket)),
      idle_timer_(socket_.get_executor()),
      drain_timer_(socket_.get_executor()),
      linger_timer_(socket_.get_executor()),
      last_activity_(io_clock::now()) {
  ++shared_->open_sockets;
  read_size_ = min_read;
  error_code ec;
  socket_.non_blocking(true, ec);  // reads are done by hand after a readiness wait
  socket_.set_option(tcp::no_delay(true), ec);
}

connection::~connection() {
  if (counted_) --shared_->open_sockets;
  shared_->buffered_in.fetch_sub(static_cast<std::int64_t>(buffered_reported_));
  shared_->queued_out.fetch_sub(static_cast<std::int64_t>(pending_));
}

// ---- entry points (any thread) --------------------------------------------------
// Dispatched: run at once when the caller already runs on the connection's
// executor (the ground VM on a single I/O thread), else posted.

void connection::start() {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this()] { self->arm_idle(); });
}

void connection::credit(std::int64_t n) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), n] {
    if (self->phase_ != phase::open || self->read_ended_) return;
    self->credit_ = std::min(self->credit_ + n, max_credit);
    // Credit comes back for the oldest messages delivered: they have been
    // handled, and what the handler wrote for them is queued already.
    for (std::int64_t k = 0; k < n && !self->unacked_.empty(); ++k) {
      self->unacked_bytes_ -= self->unacked_.front();
      self->unacked_.pop_front();
    }
    self->pump();
  });
}

void connection::write(term payload) {
  asio::dispatch(socket_.get_executor(), [self = shared_from_this(), p = std::move(payload)]() mutable {
    self->do_write(std::move(p));
  });
}

void connection::close() {
  asio::dispatch(socket_.get_executor(),
                 [self = shared_from_this()] { self->begin_drain(reason_closed()); });
}

// ---- idle timeout ---------------------------------------------------------------

void connection::arm_idle() {
  const auto idle = shared_->settings.idle_timeout;
  if (idle.count() <= 0 || phase_ != phase::open) return;
  idle_timer_.expires_at(last_activity_ + idle);
  idle_timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_idle(ec); });
}

void connection::on_idle(const error_code& ec) {
  if (ec || phase_ != phase::open) return;
  if (io_clock::now() - last_activity_ >= shared_->settings.idle_timeout) {
    finish(reason_timeout(), true);
  } else {
    arm_idle();
  }
}

// ---- reading --------------------------------------------------------------------

/// Reads (credit permitting) with async_read_some, which first tries the
/// read at once: no readiness wait, hence no epoll_ctl, when data is there.
/// The room stays reserved in the decoder until the handler runs.
void connection::start_read() {
  reading_ = true;
  auto room = decoder_.prepare(read_size_);
  socket_.async_read_some(asio::buffer(room.data(), room.size()),
                          [self = shared_from_this()](const error_code& ec, std::size_t n) {
                            self->on_read(ec, n);
                          });
}

void connection::on_read(const error_code& ec, std::size_t n) {
  reading_ = false;
  if (phase_ == phase::closed || ec == asio::error::operation_aborted) return;
  if (phase_ == phase::draining) {
    // A read that was pending when the drain began: what came is dropped,
    // the decoder can go now, and the peer's input is discarded from here.
    decoder_ = decoder(framing_);
    account();
    if (ec && ec != asio::error::eof) return finish(drain_reason_);
    if (ec == asio::error::eof) return peer_done();
    return discard();
  }
  if (!took(ec, n)) return;
  pump();
}

/// Books a read's outcome. False when the connection failed (it is closed)
/// or there was nothing to read.
bool connection::took(const error_code& ec, std::size_t n) {
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    more_ = false;
    return false;
  }
  if (ec == asio::error::eof) {
    peer_eof_ = true;
    decoder_.finish();
    return true;
  }
  if (ec) {
    finish(reason_for(ec));
    return false;
  }
  decoder_.commit(n);
  // A full read: the kernel may hold more, and the next read may be bigger.
  more_ = n == read_size_;
  read_size_ = more_ ? std::min(read_size_ * 2, max_read) : std::max(min_read, std::min(read_size_, 2 * n));
  touch();
  return true;
}

/// One more non-blocking read, right after a full one.
bool connection::read_some() {
  error_code ec;
  auto room = decoder_.prepare(read_size_);
  const std::size_t n = socket_.read_some(asio::buffer(room.data(), room.size()), ec);
  return took(ec, n);
}

/// While draining or lingering: wait for the peer's input, to drop it.
void connection::wait_discard() {
  reading_ = true;
  socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](const error_code& ec) {
    self->reading_ = false;
    if (self->phase_ != phase::draining || ec == asio::error::operation_aborted) return;
    if (ec) return self->finish(self->drain_reason_);
    self->discard();
  });
}

/// Our writes to this peer back up: what is queued, plus what the
/// application may still write for the messages it has not handled yet
/// (if it writes as much as it reads, as an echo does), would pass half the
/// write limit. Then nothing more is delivered (or read) until the writes
/// drain: a peer that sends faster than it reads is slowed down by TCP,
/// not cut off with too_slow. An application that does not write is never
/// held back.
bool connection::backed_up() const noexcept {
  return pending_ > 0 && pending_ + unacked_bytes_ >= shared_->settings.write_limit / 2;
}

/// Delivers what credit allows, reading as needed: at once while the last
/// read filled its buffer, else after a wait for input (a read that finds
/// nothing costs a syscall; a wait costs a reactor round trip).
void connection::pump() {
  for (int reads = 0;;) {
    if (phase_ != phase::open || read_ended_) return;
    if (backed_up()) {
      paused_ = true;  // on_written resumes
      return;
    }
    std::string_view m;
    switch (credit_ > 0 ? decoder_.next(m) : decoder::status::need_more) {
      case decoder::status::message: {
        --credit_;
        if (unacked_.size() < max_unacked) {
          unacked_.push_back(static_cast<std::uint32_t>(m.size()));
          unacked_bytes_ += m.size();
        }
        const term fields[2] = {conn_, term::bytes(m)};
        shared_->send(term::record(data_label(), fields));
        continue;
      }
      case decoder::status::too_long: {
        // Nothing more is read; the application decides when to let go
        // (its writes until then still go out), as after an eof.
        auto why = reason_too_long(decoder_.error());
        decoder_ = decoder(framing_);
        account();
        end_read(std::move(why));
        return;
      }
      case decoder::status::end:
        account();
        end_read(reason_eof());
        return;
      case decoder::status::need_more:
        account();
        if (credit_ <= 0 || reading_) return;
        if (more_ && reads++ < 8 && read_some()) continue;
        if (phase_ == phase::open) start_read();
        return;
    }
  }
}

void connection::end_read(term why) {
  read_ended_ = true;
  credit_ = 0;
  shared_->report(events::read_end, id_, std::move(why));
}

/// Reads and drops what the peer sent, without blocking. False when the
/// peer is done (eof or error).
bool connection::drop_input() {
  char sink[4096];
  for (int i = 0; i < 16; ++i) {  // then yield: a flood must not hold the strand
    error_code ec;
    socket_.read_some(asio::buffer(sink), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) return true;
    if (ec) return false;
  }
  return true;
}

/// While draining: the peer's input is read and dropped until its FIN.
void connection::discard() {
  if (!drop_input()) return peer_done();
  wait_discard();
}

/// While draining, the peer's side ended (eof, or an error: then our
/// pending writes fail too): done once our writes are.
void connection::peer_done() {
  peer_eof_ = true;
  if (!writing_ && queue_.empty()) finish(drain_reason_);
}

// ---- writing --------------------------------------------------------------------

void connection::do_write(term payload) {
  if (phase_ != phase::open) return;  // closing or closed: dropped
  const std::size_t size = payload_of(payload).size();
  const wire_parts parts = wire_parts_for(framing_, size);
  const std::size_t n = size + parts.overhead();
  const std::size_t limit = shared_->settings.write_limit;
  if (pending_ + n > limit) {
    auto why = reason_too_slow(fmt::format(
        "{} bytes queued for a peer that does not read fast enough, over the write limit of {}",
        pending_ + n, limit));
    finish(std::move(why), true);
    return;
  }
  queue_.push_back({std::move(payload), parts, n});
  pending_ += n;
  shared_->queued_out.fetch_add(static_cast<std::int64_t>(n), std::memory_order_relaxed);
  if (!writing_) start_write();
}

void connection::start_write() {
  gather_.clear();
  in_flight_ = 0;
  std::size_t bytes = 0;
  static const char newline = '\n';
  for (const auto& item : queue_) {
    if (in_flight_ == max_gather_items || bytes >= max_gather_bytes) break;
    if (item.parts.prefix_size) gather_.emplace_back(item.parts.prefix, item.parts.prefix_size);
    const auto p = payload_of(item.payload);
    if (!p.empty()) gather_.emplace_back(p.data(), p.size());
    if (item.parts.newline) gather_.emplace_back(&newline, 1);
    ++in_flight_;
    bytes += item.size;
  }
  writing_ = true;
  // The items stay in queue_ (a deque: stable addresses) until written.
  asio::async_write(socket_, gather_,
                    [self = shared_from_this()](const error_code& ec, std::size_t n) {
                      self->on_written(ec, n);
                    });
}

void connection::on_written(const error_code& ec, std::size_t) {
  writing_ = false;
  if (phase_ == phase::closed) {
    queue_.clear();
    return;
  }
  if (ec) {
    finish(reason_for(ec));
    return;
  }
  std::size_t done = 0;
  for (std::size_t i = 0; i < in_flight_; ++i) {
    done += queue_.front().size;
    queue_.pop_front();
  }
  in_flight_ = 0;
  pending_ -= done;
  shared_->queued_out.fetch_sub(static_cast<std::int64_t>(done), std::memory_order_relaxed);
  touch();
  if (!queue_.empty())
    start_write();
  else if (phase_ == phase::draining)
    after_writes();
  if (paused_ && !backed_up()) {
    paused_ = false;
    pump();
  }
}

// ---- closing --------------------------------------------------------------------

void connection::begin_drain(term why) {
  if (phase_ != phase::open) return;
  phase_ = phase::draining;
  drain_reason_ = std::move(why);
  read_ended_ = true;
  credit_ = 0;
  idle_timer_.cancel();
  // What was received and not delivered will never be: let go of it (a
  // pending read still owns its room: then on_read lets go).
  if (!reading_) {
    decoder_ = decoder(framing_);
    account();
  }
  drain_timer_.expires_after(shared_->settings.drain_timeout);
  drain_timer_.async_wait(
      [self = shared_from_this()](const error_code& ec) { self->on_drain_deadline(ec); });
  if (!writing_) after_writes();
}

void connection::after_writes() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (peer_eof_ || ec) {
    finish(drain_reason_);
    return;
  }
  // Linger: until the peer's FIN, or until it has acknowledged all we sent
  // (then closing cannot lose our bytes), discarding its input meanwhile
  // (closing with unread input would send RST).
  if (!reading_) wait_discard();
  linger_wait_ = std::chrono::milliseconds(1);
  check_linger();
}

void connection::check_linger() {
  if (phase_ != phase::draining) return;
  int unacked = 0;
  if (::ioctl(socket_.native_handle(), SIOCOUTQ, &unacked) == 0 && unacked == 0) {
    finish(drain_reason_);
    return;
  }
  linger_timer_.expires_after(linger_wait_);
  linger_wait_ = std::min(linger_wait_ * 2, std::chrono::milliseconds(50));
  linger_timer_.async_wait([self = shared_from_this()](const error_code& e) {
    if (!e) self->check_linger();
  });
}

void connection::on_drain_deadline(const error_code& ec) {
  if (ec || phase_ != phase::draining) return;
  if (!queue_.empty()) {
    finish(reason_too_slow(fmt::format("{} bytes still queued when the drain timeout of {} ms passed",
                                       pending_, shared_->settings.drain_timeout.count())),
           true);
  } else {
    // Everything was written; the peer just did not close its side.
    finish(drain_reason_);
  }
}

void connection::finish(term why, bool abortive) {
  if (phase_ == phase::closed) return;
  phase_ = phase::closed;
  read_ended_ = true;
  error_code ec;
  if (abortive)
    socket_.set_option(asio::socket_base::linger(true, 0), ec);  // RST, free at once
  else if (!peer_eof_)
    drop_input();  // unread input would turn the close into a RST
  socket_.close(ec);  // pending operations complete with operation_aborted
  idle_timer_.cancel();
  drain_timer_.cancel();
  linger_timer_.cancel();
  decoder_ = decoder(framing_);
  account();
  if (!writing_) queue_.clear();  // else on_written does it (its buffers point into the queue)
  shared_->queued_out.fetch_sub(static_cast<std::int64_t>(pending_), std::memory_order_relaxed);
  pending_ = 0;
  if (counted_) {  // before the event: whoever sees it sees the count down
    counted_ = false;
    --shared_->open_sockets;
  }
  shared_->report(events::closed, id_, std::move(why));
}

void connection::account() noexcept {
  const std::size_t now = decoder_.buffered();
  if (now == buffered_reported_) return;
  shared_->buffered_in.fetch_add(static_cast<std::int64_t>(now) -
                                     static_cast<std::int64_t>(buffered_reported_),
                                 std::memory_order_relaxed);
  buffered_reported_ = now;
}

}  // namespace agora::tcp::detail
