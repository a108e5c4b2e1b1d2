// DNS codes as the wire carries them: record types, classes, opcodes and
// response codes. The enums are open: any 16-bit (or 4-bit, 12-bit) value
// is a valid member, the named ones are those the proxy looks at.
#pragma once

#include <cstdint>
#include <string>

namespace agora::dns {

enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  md = 3,
  mf = 4,
  cname = 5,
  soa = 6,
  mb = 7,
  mg = 8,
  mr = 9,
  null_ = 10,
  wks = 11,
  ptr = 12,
  hinfo = 13,
  minfo = 14,
  mx = 15,
  txt = 16,
  rp = 17,
  afsdb = 18,
  rt = 21,
  aaaa = 28,
  srv = 33,
  naptr = 35,
  kx = 36,
  dname = 39,
  opt = 41,
  ds = 43,
  rrsig = 46,
  nsec = 47,
  dnskey = 48,
  svcb = 64,
  https = 65,
  ixfr = 251,
  axfr = 252,
  any = 255,
};

enum class rr_class : std::uint16_t {
  in = 1,
  ch = 3,
  hs = 4,
  none = 254,
  any = 255,
};

/// The header's 4-bit OPCODE.
enum class opcode : std::uint8_t {
  query = 0,
  iquery = 1,
  status = 2,
  notify = 4,
  update = 5,
};

/// A response code: 4 bits in the header, 8 more in the OPT record's TTL
/// field (extended RCODE, RFC 6891), so 12 bits in all.
enum class rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  badvers = 16,  // needs EDNS: header 0, extended 1
};

/// "A", "AAAA", ... or "TYPE65280" (RFC 3597) for the others.
std::string to_string(rr_type t);
/// "IN", "CH", ... or "CLASS42".
std::string to_string(rr_class c);
/// "NOERROR", "FORMERR", ... or "RCODE23".
std::string to_string(rcode r);
/// "QUERY", "NOTIFY", ... or "OPCODE9".
std::string to_string(opcode o);

}  // namespace agora::dns
