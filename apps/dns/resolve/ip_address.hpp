// agora::dns::ip_address — an IPv4 or IPv6 address as the bytes of an A
// or AAAA record (network order). A value type the resolver keeps glue
// in; no sockets here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "codec/record.hpp"

namespace agora::dns {

class ip_address {
 public:
  static ip_address v4(const std::array<std::uint8_t, 4>& bytes);
  static ip_address v6(const std::array<std::uint8_t, 16>& bytes);
  /// The address an A or AAAA record carries; nullopt for another type
  /// (or rdata of the wrong size).
  static std::optional<ip_address> from_record(const resource_record& record);

  bool is_v4() const noexcept { return size_ == 4; }
  /// 4 or 16 bytes, network order.
  std::span<const std::uint8_t> bytes() const noexcept { return {bytes_.data(), size_}; }
  /// "192.0.2.1", "2001:db8::1".
  std::string to_text() const;

  friend bool operator==(const ip_address&, const ip_address&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint8_t size_ = 4;
};

}  // namespace agora::dns
