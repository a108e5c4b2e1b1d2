// libFuzzer target for the intake of a client's query (apps/dns/proxy/
// query_intake.hpp: take_in). The input is a client's datagram; the EDNS
// size our replies advertise is 1232 (what agora-dns uses), or 512 when
// the input's length is odd. Checked for every input:
//  - under 12 bytes, or QR set: dropped, saying why; nothing else is;
//  - an error reply decodes, is a reply (QR) with the client's ID, opcode,
//    RD and CD, an error RCODE, no records; it carries the client's
//    question when the query decoded with exactly one, none otherwise; it
//    fits 512 bytes when the query has no EDNS (or did not decode), the
//    client's EDNS size (at least 512, at most ours) when it has; it has an
//    OPT exactly when the query decoded with one;
//  - an accepted query decodes from the same bytes to the same message: one
//    question, QR clear, opcode QUERY, no answer or authority records, EDNS
//    version 0 if any, not a zone transfer.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "codec/query.hpp"
#include "dns_fuzz_checks.hpp"
#include "proxy/query_intake.hpp"

using namespace agora::dns;

namespace {

constexpr const char* target = "dns intake";

[[noreturn]] void violation(const std::string& what) { dns_fuzz::violation(target, what); }

void check_error_reply(std::span<const std::byte> wire, const intake_error_reply& e, std::uint16_t edns_size) {
  if (e.why.empty()) violation("an error reply without a reason");
  const header client = *decode_header(wire);
  const auto query = decode(wire);
  const message reply = dns_fuzz::must_decode(target, e.reply, "the error reply");
  const header& h = reply.header;
  if (!h.qr || h.id != client.id || h.opcode != client.opcode || h.rd != client.rd || h.cd != client.cd)
    violation("the error reply's header does not answer the client's");
  if (reply.full_rcode() == rcode::noerror) violation("an error reply with NOERROR");
  if (!reply.answers.empty() || !reply.authorities.empty() || !reply.additionals.empty())
    violation("an error reply with records");
  const bool client_edns = query && query->edns;
  const std::size_t limit =
      client_edns ? std::clamp<std::size_t>(query->edns->udp_payload_size, classic_udp_size,
                                            std::max<std::size_t>(edns_size, classic_udp_size))
                  : classic_udp_size;
  if (e.reply.size() > limit)
    violation("an error reply of " + std::to_string(e.reply.size()) + " bytes, over the limit of " +
              std::to_string(limit));
  if (reply.edns.has_value() != client_edns) violation("the error reply's OPT does not follow the query's");
  if (query) {
    const bool one = query->questions.size() == 1;
    if (reply.questions != (one ? query->questions : std::vector<question>{}))
      violation("the error reply does not carry the one question (or carries several)");
  } else if (!reply.questions.empty()) {
    violation("a FORMERR for an undecodable query carries a question");
  }
}

void check_query(std::span<const std::byte> wire, const message& q) {
  const auto again = decode(wire);
  if (!again || !(*again == q)) violation("the accepted query is not what the bytes decode to");
  if (q.questions.size() != 1) violation("an accepted query without exactly one question");
  if (q.header.qr || q.header.opcode != opcode::query) violation("an accepted query that is no QUERY");
  if (!q.answers.empty() || !q.authorities.empty()) violation("an accepted query with answer or authority records");
  if (q.edns && q.edns->version != 0) violation("an accepted query with EDNS version above 0");
  const rr_type t = q.questions[0].qtype;
  if (t == rr_type::axfr || t == rr_type::ixfr) violation("an accepted zone transfer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> wire(reinterpret_cast<const std::byte*>(data), size);
  const std::uint16_t edns_size = size % 2 ? classic_udp_size : default_edns_size;
  const intake in = take_in(wire, edns_size);
  const auto head = decode_header(wire);
  const bool must_drop = !head || head->qr;
  if (std::holds_alternative<intake_drop>(in) != must_drop)
    violation(must_drop ? "a short datagram or a reply was not dropped" : "a query was dropped");
  if (const auto* drop = std::get_if<intake_drop>(&in)) {
    if (drop->why.empty()) violation("dropped without a reason");
  } else if (const auto* e = std::get_if<intake_error_reply>(&in)) {
    check_error_reply(wire, *e, edns_size);
  } else {
    check_query(wire, std::get<intake_query>(in).query);
  }
  return 0;
}
