// A listening socket on the driver's control strand. Accepts in a loop;
// a connection from a host outside the allow list is closed at once and
// logged. When accept fails for lack of resources (EMFILE, ENFILE, ENOBUFS,
// ENOMEM) the pending connection stays in the backlog and the socket stays
// readable, so retrying at once would spin: the listener pauses briefly
// between attempts (logging once per episode) and carries on as soon as
// accept works again. It never gives up while it is open.
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <fmt/format.h>

#include <cerrno>

#include "tcp_events.hpp"
#include "tcp_io.hpp"

namespace agora::tcp::detail {

namespace {

using boost::system::error_code;

constexpr std::chrono::milliseconds pause_interval{100};
/// Consecutive "try again" errors (see accept(2)) before pausing anyway.
constexpr int max_transient_errors = 64;

bool transient(const error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case ECONNABORTED:
    case EPROTO:
    case EPERM:
    case EINTR:
    case EAGAIN:
    case ENETDOWN:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
      return true;
    default:
      return false;
  }
}

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto a = normalized(ep.address());
  return a.is_v6() ? fmt::format("[{}]:{}", a.to_string(), ep.port())
                   : fmt::format("{}:{}", a.to_string(), ep.port());
}

}  // namespace

listener::listener(std::shared_ptr<io_shared> shared, std::int64_t lid, term listen,
                   listen_spec spec)
    : shared_(std::move(shared)),
      lid_(lid),
      listen_(std::move(listen)),
      spec_(std::move(spec)),
      acceptor_(shared_->control),
      pause_timer_(shared_->control) {}

void listener::open() {
  asio::post(shared_->control, [self = shared_from_this()] { self->do_open(); });
}

void listener::close() {
  asio::post(shared_->control, [self = shared_from_this()] {
    if (self->closed_) return;
    self->closed_ = true;
    self->pause_timer_.cancel();
    error_code ec;
    self->acceptor_.close(ec);
    self->shared_->report(events::listener_closed, self->lid_);
  });
}

void listener::do_open() {
  if (closed_) return;
  const tcp::endpoint ep(spec_.address, spec_.port);
  error_code ec;
  auto fail = [&](std::string_view step) {
    error_code ignored;
    acceptor_.close(ignored);
    shared_->report(events::listen_failed, lid_, fmt::format("{}: {}", step, ec.message()));
  };
  if (acceptor_.open(ep.protocol(), ec); ec) return fail("socket");
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ep.address().is_v6() && ep.address().is_unspecified())
    acceptor_.set_option(asio::ip::v6_only(false), ec);  // "::" takes IPv4 too
  if (acceptor_.bind(ep, ec); ec) return fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) return fail("listen");
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) return fail("getsockname");
  shared_->report(events::listening, lid_, static_cast<std::int64_t>(local.port()));
  accept();
}

void listener::accept() {
  // Each connection gets a strand of its own (with one I/O thread, none is
  // needed): its socket's executor.
  asio::any_io_executor strand = shared_->connection_executor();
  acceptor_.async_accept(strand, [self = shared_from_this()](const error_code& ec, tcp::socket s) {
    self->on_accept(ec, std::move(s));
  });
}

void listener::on_accept(const error_code& ec, tcp::socket socket) {
  if (closed_) return;  // the socket, if any, closes with its destructor
  if (!ec) {
    transient_errors_ = 0;
    if (paused_) {
      paused_ = false;
      shared_->report(events::log, log_level::info,
                      fmt::format("accepting on {} again", listen_.to_string()));
    }
    error_code rec_ec;
    const auto remote = socket.remote_endpoint(rec_ec);
    if (rec_ec) {  // already gone (reset before we got to it)
      accept();
      return;
    }
    if (!spec_.allows(remote.address())) {
      shared_->report(events::log, log_level::warn,
                      fmt::format("refused a connection from {} on {}: not in the allow list",
                                  endpoint_text(remote), listen_.to_string()));
      error_code ignored;
      socket.set_option(asio::socket_base::linger(true, 0), ignored);
      socket.close(ignored);
      accept();
      return;
    }
    const std::int64_t id = next_connection_id();
    auto c = std::make_shared<connection>(shared_, id, spec_.frame, std::move(socket));
    if (shared_->hand_over(id, c)) {
      c->start();
      shared_->report(events::accepted, listen_, id, peer_term(remote.address(), remote.port()));
    }
    accept();
    return;
  }
  if (ec == asio::error::operation_aborted) return;
  if (transient(ec) && ++transient_errors_ < max_transient_errors) {
    accept();
    return;
  }
  pause(ec);
}

void listener::pause(const error_code& ec) {
  transient_errors_ = 0;
  if (!paused_) {
    paused_ = true;
    shared_->report(events::log, log_level::warn,
                    fmt::format("accept on {} failed: {}; retrying every {} ms until it works again",
                                listen_.to_string(), ec.message(), pause_interval.count()));
  }
  pause_timer_.expires_after(pause_interval);
  pause_timer_.async_wait([self = shared_from_this()](const error_code& e) {
    if (!e && !self->closed_) self->accept();
  });
}

}  // namespace agora::tcp::detail
