// Test helpers for the DNS codec: byte arrays written by hand ("wire()"
// takes numbers and strings: a string is its characters), names from text,
// and the messages the suites share (written out by hand as a resolver
// would send them, with compression).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

#include "codec/decode.hpp"
#include "codec/name.hpp"

namespace dns_test {

using bytes = std::vector<std::byte>;

struct piece {
  piece(int b) : v(b) {}
  piece(const char* s) : v(std::string_view(s)) {}
  std::variant<int, std::string_view> v;
};

inline bytes wire(std::initializer_list<piece> pieces) {
  bytes out;
  for (const piece& p : pieces) {
    if (const int* b = std::get_if<int>(&p.v))
      out.push_back(static_cast<std::byte>(*b));
    else
      for (char c : std::get<std::string_view>(p.v)) out.push_back(static_cast<std::byte>(c));
  }
  return out;
}

inline void append(bytes& out, const bytes& more) { out.insert(out.end(), more.begin(), more.end()); }

inline agora::dns::name dn(std::string_view text) {
  return agora::dns::name::from_text(text).value();
}

/// A header: id, flags, then the four counts.
inline bytes header_bytes(std::uint16_t id, std::uint16_t flags, int qd, int an, int ns, int ar) {
  return wire({id >> 8, id & 0xff, flags >> 8, flags & 0xff, qd >> 8, qd & 0xff, an >> 8, an & 0xff,
               ns >> 8, ns & 0xff, ar >> 8, ar & 0xff});
}

/// www.example.com. A? with RD and EDNS (1232), ID 0x1234.
inline bytes www_query() {
  return wire({0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,
               3, "www", 7, "example", 3, "com", 0, 0, 1, 0, 1,
               0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
}

/// Its answer: www.example.com. CNAME web.example.com. (the target
/// compressed against the question), web.example.com. A 93.184.216.34
/// (the owner a pointer into the CNAME's rdata), and the OPT.
inline bytes www_answer() {
  return wire({0x12, 0x34, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 1,
               // 12: the question
               3, "www", 7, "example", 3, "com", 0, 0, 1, 0, 1,
               // 33: CNAME, TTL 3600, rdata at 45: "web" + pointer to 16 (example.com.)
               0xc0, 12, 0, 5, 0, 1, 0, 0, 0x0e, 0x10, 0, 6, 3, "web", 0xc0, 16,
               // 51: A, owner a pointer to 45, TTL 300
               0xc0, 45, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 93, 184, 216, 34,
               // 67: OPT, 1232 bytes
               0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
}

/// nx.example.com. A? -> NXDOMAIN, the zone's SOA in the authority section
/// (owner and both names compressed), no EDNS.
inline bytes nxdomain_answer() {
  return wire({0xab, 0xcd, 0x81, 0x83, 0, 1, 0, 0, 0, 1, 0, 0,
               // 12: the question
               2, "nx", 7, "example", 3, "com", 0, 0, 1, 0, 1,
               // 32: SOA of example.com. (pointer to 15), TTL 3600, rdlength 39
               0xc0, 15, 0, 6, 0, 1, 0, 0, 0x0e, 0x10, 0, 39,
               // 44: ns1.example.com., hostmaster.example.com.
               3, "ns1", 0xc0, 15, 10, "hostmaster", 0xc0, 15,
               // serial 2024010101, refresh 7200, retry 3600, expire 1209600, minimum 300
               0x78, 0xa3, 0xf1, 0x75, 0, 0, 0x1c, 0x20, 0, 0, 0x0e, 0x10, 0, 0x12, 0x75, 0,
               0, 0, 0x01, 0x2c});
}

/// example.com. MX? -> MX 10 mail.example.com., its A as glue in the
/// additional section.
inline bytes mx_answer() {
  return wire({0x00, 0x07, 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 1,
               // 12: the question
               7, "example", 3, "com", 0, 0, 15, 0, 1,
               // 29: MX, TTL 600, rdata at 41: preference 10, "mail" + pointer to 12
               0xc0, 12, 0, 15, 0, 1, 0, 0, 0x02, 0x58, 0, 9, 0, 10, 4, "mail", 0xc0, 12,
               // 50: A of mail.example.com. (pointer to 43)
               0xc0, 43, 0, 1, 0, 1, 0, 0, 0x02, 0x58, 0, 4, 192, 0, 2, 25});
}

inline agora::dns::message decoded(const bytes& b) {
  auto r = agora::dns::decode(b);
  if (!r) throw std::runtime_error("test message does not decode: " + r.error().describe());
  return std::move(r).value();
}

}  // namespace dns_test
