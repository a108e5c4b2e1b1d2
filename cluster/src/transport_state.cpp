#include "transport_state.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "agora/ip_text.hpp"
#include "tls_context.hpp"

namespace agora::cluster::detail {

namespace {

std::vector<boost::asio::ip::address> read_allow_list(const std::vector<std::string>& allow) {
  std::vector<boost::asio::ip::address> out;
  for (const auto& text : allow) {
    boost::system::error_code ec;
    const auto a = boost::asio::ip::make_address(text, ec);
    if (ec) throw std::invalid_argument(fmt::format("allow: {:?} is not an IP address literal", text));
    out.push_back(ip::normalized(a));
  }
  return out;
}

}  // namespace

transport_state::transport_state(boost::asio::io_context& context, tcp_transport_options opts)
    : io(context), options(std::move(opts)), allowed(read_allow_list(options.allow)) {
  if (options.tls) tls.emplace(make_tls_context(*options.tls));
}

void transport_state::log(std::string_view line) const {
  if (!log_muted && options.log) options.log(line);
}

void transport_state::log_limited(std::string_view line) {
  const auto held_back = peer_lines.admit(log_limiter::clock::now());
  if (!held_back) return;
  if (*held_back == 0)
    log(line);
  else
    log(fmt::format("{} ({} similar lines held back)", line, *held_back));
}

bool transport_state::allows(const boost::asio::ip::address& peer) const {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), ip::normalized(peer)) != allowed.end();
}

tcp_link* transport_state::find(conn_id c) const {
  const auto it = links.find(c);
  return it == links.end() ? nullptr : it->second.get();
}

}  // namespace agora::cluster::detail
