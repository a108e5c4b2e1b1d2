// IP addresses and endpoints as text, the same for the TCP driver and the
// cluster transport: "1.2.3.4:80", "[::1]:80"; IPv4-mapped IPv6 addresses
// shown as the IPv4 addresses they are.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agora::ip {

/// v4-mapped IPv6 addresses as IPv4, others as they are.
inline boost::asio::ip::address normalized(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

/// "HOST:PORT", with an IPv6 HOST in brackets.
inline std::string endpoint_text(const boost::asio::ip::address& address, std::uint16_t port) {
  const auto a = normalized(address);
  const std::string host = a.to_string();
  const std::string p = std::to_string(port);
  return a.is_v6() ? "[" + host + "]:" + p : host + ":" + p;
}

struct host_port {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

/// Reads "HOST:PORT" or "[HOST]:PORT" (brackets are required when HOST
/// holds a colon, as an IPv6 literal does). nullopt when malformed: no
/// colon, an empty host, a port that is not a decimal number in 0..65535.
inline std::optional<host_port> split_host_port(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  const std::string_view port = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    return std::nullopt;
  }
  if (host.empty() || port.empty() || port.size() > 5) return std::nullopt;
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || end != port.data() + port.size() || value > 65535) return std::nullopt;
  return host_port{std::string(host), static_cast<std::uint16_t>(value)};
}

}  // namespace agora::ip
