// Queries, error replies, the UDP reply limit, 0x20 case patterns and the
// reply's question check.
#include "codec/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "codec/encode.hpp"

namespace agora::dns {

message make_query(std::uint16_t id, const name& qname, rr_type qtype, const query_options& options) {
  message m;
  m.header.id = id;
  m.header.rd = options.recursion_desired;
  m.questions.push_back({qname, qtype, rr_class::in});
  if (options.edns_size) {
    edns e;
    e.udp_payload_size = *options.edns_size;
    e.dnssec_ok = options.dnssec_ok;
    m.edns = e;
  }
  return m;
}

message make_error_reply(const header& query_header, rcode code) {
  message m;
  m.header.id = query_header.id;
  m.header.qr = true;
  m.header.opcode = query_header.opcode;
  m.header.rd = query_header.rd;
  m.header.cd = query_header.cd;
  m.set_rcode(code);  // throws for an extended RCODE (no EDNS)
  return m;
}

message make_error_reply(const message& query, rcode code, std::uint16_t edns_size) {
  message m = make_error_reply(query.header, rcode::noerror);
  m.questions = query.questions;
  if (query.edns) {
    edns e;
    e.udp_payload_size = edns_size;
    m.edns = e;
  }
  m.set_rcode(code);  // throws for BADVERS without EDNS
  return m;
}

std::size_t udp_reply_limit(const message& query, std::size_t our_max) {
  if (!query.edns) return classic_udp_size;
  return std::clamp<std::size_t>(query.edns->udp_payload_size, classic_udp_size,
                                 std::max(our_max, classic_udp_size));
}

name with_case_pattern(const name& n, const std::array<std::uint64_t, 4>& bits) {
  const auto wire = n.wire();
  std::array<std::uint8_t, max_name_length> out;
  std::size_t bit = 0;
  for (std::size_t at = 0; at < wire.size();) {
    const std::uint8_t len = wire[at];
    out[at] = len;
    for (std::size_t k = at + 1; k <= at + len; ++k) {
      std::uint8_t c = wire[k];
      const std::uint8_t lower = c | 0x20;
      if (lower >= 'a' && lower <= 'z') {
        const bool upper = bits[bit / 64] >> (bit % 64) & 1;
        c = upper ? static_cast<std::uint8_t>(lower & ~0x20) : lower;
        ++bit;  // at most 253 letters: within the 256 bits
      }
      out[k] = c;
    }
    at += 1 + len;
  }
  return *name::from_wire({out.data(), wire.size()});
}

std::optional<std::string> question_mismatch(const message& query, const message& reply) {
  if (query.questions.size() != 1)
    return fmt::format("the query has {} questions (must be 1)", query.questions.size());
  if (reply.questions.size() != 1)
    return fmt::format("the reply has {} questions (must be 1)", reply.questions.size());
  const question& q = query.questions[0];
  const question& r = reply.questions[0];
  if (!r.qname.same_spelling(q.qname))
    return fmt::format("the reply's question is for {}, the query's for {}", r.qname.to_text(),
                       q.qname.to_text());
  if (r.qtype != q.qtype || r.qclass != q.qclass)
    return fmt::format("the reply's question is {} {}, the query's {} {}", to_string(r.qclass),
                       to_string(r.qtype), to_string(q.qclass), to_string(q.qtype));
  return std::nullopt;
}

}  // namespace agora::dns
