// Outgoing connections on the driver's control strand: resolve, connect
// (bounded by the connect timeout), hand the socket over as a connection;
// on failure, and when a connection is lost, try again after a delay that
// starts at INTERVAL and doubles up to MAX (reset by a success) — only
// with reconnect(...), and only while the connector is open.
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include "tcp_events.hpp"
#include "tcp_io.hpp"

namespace agora::tcp::detail {

using boost::system::error_code;

connector::connector(std::shared_ptr<io_shared> shared, std::int64_t cid, connect_spec spec)
    : shared_(std::move(shared)),
      cid_(cid),
      spec_(std::move(spec)),
      resolver_(shared_->control),
      retry_timer_(shared_->control),
      deadline_(shared_->control),
      delay_(spec_.reconnect ? spec_.reconnect->interval : std::chrono::milliseconds{0}) {}

void connector::open() {
  asio::post(shared_->control, [self = shared_from_this()] { self->attempt(); });
}

void connector::retry() {
  asio::post(shared_->control, [self = shared_from_this()] { self->schedule(); });
}

void connector::close() {
  asio::post(shared_->control, [self = shared_from_this()] {
    self->closed_ = true;
    self->retry_timer_.cancel();
    self->deadline_.cancel();
    self->resolver_.cancel();
    if (self->socket_) {
      error_code ec;
      self->socket_->close(ec);
    }
  });
}

void connector::attempt() {
  if (closed_) return;
  shared_->report(events::trying, cid_);
  resolver_.async_resolve(spec_.host, std::to_string(spec_.port),
                          tcp::resolver::numeric_service,
                          [self = shared_from_this()](const error_code& ec,
                                                      tcp::resolver::results_type results) {
                            self->on_resolved(ec, std::move(results));
                          });
}

void connector::on_resolved(const error_code& ec, tcp::resolver::results_type results) {
  if (closed_) return;
  if (ec) return failed(fmt::format("resolving {}: {}", spec_.host, ec.message()));
  // The socket's executor is the strand of the connection it will become;
  // until then only this strand touches it.
  socket_.emplace(shared_->connection_executor());
  timed_out_ = false;
  deadline_.expires_after(shared_->settings.connect_timeout);
  deadline_.async_wait([self = shared_from_this()](const error_code& e) {
    if (e || !self->socket_) return;
    self->timed_out_ = true;
    error_code ignored;
    self->socket_->close(ignored);  // the connect completes with operation_aborted
  });
  asio::async_connect(*socket_, results,
                      asio::bind_executor(shared_->control, [self = shared_from_this()](
                                                                const error_code& e,
                                                                const tcp::endpoint& peer) {
                        self->on_connected(e, peer);
                      }));
}

void connector::on_connected(const error_code& ec, const tcp::endpoint&) {
  deadline_.cancel();
  if (closed_) {
    socket_.reset();
    return;
  }
  if (ec) {
    socket_.reset();
    return failed(timed_out_ ? fmt::format("connect timed out after {} ms",
                                           shared_->settings.connect_timeout.count())
                             : ec.message());
  }
  if (spec_.reconnect) delay_ = spec_.reconnect->interval;  // success: back to the start
  const std::int64_t id = next_connection_id();
  auto c = std::make_shared<connection>(shared_, id, spec_.frame, std::move(*socket_));
  socket_.reset();
  if (shared_->hand_over(id, c)) {
    c->start();
    shared_->report(events::connected, cid_, id);
  }
}

void connector::failed(std::string what) {
  shared_->report(events::connect_failed, cid_, std::move(what));
  schedule();
}

void connector::schedule() {
  if (closed_ || !spec_.reconnect) return;
  const auto d = delay_;
  delay_ = std::min(delay_ * 2, spec_.reconnect->max);
  retry_timer_.expires_after(d);
  retry_timer_.async_wait([self = shared_from_this()](const error_code& e) {
    if (!e) self->attempt();
  });
}

}  // namespace agora::tcp::detail
