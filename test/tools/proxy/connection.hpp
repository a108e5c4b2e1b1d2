// One proxied connection: the accepted client socket, a socket to the
// target, and a forwarder for each direction. It ends when both ends of
// stream have been passed on (closed), when either side resets or fails
// (both sides reset), or on reset() (cut).
#pragma once

#include <boost/asio/ip/tcp.hpp>

#include <functional>
#include <memory>

#include "faults.hpp"
#include "forwarder.hpp"

namespace agora_tools {

class connection : public std::enable_shared_from_this<connection> {
 public:
  using tcp = boost::asio::ip::tcp;

  /// `on_end` runs once, when the connection is over.
  connection(tcp::socket client, fault_state& state, std::function<void()> on_end);

  /// Dials `target`; forwarding starts once connected (a failed dial
  /// resets the client).
  void start(const tcp::endpoint& target);
  /// Resets both sides now (SO_LINGER 0: the peers see a reset).
  void reset();

  forwarder& tx() noexcept { return tx_; }
  forwarder& rx() noexcept { return rx_; }

  // For the forwarders.
  void forwarder_finished();

 private:
  void end();

  tcp::socket client_;
  tcp::socket target_;
  forwarder tx_;  // client → target
  forwarder rx_;  // target → client
  std::function<void()> on_end_;
  bool over_ = false;
};

}  // namespace agora_tools
