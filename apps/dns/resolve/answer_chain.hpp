// The answer section's chain (RFC 1034 §3.6.2, RFC 2181 §10.1, RFC 6672):
// from qname, at each name either the records of qtype (the end), or one
// CNAME — or a DNAME above the name with its synthesized CNAME — whose
// target is the next name. Whatever is not on the chain is not taken.
// A chain that reaches a name outside the zone stops there: the server
// has no authority beyond it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "codec/message.hpp"

namespace agora::dns {

enum class chain_end : std::uint8_t {
  records,        // records of qtype at the last name
  no_records,     // nothing of qtype and no redirection at the last name
  left_zone,      // the last name is outside the zone (nothing at it is looked at)
  contradiction,  // a loop, too long, two CNAMEs at one name, CNAME disagreeing with DNAME, ...
};

struct answer_chain {
  chain_end end = chain_end::no_records;
  /// The chain's records in order (TTLs clamped, duplicates dropped):
  /// per step the DNAME (if any) then the CNAME, and at the end the
  /// records of qtype. A CNAME the upstream left out next to its DNAME
  /// is synthesized (RFC 6672 §3.1).
  std::vector<resource_record> records;
  std::vector<name> names;  // qname first, the last name last
  std::size_t synthesized = 0;
  std::string why;  // for contradiction
};

/// Follows the chain from `q.qname` through `answers` (records of
/// `q.qclass` only). At most `max_redirections` CNAME/DNAME steps; one
/// more is a contradiction. Work: O(steps × answers.size()).
answer_chain follow_answer_chain(const question& q, std::span<const resource_record> answers,
                                 const name& zone, std::size_t max_redirections);

}  // namespace agora::dns
