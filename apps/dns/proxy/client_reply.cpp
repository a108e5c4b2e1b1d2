#include "proxy/client_reply.hpp"

#include "codec/encode.hpp"
#include "codec/query.hpp"

namespace agora::dns {

std::vector<std::byte> reply_for(const message& answer, const message& query, std::size_t max_size,
                                 std::uint16_t edns_size) {
  message reply = answer;
  reply.header.id = query.header.id;
  reply.header.qr = true;
  reply.header.opcode = opcode::query;
  reply.header.aa = false;
  reply.header.tc = false;
  reply.header.rd = query.header.rd;
  reply.header.ra = true;
  reply.header.z = false;
  reply.header.ad = false;
  reply.header.cd = query.header.cd;
  reply.questions = query.questions;
  const rcode code = answer.full_rcode();
  if (query.edns) {
    reply.edns = edns{};
    reply.edns->udp_payload_size = edns_size;
  } else {
    reply.edns.reset();
  }
  reply.set_rcode(static_cast<std::uint16_t>(code) > 15 && !reply.edns ? rcode::servfail : code);
  return encode(reply, {.max_size = max_size});
}

std::vector<std::byte> error_for(const message& query, rcode code, std::size_t max_size, std::uint16_t edns_size) {
  return encode(make_error_reply(query, code, edns_size), {.max_size = max_size});
}

}  // namespace agora::dns
