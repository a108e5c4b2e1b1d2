#include "proxy.hpp"

#include <fmt/format.h>

#include <vector>

#include "connection.hpp"

namespace agora_tools {

namespace asio = boost::asio;

fault_proxy::fault_proxy(asio::io_context& io, const tcp::endpoint& listen, tcp::endpoint target)
    : acceptor_(io), listen_(listen), target_(std::move(target)) {
  open_acceptor();
  listen_ = acceptor_.local_endpoint();  // the port bound, kept for reopening after a cut
  accept();
}

fault_proxy::~fault_proxy() {
  each_connection([](connection& c) { c.reset(); });
}

void fault_proxy::open_acceptor() {
  acceptor_.open(listen_.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(listen_);
  acceptor_.listen();
}

void fault_proxy::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // cut
    if (!ec) {
      const auto id = accepted_++;
      auto c = std::make_shared<connection>(std::move(s), state_, [this, id] { live_.erase(id); });
      live_.emplace(id, c);
      c->start(target_);
    }
    accept();
  });
}

template <class F>
void fault_proxy::each_connection(F f) {
  std::vector<std::shared_ptr<connection>> all;  // f may end connections, which leave live_
  for (auto& [id, c] : live_) all.push_back(c);
  for (auto& c : all) f(*c);
}

void fault_proxy::cut() {
  state_.cut = true;
  boost::system::error_code ignored;
  acceptor_.close(ignored);  // new connections are refused, queued ones reset
  each_connection([](connection& c) { c.reset(); });
}

std::string fault_proxy::heal(const command& c) {
  for (auto d : {direction::tx, direction::rx}) {
    if ((d == direction::tx && !c.where.tx) || (d == direction::rx && !c.where.rx)) continue;
    state_[d] = direction_faults{};
  }
  each_connection([&](connection& conn) {
    if (c.where.tx) conn.tx().release();
    if (c.where.rx) conn.rx().release();
  });
  if (!c.every_fault) return fmt::format("ok heal {}", to_string(c.where));
  if (state_.cut) {
    try {
      open_acceptor();
    } catch (const boost::system::system_error& e) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return fmt::format("error cannot listen on {}:{} again: {}", listen_.address().to_string(),
                         listen_.port(), e.what());
    }
    state_.cut = false;
    accept();
  }
  return "ok heal";
}

std::string fault_proxy::stats() const {
  std::size_t held[2] = {0, 0};
  for (const auto& [id, c] : live_) {
    held[0] += c->tx().held_bytes();
    held[1] += c->rx().held_bytes();
  }
  const auto& tx = state_.count(direction::tx);
  const auto& rx = state_.count(direction::rx);
  return fmt::format(
      "ok connections={} accepted={} cut={} tx_bytes={} tx_dropped={} tx_held={} rx_bytes={} "
      "rx_dropped={} rx_held={}",
      live_.size(), accepted_, state_.cut ? 1 : 0, tx.forwarded, tx.dropped, held[0], rx.forwarded,
      rx.dropped, held[1]);
}

std::string fault_proxy::execute(std::string_view line) {
  auto parsed = parse_command(line);
  if (auto* why = std::get_if<std::string>(&parsed)) return "error " + *why;
  const command& c = std::get<command>(parsed);
  const auto each_direction = [&](auto change) {
    if (c.where.tx) change(state_[direction::tx]);
    if (c.where.rx) change(state_[direction::rx]);
    each_connection([](connection& conn) {
      conn.tx().faults_changed();
      conn.rx().faults_changed();
    });
  };
  switch (c.what) {
    case command::kind::delay:
      each_direction([&](direction_faults& f) { f.delay = c.delay; });
      return fmt::format("ok delay {} {}", to_string(c.where), c.delay.count());
    case command::kind::pause:
      each_direction([](direction_faults& f) { f.paused = true; });
      return fmt::format("ok pause {}", to_string(c.where));
    case command::kind::blackhole:
      each_direction([](direction_faults& f) { f.blackhole = true; });
      return fmt::format("ok blackhole {}", to_string(c.where));
    case command::kind::cut:
      cut();
      return "ok cut";
    case command::kind::heal:
      return heal(c);
    case command::kind::stats:
      return stats();
  }
  return "error unhandled command";
}

}  // namespace agora_tools
