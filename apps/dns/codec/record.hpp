// agora::dns::resource_record — a record as the codec keeps it: owner,
// type, class, TTL as on the wire, and rdata as wire bytes in which any
// domain names (CNAME, NS, PTR, DNAME, MX, SOA, SRV, ... see
// rdata_layout.hpp) are stored decompressed, so the record can be written
// into another message and compared. Accessors read the typed fields;
// builders make records for answers the proxy writes itself.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "codec/name.hpp"
#include "codec/types.hpp"

namespace agora::dns {

/// The largest TTL RFC 2181 §8 allows; a TTL with the top bit set is 0.
inline constexpr std::uint32_t max_ttl = 0x7fffffff;
constexpr std::uint32_t effective_ttl(std::uint32_t wire_ttl) noexcept {
  return wire_ttl > max_ttl ? 0 : wire_ttl;
}

struct soa_fields {
  name mname;  // the primary server
  name rname;  // the mailbox
  std::uint32_t serial = 0, refresh = 0, retry = 0, expire = 0;
  std::uint32_t minimum = 0;  // the negative-caching TTL (RFC 2308)
  friend bool operator==(const soa_fields&, const soa_fields&) = default;
};

struct mx_fields {
  std::uint16_t preference = 0;
  name exchange;
  friend bool operator==(const mx_fields&, const mx_fields&) = default;
};

struct srv_fields {
  std::uint16_t priority = 0, weight = 0, port = 0;
  name target;
  friend bool operator==(const srv_fields&, const srv_fields&) = default;
};

struct resource_record {
  name owner;
  rr_type type = rr_type::a;
  rr_class rclass = rr_class::in;
  std::uint32_t ttl = 0;         // as on the wire; see effective_ttl()
  std::vector<std::byte> rdata;  // names inside uncompressed

  /// The TTL with RFC 2181's rule: above 2^31 - 1 is 0.
  std::uint32_t effective_ttl() const noexcept { return dns::effective_ttl(ttl); }

  // Typed views of the rdata; nullopt for another type (or, for a record
  // built by hand, rdata that does not fit the type).
  std::optional<std::array<std::uint8_t, 4>> a_address() const;
  std::optional<std::array<std::uint8_t, 16>> aaaa_address() const;
  /// The name a CNAME, NS, PTR, DNAME, MD, MF, MB, MG, MR points to; the
  /// exchange of an MX; the target of an SRV; the host of AFSDB, RT, KX.
  std::optional<name> target_name() const;
  std::optional<soa_fields> soa() const;
  std::optional<mx_fields> mx() const;
  std::optional<srv_fields> srv() const;

  /// Owner names compare case-insensitively, rdata byte for byte.
  friend bool operator==(const resource_record&, const resource_record&) = default;
};

resource_record make_a(name owner, std::uint32_t ttl, std::array<std::uint8_t, 4> address);
resource_record make_aaaa(name owner, std::uint32_t ttl, std::array<std::uint8_t, 16> address);
/// A record whose rdata is one name: CNAME, NS, PTR, DNAME (and MB, MG,
/// MR, MD, MF). Throws std::invalid_argument for another type.
resource_record make_name_record(name owner, rr_type type, std::uint32_t ttl, const name& target);
resource_record make_mx(name owner, std::uint32_t ttl, const mx_fields& mx);
resource_record make_srv(name owner, std::uint32_t ttl, const srv_fields& srv);
resource_record make_soa(name owner, std::uint32_t ttl, const soa_fields& soa);

}  // namespace agora::dns
