// A link's calls from the transport, and how it closes: at once, or after a
// drain (see tcp_link.hpp).
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <algorithm>

#include "close_reasons.hpp"
#include "tcp_link.hpp"

namespace agora::cluster::detail {

using boost::system::error_code;

tcp_link::tcp_link(std::shared_ptr<transport_state> state, conn_id id, tcp::socket socket)
    : state_(std::move(state)),
      id_(id),
      stream_(std::move(socket), state_->tls ? &*state_->tls : nullptr),
      deadline_(state_->io),
      drain_timer_(state_->io),
      linger_timer_(state_->io) {}

void tcp_link::send(std::vector<std::byte> wire) {
  if (phase_ == phase::draining || phase_ == phase::closed) return;
  queue_.push(std::move(wire));
  if (phase_ == phase::open) schedule_flush();  // else up() does
}

void tcp_link::close(bool flush) {
  if (flush && phase_ == phase::draining) return;  // already under way
  if (flush && phase_ == phase::open) return begin_drain();
  finish(reason_closed());
}

void tcp_link::stop() {
  if (phase_ == phase::open) return begin_drain();
  if (phase_ != phase::draining) finish(reason_closed());
}

// ---- draining ----------------------------------------------------------------------

void tcp_link::begin_drain() {
  phase_ = phase::draining;
  drain_timer_.expires_after(state_->options.drain_timeout);
  drain_timer_.async_wait([self = shared_from_this()](const error_code& ec) { self->on_drain_deadline(ec); });
  drain_step();
}

/// The next step of a drain, once our writes are done: end our side, then
/// wait for the peer's end (or its acknowledgement of everything).
void tcp_link::drain_step() {
  if (phase_ != phase::draining || !writes_done()) return;
  if (peer_done_) return finish(reason_closed());
  if (stream_.tls()) {
    if (tls_shutdown_started_) return;
    // The shutdown reads as well as writes: the pending read must go
    // first (on_read comes back here).
    if (reading_) {
      error_code ignored;
      stream_.socket().cancel(ignored);
      return;
    }
    return start_tls_shutdown();
  }
  if (send_shut_) return;
  send_shut_ = true;
  error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return finish(reason_closed());
  start_linger();  // meanwhile on_read discards the peer's input until its FIN
}

void tcp_link::start_tls_shutdown() {
  tls_shutdown_started_ = true;
  stream_.async_tls_shutdown([self = shared_from_this()](const error_code&) {
    if (self->phase_ == phase::draining) self->finish(reason_closed());
  });
  start_linger();
}

void tcp_link::start_linger() {
  linger_wait_ = std::chrono::milliseconds(1);
  linger_timer_.expires_after(linger_wait_);
  linger_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->check_linger();
  });
}

/// Done once the peer has acknowledged all we sent (FIN or close_notify
/// included): then closing cannot lose our bytes, even if the peer never
/// ends its side.
void tcp_link::check_linger() {
  if (phase_ != phase::draining) return;
  int unacknowledged = 0;
  if (::ioctl(stream_.socket().native_handle(), SIOCOUTQ, &unacknowledged) == 0 && unacknowledged == 0)
    return finish(reason_closed());
  linger_wait_ = std::min(linger_wait_ * 2, std::chrono::milliseconds(50));
  linger_timer_.expires_after(linger_wait_);
  linger_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (!ec) self->check_linger();
  });
}

void tcp_link::on_drain_deadline(const error_code& ec) {
  if (ec || phase_ != phase::draining) return;
  const std::size_t left = queue_.bytes();
  if (left == 0) return finish(reason_closed());
  state_->log(fmt::format("connection {}: {} bytes still queued after the drain timeout of {} ms; dropped",
                          id_, left, state_->options.drain_timeout.count()));
  finish(reason_closed(), true);
}

// ---- the end -----------------------------------------------------------------------

void tcp_link::finish(term why, bool abortive) {
  if (phase_ == phase::closed) return;
  auto self = shared_from_this();  // the map may hold the last reference
  const bool report = dialer_ || announced_;
  phase_ = phase::closed;
  deadline_.cancel();
  drain_timer_.cancel();
  linger_timer_.cancel();
  if (resolver_) resolver_->cancel();
  close_socket(abortive);
  // Frames in flight stay until their write completes (it points into them);
  // the read buffer stays too: a frame being delivered points into it.
  queue_.drop_waiting();
  state_->links.erase(id_);
  if (report) {
    asio::post(state_->io, [state = state_, id = id_, why = std::move(why)] {
      if (state->events) state->events->on_closed(id, why);
    });
  } else if (!state_->stopped && why != reason_closed()) {
    state_->log_limited(fmt::format("a connection from {} failed before it was up: {}", peer_, why.to_string()));
  }
}

void tcp_link::close_socket(bool abortive) {
  auto& s = stream_.socket();
  if (!s.is_open()) return;
  error_code ec;
  if (abortive) {
    s.set_option(asio::socket_base::linger(true, 0), ec);  // RST: gone at once
  } else if (!peer_done_) {
    // Unread input would turn the close into a RST, which may destroy what
    // we sent last before the peer reads it.
    s.non_blocking(true, ec);
    std::byte sink[4096];
    for (int i = 0; i < 16 && !ec; ++i) s.read_some(asio::buffer(sink), ec);
  }
  s.close(ec);  // pending operations complete with operation_aborted
}

}  // namespace agora::cluster::detail
