// What the proxy builds and checks around the codec: its upstream
// queries (one question, EDNS with 1232 bytes), error replies to a
// client's query (FORMERR, NOTIMP, SERVFAIL, REFUSED, BADVERS), the UDP
// size a reply may take, 0x20 case randomisation of a query name, and the
// check that a reply's question is the query's exactly (case included).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "codec/message.hpp"

namespace agora::dns {

/// What the proxy advertises (the DNS Flag Day 2020 value).
inline constexpr std::uint16_t default_edns_size = 1232;

struct query_options {
  bool recursion_desired = true;
  /// EDNS with this UDP payload size, or no OPT record.
  std::optional<std::uint16_t> edns_size = default_edns_size;
  bool dnssec_ok = false;
};

/// A query: one question (qname, qtype, IN), opcode QUERY.
message make_query(std::uint16_t id, const name& qname, rr_type qtype, const query_options& options = {});

/// A reply to `query` carrying `code`: same ID, opcode, RD, CD and
/// questions, QR set, no records. If the query had EDNS the reply has an
/// OPT too (payload `edns_size`, version 0). BADVERS (an extended RCODE)
/// needs the query's EDNS: throws std::invalid_argument without it.
message make_error_reply(const message& query, rcode code, std::uint16_t edns_size = default_edns_size);

/// A reply to a query that did not decode past its header
/// (decode_error::header, kind malformed): same ID, opcode, RD and CD, QR
/// set, no question, no EDNS; `code` must fit the header's 4 bits
/// (FORMERR, usually): throws std::invalid_argument otherwise.
message make_error_reply(const header& query_header, rcode code);

/// The largest UDP reply to `query`: 512 without EDNS, else the client's
/// payload size between 512 and `our_max`.
std::size_t udp_reply_limit(const message& query, std::size_t our_max = default_edns_size);

/// `n` with each ASCII letter's case set by the next bit of `bits` (a 1
/// makes it upper case); other bytes are left alone.
name with_case_pattern(const name& n, const std::array<std::uint64_t, 4>& bits);

/// `n` with random case (0x20, draft-vixie-dnsext-dns0x20).
template <std::uniform_random_bit_generator Random>
name with_random_case(const name& n, Random& random) {
  std::array<std::uint64_t, 4> bits{};
  std::uniform_int_distribution<std::uint64_t> any;
  for (auto& b : bits) b = any(random);
  return with_case_pattern(n, bits);
}

/// Why `reply` does not answer `query` question for question (one
/// question, same name byte for byte — 0x20 — same type and class), or
/// nullopt if it does. IDs are the caller's to match.
std::optional<std::string> question_mismatch(const message& query, const message& reply);

}  // namespace agora::dns
