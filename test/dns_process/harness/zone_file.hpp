// The text of a zone file (RFC 1035 master format, as nsd reads it) for a
// test: SOA and NS at the apex, one record of each common kind under fixed
// names, N generated hosts, a CNAME chain, a TXT too big for a 1232-byte
// UDP reply, and delegations (one with glue, one glueless). The values a
// test checks answers against are in the spec or in the constants below.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dns_process {

/// A child zone's delegation: `label.ORIGIN NS ns_name`, with an A record
/// for ns_name (glue) when `glue` is set. ns_name is absolute ("ns.x.test.")
/// or relative to the origin ("ns.child").
struct delegation {
  std::string label;
  std::string ns_name;
  std::optional<std::string> glue;  // IPv4 address
};

inline constexpr std::array<std::uint8_t, 4> www_a{192, 0, 2, 1};  // www's A unless a spec says otherwise

struct zone_spec {
  std::string origin = "example.test.";  // absolute
  std::uint32_t default_ttl = 3600;      // $TTL: the TTL of records without their own
  std::uint32_t soa_ttl = 3600;
  std::uint32_t soa_minimum = 300;  // the negative-caching TTL (RFC 2308)
  std::uint32_t serial = 1;
  std::string ns_address = "127.0.0.1";  // ns1.ORIGIN's A
  std::array<std::uint8_t, 4> www_address = www_a;  // www.ORIGIN's A (zones of one tree tell apart)
  std::size_t hosts = 10;                // h0 .. h(N-1), A records
  std::uint32_t host_ttl = 600;
  std::size_t cname_chain = 3;  // chain0 -> chain1 -> ... -> www (0: none)
  std::size_t big_txt_bytes = 2000;  // text in big.ORIGIN's TXT (0: none)
  std::vector<delegation> delegations = {
      {"child", "ns.child", "127.0.0.1"},
      {"glueless", "ns.elsewhere.test.", std::nullopt},
  };
  std::vector<std::string> extra_lines;  // appended as they are
};

// The fixed records (owner relative to the origin).
inline constexpr std::array<std::uint8_t, 16> www_aaaa{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
inline constexpr std::array<std::uint8_t, 4> mail_a{192, 0, 2, 25};
inline constexpr std::uint16_t mx_preference = 10;  // ORIGIN MX 10 mail.ORIGIN
inline constexpr const char* txt_text = "agora test zone";  // txt.ORIGIN TXT
inline constexpr std::uint32_t txt_ttl = 120;
// alias.ORIGIN CNAME www.ORIGIN

/// `label` + "." + origin ("www" -> "www.example.test.").
std::string absolute(const zone_spec& spec, const std::string& label);

/// hN's address: 10.N>>16.N>>8.N (N < 2^24).
std::array<std::uint8_t, 4> host_address(std::size_t n);

/// The character-strings of big.ORIGIN's TXT, in order (each ≤ 255
/// bytes, together spec.big_txt_bytes).
std::vector<std::string> big_txt_strings(const zone_spec& spec);

/// TXT rdata: each string as a length byte and its bytes.
std::vector<std::byte> txt_rdata(const std::vector<std::string>& strings);

/// The zone file. Throws std::invalid_argument for an origin that is not
/// absolute or more than 2^24 hosts.
std::string zone_text(const zone_spec& spec);

}  // namespace dns_process
