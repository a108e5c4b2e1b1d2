#include "transport_listener.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <fmt/format.h>

#include <stdexcept>

#include "agora/accept_errors.hpp"
#include "agora/ip_text.hpp"
#include "tcp_link.hpp"

namespace agora::cluster::detail {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::chrono::milliseconds pause_interval{100};
/// Consecutive "try again" errors (see accept(2)) before pausing anyway.
constexpr int max_transient_errors = 64;

tcp::endpoint listen_endpoint(const std::string& address) {
  const auto target = ip::split_host_port(address);
  error_code ec;
  const auto host = target ? asio::ip::make_address(target->host, ec) : asio::ip::address();
  if (!target || ec)
    throw std::runtime_error(fmt::format(
        "cannot listen on {:?}: want HOST:PORT with HOST an IP address literal and PORT in 0..65535",
        address));
  return {host, target->port};
}

}  // namespace

transport_listener::transport_listener(std::shared_ptr<transport_state> state, const std::string& address)
    : state_(std::move(state)), acceptor_(state_->io), pause_timer_(state_->io) {
  const auto ep = listen_endpoint(address);
  error_code ec;
  auto fail = [&](std::string_view step) {
    throw std::runtime_error(fmt::format("cannot listen on {}: {}: {}", address, step, ec.message()));
  };
  if (acceptor_.open(ep.protocol(), ec); ec) fail("socket");
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ep.address().is_v6() && ep.address().is_unspecified())
    acceptor_.set_option(asio::ip::v6_only(false), ec);  // "[::]" takes IPv4 too
  if (acceptor_.bind(ep, ec); ec) fail("bind");
  if (acceptor_.listen(asio::socket_base::max_listen_connections, ec); ec) fail("listen");
  const auto local = acceptor_.local_endpoint(ec);
  if (ec) fail("getsockname");
  bound_ = ip::endpoint_text(local.address(), local.port());
}

void transport_listener::close() {
  closed_ = true;
  pause_timer_.cancel();
  error_code ignored;
  acceptor_.close(ignored);
}

void transport_listener::accept() {
  acceptor_.async_accept([self = shared_from_this()](const error_code& ec, tcp::socket socket) {
    self->on_accept(ec, std::move(socket));
  });
}

void transport_listener::on_accept(const error_code& ec, tcp::socket socket) {
  if (closed_) return;  // the socket, if any, closes with its destructor
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    if (transient_accept_error(ec) && ++transient_errors_ < max_transient_errors) return accept();
    return pause(ec);
  }
  transient_errors_ = 0;
  if (paused_) {
    paused_ = false;
    state_->log(fmt::format("accepting on {} again", bound_));
  }
  error_code ignored;
  const auto remote = socket.remote_endpoint(ignored);
  if (ignored) return accept();  // gone already (reset before we got to it)
  const std::string peer = ip::endpoint_text(remote.address(), remote.port());
  if (!state_->allows(remote.address())) {
    state_->log_limited(fmt::format("refused a connection from {} on {}: not in the allow list", peer, bound_));
    socket.set_option(asio::socket_base::linger(true, 0), ignored);
    socket.close(ignored);
    return accept();
  }
  const conn_id id = state_->next_id++;
  auto link = std::make_shared<tcp_link>(state_, id, std::move(socket));
  state_->links.emplace(id, link);
  accept();  // before the event, which may stop the transport
  link->accepted(peer);
}

void transport_listener::pause(const error_code& ec) {
  transient_errors_ = 0;
  if (!paused_) {
    paused_ = true;
    state_->log(fmt::format("accept on {} failed: {}; retrying every {} ms until it works again", bound_,
                            ec.message(), pause_interval.count()));
  }
  pause_timer_.expires_after(pause_interval);
  pause_timer_.async_wait([self = shared_from_this()](const error_code& e) {
    if (!e && !self->closed_) self->accept();
  });
}

}  // namespace agora::cluster::detail
