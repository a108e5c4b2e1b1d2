// agora::dns::message — a DNS message as the codec decodes and encodes it:
// the header's fields, the questions, three sections of records and the
// EDNS OPT pseudo-record (RFC 6891), taken out of the additional section.
// Counts are not stored: they are the sections' sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "codec/name.hpp"
#include "codec/record.hpp"
#include "codec/types.hpp"

namespace agora::dns {

inline constexpr std::size_t header_size = 12;

struct header {
  std::uint16_t id = 0;
  bool qr = false;  // a response
  dns::opcode opcode = dns::opcode::query;
  bool aa = false, tc = false, rd = false, ra = false;
  bool z = false;  // reserved; kept so that a message re-encodes as it came
  bool ad = false, cd = false;
  std::uint8_t rcode = 0;  // the header's 4 bits; see message::full_rcode()
  friend bool operator==(const header&, const header&) = default;
};

struct question {
  name qname;
  rr_type qtype = rr_type::a;
  rr_class qclass = rr_class::in;
  friend bool operator==(const question&, const question&) = default;
};

/// The OPT record's fields. Its owner is always the root.
struct edns {
  std::uint16_t udp_payload_size = 1232;  // the OPT's CLASS
  std::uint8_t extended_rcode = 0;        // the upper 8 bits of the 12-bit RCODE
  std::uint8_t version = 0;
  bool dnssec_ok = false;  // DO
  std::uint16_t z = 0;     // the other 15 flag bits, kept as they came
  /// The options, {code, length, data}... as on the wire; the decoder
  /// checks that they tile the rdata exactly.
  std::vector<std::byte> options;
  friend bool operator==(const edns&, const edns&) = default;
};

struct message {
  dns::header header;
  std::vector<question> questions;
  std::vector<resource_record> answers;
  std::vector<resource_record> authorities;
  std::vector<resource_record> additionals;  // without the OPT record
  std::optional<dns::edns> edns;

  /// The 12-bit RCODE: the header's 4 bits and EDNS's extended 8.
  rcode full_rcode() const noexcept;
  /// Sets the header's bits and, for codes above 15, EDNS's (which must
  /// then be present: throws std::invalid_argument otherwise).
  void set_rcode(rcode r);

  friend bool operator==(const message&, const message&) = default;
};

}  // namespace agora::dns
