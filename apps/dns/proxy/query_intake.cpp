#include "proxy/query_intake.hpp"

#include <fmt/format.h>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"

namespace agora::dns {

namespace {

// The question is echoed only when there is one. Several would not fit:
// their names, compressed by the client, are written out in full, past 512
// bytes (or, from a 4 KB query, past 65535: encode() throws) whatever the
// limit, since the encoder always writes the questions. So a query of many
// questions gets the header alone (and the OPT), as one that did not decode.
intake_error_reply error_reply(message query, rcode code, std::uint16_t edns_size, std::string why) {
  if (query.questions.size() != 1) query.questions.clear();
  const message reply = make_error_reply(query, code, edns_size);
  return {encode(reply, {.max_size = udp_reply_limit(query, edns_size)}), std::move(why)};
}

}  // namespace

intake take_in(std::span<const std::byte> wire, std::uint16_t edns_size) {
  const auto head = decode_header(wire);
  if (!head) return intake_drop{fmt::format("{} bytes: shorter than a DNS header", wire.size())};
  if (head->qr) return intake_drop{"a reply (QR set), not a query"};
  auto decoded = decode(wire);
  if (!decoded) {
    const auto& e = decoded.error();
    return intake_error_reply{encode(make_error_reply(*head, rcode::formerr)),
                              fmt::format("malformed query: {}", e.describe())};
  }
  message& q = *decoded;
  if (q.header.opcode != opcode::query)
    return error_reply(q, rcode::notimp, edns_size, fmt::format("opcode {}", to_string(q.header.opcode)));
  if (q.questions.size() != 1)
    return error_reply(q, rcode::formerr, edns_size, fmt::format("{} questions (one is wanted)", q.questions.size()));
  if (!q.answers.empty() || !q.authorities.empty())
    return error_reply(q, rcode::formerr, edns_size, "records in the answer or authority section of a query");
  if (q.edns && q.edns->version > 0)
    return error_reply(q, rcode::badvers, edns_size, fmt::format("EDNS version {}", q.edns->version));
  const rr_type t = q.questions.front().qtype;
  if (t == rr_type::axfr || t == rr_type::ixfr)
    return error_reply(q, rcode::refused, edns_size, fmt::format("zone transfer ({})", to_string(t)));
  return intake_query{std::move(q)};
}

}  // namespace agora::dns
