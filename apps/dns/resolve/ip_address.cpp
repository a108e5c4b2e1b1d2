#include "resolve/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>

namespace agora::dns {

ip_address ip_address::v4(const std::array<std::uint8_t, 4>& bytes) {
  ip_address a;
  std::copy(bytes.begin(), bytes.end(), a.bytes_.begin());
  a.size_ = 4;
  return a;
}

ip_address ip_address::v6(const std::array<std::uint8_t, 16>& bytes) {
  ip_address a;
  a.bytes_ = bytes;
  a.size_ = 16;
  return a;
}

std::optional<ip_address> ip_address::from_record(const resource_record& record) {
  if (record.type == rr_type::a) {
    if (auto b = record.a_address()) return v4(*b);
  } else if (record.type == rr_type::aaaa) {
    if (auto b = record.aaaa_address()) return v6(*b);
  }
  return std::nullopt;
}

std::string ip_address::to_text() const {
  char text[INET6_ADDRSTRLEN] = {};
  // inet_ntop only formats bytes: no lookup, no I/O.
  if (!inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), text, sizeof text)) return "?";
  return text;
}

}  // namespace agora::dns
