// The TCP driver's terms, read and checked: tcp.listen(...), tcp.connect(...),
// and the reasons a connection goes away. Internal to the driver.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agora/drivers/tcp_framing.hpp"
#include "agora/ip_text.hpp"
#include "agora/term.hpp"

namespace agora::tcp::detail {

struct listen_spec {
  boost::asio::ip::address address;
  std::uint16_t port = 0;
  framing frame;
  bool restricted = false;  // an allow list was given
  std::vector<boost::asio::ip::address> allow;
  /// Is a connection from `remote` allowed?
  bool allows(const boost::asio::ip::address& remote) const;
};

struct reconnect_spec {
  std::chrono::milliseconds interval{0}, max{0};
};

struct connect_spec {
  std::string host;
  std::uint16_t port = 0;
  framing frame;
  std::optional<reconnect_spec> reconnect;
};

/// A checked term, or what is wrong with it.
template <class Spec>
struct checked {
  std::optional<Spec> spec;
  std::string error;
};

checked<listen_spec> read_listen(const term& t);
checked<connect_spec> read_connect(const term& t);

using ip::normalized;
/// peer("HOST", PORT)
term peer_term(const boost::asio::ip::address& a, std::uint16_t port);

// Reasons a connection (or its read side) goes away.
term reason_eof();
term reason_reset();
term reason_timeout();
term reason_closed();
term reason_too_long(std::string_view what);
term reason_too_slow(std::string_view what);
term reason_error(std::string_view what);
/// The reason for a socket error: reset, eof or error("what").
term reason_for(const boost::system::error_code& ec);

}  // namespace agora::tcp::detail
