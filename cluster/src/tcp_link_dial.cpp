// A link up to open: dialing (resolve a name, connect) or accepted, then the
// TLS handshake if any; all within the connect timeout.
#include <boost/asio/connect.hpp>
#include <fmt/format.h>

#include <array>

#include "agora/ip_text.hpp"
#include "close_reasons.hpp"
#include "tcp_link.hpp"

namespace agora::cluster::detail {

using boost::system::error_code;

void tcp_link::dial(const std::string& address) {
  dialer_ = true;
  phase_ = phase::connecting;
  const auto target = ip::split_host_port(address);
  if (!target || target->port == 0)
    return finish(reason_error(fmt::format("cannot dial {:?}: want HOST:PORT with PORT in 1..65535", address)));
  arm_deadline();
  error_code ec;
  const auto literal = asio::ip::make_address(target->host, ec);
  if (!ec) return connect_to(std::array{tcp::endpoint(literal, target->port)});
  resolver_.emplace(state_->io);
  resolver_->async_resolve(target->host, std::to_string(target->port), tcp::resolver::numeric_service,
                           [self = shared_from_this()](const error_code& e, tcp::resolver::results_type r) {
                             self->on_resolved(e, r);
                           });
}

void tcp_link::accepted(std::string peer) {
  peer_ = std::move(peer);
  phase_ = phase::connecting;
  error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  if (!stream_.tls()) return up();
  arm_deadline();
  handshake();
}

void tcp_link::arm_deadline() {
  deadline_.expires_after(state_->options.connect_timeout);
  deadline_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec) return;
    if (self->phase_ == phase::connecting || self->phase_ == phase::handshaking)
      self->finish(reason_timeout());
  });
}

void tcp_link::on_resolved(const error_code& ec, const tcp::resolver::results_type& results) {
  if (phase_ != phase::connecting) return;
  if (ec) return finish(reason_error(fmt::format("cannot resolve: {}", ec.message())));
  connect_to(results);
}

template <class Endpoints>
void tcp_link::connect_to(const Endpoints& endpoints) {
  asio::async_connect(stream_.socket(), endpoints,
                      [self = shared_from_this()](const error_code& ec, const tcp::endpoint&) {
                        self->on_connected(ec);
                      });
}

void tcp_link::on_connected(const error_code& ec) {
  if (phase_ != phase::connecting) return;  // closed meanwhile (by a call, stop() or the deadline)
  if (ec) return finish(reason_for(ec));
  error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  if (!stream_.tls()) return up();
  handshake();
}

void tcp_link::handshake() {
  phase_ = phase::handshaking;
  stream_.async_handshake(dialer_, [self = shared_from_this()](const error_code& ec) {
    self->on_handshake(ec);
  });
}

void tcp_link::on_handshake(const error_code& ec) {
  if (phase_ != phase::handshaking) return;
  if (ec) return finish(reason_tls(ec, SSL_get_verify_result(stream_.tls_session())));
  up();
}

void tcp_link::up() {
  deadline_.cancel();
  resolver_.reset();
  phase_ = phase::open;
  announced_ = true;
  start_read();
  if (queue_.has_waiting()) schedule_flush();
  if (auto* events = state_->events) {
    if (dialer_)
      events->on_connected(id_);
    else
      events->on_accepted(id_, peer_);
  }
}

}  // namespace agora::cluster::detail
