// A listening socket of a tcp_transport. Accepts in a loop; a peer outside
// the allow list is closed at once and logged (rate limited). When accept
// fails for lack of resources (EMFILE, ENFILE, ...) the connection stays in
// the backlog and the socket stays readable, so retrying at once would
// spin: the listener pauses between attempts (logging once per episode)
// and carries on as soon as accept works again.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <memory>
#include <string>

#include "transport_state.hpp"

namespace agora::cluster::detail {

class transport_listener : public std::enable_shared_from_this<transport_listener> {
 public:
  /// Binds and listens on "HOST:PORT"; throws std::runtime_error naming
  /// the address when it cannot.
  transport_listener(std::shared_ptr<transport_state> state, const std::string& address);

  /// The address bound, "HOST:PORT".
  const std::string& address() const noexcept { return bound_; }
  void start() { accept(); }
  void close();

 private:
  void accept();
  void on_accept(const boost::system::error_code& ec, boost::asio::ip::tcp::socket socket);
  void pause(const boost::system::error_code& ec);

  const std::shared_ptr<transport_state> state_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer pause_timer_;
  std::string bound_;
  bool closed_ = false;
  bool paused_ = false;
  int transient_errors_ = 0;
};

}  // namespace agora::cluster::detail
