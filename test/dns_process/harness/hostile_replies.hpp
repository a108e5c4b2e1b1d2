// What the hostile upstream answers to one query in each of its modes: an
// honest answer from a small in-memory table, or one of the bad replies a
// proxy must survive (RFC 5452 spoofing checks, bailiwick, RFC 2181 TTLs,
// CNAME loops, TC). Pure functions, no sockets: hostile_upstream.hpp
// sends what these return. The malformed replies are built by hand, since
// the codec's encoder cannot make them.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "codec/record.hpp"
#include "dns_client.hpp"

namespace dns_process {

enum class upstream_mode {
  honest,             // the table's answer (NXDOMAIN / NODATA with the SOA)
  wrong_id,           // the honest reply with another ID
  wrong_question,     // the honest reply whose question is another name (decoy_name)
  pointer_loop,       // an answer whose owner name is a compression loop
  truncated_rr,       // the honest reply, no EDNS, its last record cut short (counts unchanged)
  poison_additional,  // the honest reply plus victim.example. A 6.6.6.6 in the additional section
  poison_answer,      // the honest reply plus victim.example. A 6.6.6.6 in the answer section
  ttl_max,            // the honest reply with every TTL 0xFFFFFFFF
  cname_self,         // QNAME CNAME QNAME
  cname_loop,         // QNAME CNAME partner, partner CNAME QNAME
  tc_then_tcp,        // over UDP: TC set, no records; over TCP: the honest reply
  silent,             // no reply
  slow,               // the honest reply, after the delay given with the mode
  servfail,
  refused,
};
std::string to_string(upstream_mode m);

/// The honest answers: a zone's records; its SOA (the record of type SOA
/// owned by `zone`) goes in negative answers.
struct answer_table {
  agora::dns::name zone;
  std::vector<agora::dns::resource_record> records;
};

/// upstream.test.: SOA (minimum 300), NS, www A 192.0.2.80 / AAAA
/// 2001:db8::80, mail A 192.0.2.25, txt TXT "hostile upstream", alias
/// CNAME www; TTL 300 throughout.
answer_table default_table();
inline constexpr std::array<std::uint8_t, 4> upstream_www_a{192, 0, 2, 80};

// What the bad modes put in their replies.
inline constexpr const char* poison_name = "victim.example.";
inline constexpr std::array<std::uint8_t, 4> poison_address{6, 6, 6, 6};
/// wrong_question's question name: "decoy." + zone (or "decoy2." + zone
/// when that was the query's name).
agora::dns::name decoy_name(const agora::dns::name& qname, const agora::dns::name& zone);
/// cname_loop's other name: "loop-b." + zone (or "loop-a." + zone).
agora::dns::name loop_partner(const agora::dns::name& qname, const agora::dns::name& zone);

/// The table's answer to `query`: QR, AA, RA, the query's ID, opcode, RD
/// and question; CNAMEs inside the zone followed (at most 8); NXDOMAIN or
/// NODATA with the zone's SOA in the authority section; REFUSED for a name
/// outside the zone, FORMERR unless there is exactly one question; an OPT
/// (1232) if the query had one.
agora::dns::message honest_reply(const agora::dns::message& query, const answer_table& table);

/// The reply's bytes in `mode` for a query that came over `via`, or
/// nullopt for no reply (silent). UDP replies are cut to the query's
/// size (udp_reply_limit), with TC, as a server would.
std::optional<bytes> hostile_reply(const agora::dns::message& query, upstream_mode mode, transport via,
                                   const answer_table& table);

}  // namespace dns_process
