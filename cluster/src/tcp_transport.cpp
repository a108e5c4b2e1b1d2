// tcp_transport: the calls of the transport seam, handed to the listeners
// and links that do the work (transport_listener.cpp, tcp_link*.cpp).
#include "agora/cluster/tcp_transport.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <utility>

#include "tcp_link.hpp"
#include "transport_listener.hpp"
#include "transport_state.hpp"

namespace agora::cluster {

using detail::tcp_link;
using detail::transport_listener;
using detail::transport_state;

namespace {

void check_wire(const std::vector<std::byte>& wire) {
  if (wire.size() < 4)
    throw std::invalid_argument(fmt::format("send: a wire frame has a 4-byte prefix; got {} bytes", wire.size()));
  const std::uint64_t announced = std::uint64_t(wire[0]) << 24 | std::uint64_t(wire[1]) << 16 |
                                  std::uint64_t(wire[2]) << 8 | std::uint64_t(wire[3]);
  if (announced != wire.size() - 4)
    throw std::invalid_argument(fmt::format(
        "send: the prefix announces {} bytes but {} follow it (see put_frame_length)", announced,
        wire.size() - 4));
}

}  // namespace

tcp_transport::tcp_transport(boost::asio::io_context& io, tcp_transport_options options)
    : state_(std::make_shared<transport_state>(io, std::move(options))) {}

tcp_transport::~tcp_transport() {
  stop();
  state_->log_muted = true;
}

void tcp_transport::start(transport_events& events) {
  if (state_->events || state_->stopped) throw std::logic_error("tcp_transport::start: called twice");
  state_->events = &events;
}

std::string tcp_transport::listen(const std::string& address) {
  if (state_->stopped) throw std::runtime_error(fmt::format("cannot listen on {}: stopped", address));
  if (!state_->events) throw std::logic_error("tcp_transport::listen: start() first");
  auto listener = std::make_shared<transport_listener>(state_, address);
  state_->listeners.push_back(listener);
  listener->start();
  return listener->address();
}

conn_id tcp_transport::connect(const std::string& address) {
  const conn_id id = state_->next_id++;
  if (state_->stopped) return id;  // nothing follows stop()
  if (!state_->events) throw std::logic_error("tcp_transport::connect: start() first");
  auto link = std::make_shared<tcp_link>(state_, id, detail::tcp::socket(state_->io));
  state_->links.emplace(id, link);
  link->dial(address);
  return id;
}

void tcp_transport::send(conn_id c, std::vector<std::byte> wire) {
  check_wire(wire);
  if (auto* link = state_->find(c)) link->send(std::move(wire));
}

std::vector<std::byte> tcp_transport::spare_buffer() { return state_->spare_buffers.take(); }

std::size_t tcp_transport::queued(conn_id c) const {
  const auto* link = state_->find(c);
  return link ? link->queued() : 0;
}

void tcp_transport::set_limits(conn_id c, const conn_limits& limits) {
  if (auto* link = state_->find(c)) link->set_limits(limits);
}

void tcp_transport::close(conn_id c, bool flush) {
  if (auto* link = state_->find(c)) link->close(flush);
}

void tcp_transport::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  state_->events = nullptr;
  for (auto& listener : std::exchange(state_->listeners, {})) listener->close();
  for (auto& [id, link] : std::exchange(state_->links, {})) link->stop();
}

std::optional<tcp_conn_stats> tcp_transport::stats(conn_id c) const {
  const auto* link = state_->find(c);
  if (!link) return std::nullopt;
  return link->stats();
}

}  // namespace agora::cluster
