#include "connection.hpp"

#include <utility>

namespace agora_tools {

namespace asio = boost::asio;

namespace {

void reset_socket(asio::ip::tcp::socket& s) {
  boost::system::error_code ignored;
  if (!s.is_open()) return;
  s.set_option(asio::socket_base::linger(true, 0), ignored);
  s.close(ignored);
}

}  // namespace

connection::connection(tcp::socket client, fault_state& state, std::function<void()> on_end)
    : client_(std::move(client)),
      target_(client_.get_executor()),
      tx_(*this, client_, target_, state[direction::tx], state.count(direction::tx)),
      rx_(*this, target_, client_, state[direction::rx], state.count(direction::rx)),
      on_end_(std::move(on_end)) {}

void connection::start(const tcp::endpoint& target) {
  target_.async_connect(target, [self = shared_from_this(), this](const boost::system::error_code& ec) {
    if (over_) return;
    if (ec) return reset();
    boost::system::error_code ignored;
    client_.set_option(tcp::no_delay(true), ignored);
    target_.set_option(tcp::no_delay(true), ignored);
    tx_.start();
    rx_.start();
  });
}

void connection::reset() {
  if (over_) return;
  reset_socket(client_);
  reset_socket(target_);
  end();
}

void connection::forwarder_finished() {
  if (over_ || !tx_.finished() || !rx_.finished()) return;
  boost::system::error_code ignored;
  client_.close(ignored);
  target_.close(ignored);
  end();
}

void connection::end() {
  over_ = true;
  tx_.stop();
  rx_.stop();
  if (auto f = std::exchange(on_end_, nullptr)) f();
}

}  // namespace agora_tools
