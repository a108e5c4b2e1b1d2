// The byte stream under a connection: a TCP socket, or TLS over one, with
// the same read and write calls for both (the handshake and the shutdown
// are TLS's own).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <utility>
#include <variant>
#include <vector>

namespace agora::cluster::detail {

namespace asio = boost::asio;
using asio::ip::tcp;

class byte_stream {
 public:
  using tls_stream = asio::ssl::stream<tcp::socket>;

  /// Plain TCP over `socket`, or TLS with `tls` (its context) when not null.
  byte_stream(tcp::socket socket, asio::ssl::context* tls)
      : stream_(tls ? variant(std::in_place_type<tls_stream>, std::move(socket), *tls)
                    : variant(std::in_place_type<tcp::socket>, std::move(socket))) {}

  tcp::socket& socket() noexcept {
    if (auto* s = std::get_if<tls_stream>(&stream_)) return s->next_layer();
    return std::get<tcp::socket>(stream_);
  }
  bool tls() const noexcept { return std::holds_alternative<tls_stream>(stream_); }
  /// The TLS session (null for plain TCP).
  SSL* tls_session() noexcept {
    auto* s = std::get_if<tls_stream>(&stream_);
    return s ? s->native_handle() : nullptr;
  }

  /// TLS only: the handshake, as the dialer (client) or the acceptor.
  template <class Handler>
  void async_handshake(bool dialer, Handler&& handler) {
    std::get<tls_stream>(stream_).async_handshake(
        dialer ? tls_stream::client : tls_stream::server, std::forward<Handler>(handler));
  }

  template <class Handler>
  void async_read_some(asio::mutable_buffer room, Handler&& handler) {
    std::visit([&](auto& s) { s.async_read_some(room, std::forward<Handler>(handler)); }, stream_);
  }

  /// Writes all of `gather` (which must stay valid until the handler runs).
  template <class Handler>
  void async_write(const std::vector<asio::const_buffer>& gather, Handler&& handler) {
    std::visit([&](auto& s) { asio::async_write(s, gather, std::forward<Handler>(handler)); }, stream_);
  }

  /// TLS only: sends close_notify and waits for the peer's (or its end).
  template <class Handler>
  void async_tls_shutdown(Handler&& handler) {
    std::get<tls_stream>(stream_).async_shutdown(std::forward<Handler>(handler));
  }

 private:
  using variant = std::variant<tcp::socket, tls_stream>;
  variant stream_;
};

}  // namespace agora::cluster::detail
