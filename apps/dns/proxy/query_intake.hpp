// What the respondent makes of a client's datagram or TCP message, before
// any cache or upstream is involved (docs/DNS.md, "Bad input"):
//   - shorter than a header, or QR set (a reply: never answer one, no
//     reflection loops): dropped;
//   - malformed past the header, several or no questions, records in the
//     answer or authority section: FORMERR (with the client's ID);
//   - an opcode other than QUERY: NOTIMP; EDNS version above 0: BADVERS;
//   - zone transfers (AXFR, IXFR): REFUSED (a proxy does not relay them);
//   - otherwise the query, to answer.
// An error reply echoes the question only when there is exactly one (so it
// always fits 512 bytes; found by fuzz/fuzz_dns_intake.cpp).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

struct intake_drop {
  std::string why;
};
struct intake_error_reply {
  std::vector<std::byte> reply;  // encoded, within the client's size limit
  std::string why;
};
struct intake_query {
  message query;
};
using intake = std::variant<intake_drop, intake_error_reply, intake_query>;

/// `edns_size`: what our replies advertise.
intake take_in(std::span<const std::byte> wire, std::uint16_t edns_size);

}  // namespace agora::dns
