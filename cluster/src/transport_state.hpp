// What a tcp_transport shares with its connections and listeners: the
// io_context, the options, the TLS context, where events go, the open
// connections by id. Everything here is touched on the I/O thread only.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <optional>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "agora/cluster/tcp_transport.hpp"
#include "buffer_pool.hpp"
#include "log_limiter.hpp"

namespace agora::cluster::detail {

class tcp_link;
class transport_listener;

struct transport_state {
  transport_state(boost::asio::io_context& io, tcp_transport_options options);

  boost::asio::io_context& io;
  const tcp_transport_options options;
  const std::vector<boost::asio::ip::address> allowed;  // normalized; empty: anyone
  std::optional<boost::asio::ssl::context> tls;
  /// Where events go; null before start() and after stop().
  transport_events* events = nullptr;
  bool stopped = false;
  bool log_muted = false;  // the transport is gone: its log sink may be too
  conn_id next_id = 1;
  std::unordered_map<conn_id, std::shared_ptr<tcp_link>> links;  // until on_closed is due
  std::vector<std::shared_ptr<transport_listener>> listeners;
  /// Buffers of written frames, for the node's next frames.
  buffer_pool spare_buffers;
  /// For lines a remote peer can provoke (refusals, failed handshakes).
  log_limiter peer_lines{10, std::chrono::seconds(1)};

  void log(std::string_view line) const;
  /// Logs a line a peer provoked, unless too many came lately.
  void log_limited(std::string_view line);
  bool allows(const boost::asio::ip::address& peer) const;
  /// The link named c, if it is still open or closing.
  tcp_link* find(conn_id c) const;
};

}  // namespace agora::cluster::detail
