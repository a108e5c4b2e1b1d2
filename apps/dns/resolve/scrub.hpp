// scrub(): from an upstream's reply (already matched to our query by
// reply_mismatch) to what the resolver may believe of it. The reply
// comes back with only the records it is allowed to carry, and a
// classification that says what to do next. Pure: no I/O, no clock.
//
// `zone` is the bailiwick: the zone the server asked is authoritative
// for (iterative resolution), or the forward zone / the root (forwarding).
// Nothing about a name outside it is ever kept. See docs/DNS_RESOLVE.md.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "codec/message.hpp"
#include "resolve/ip_address.hpp"
#include "resolve/reply_kind.hpp"

namespace agora::dns {

struct scrub_limits {
  /// CNAME/DNAME redirections followed; one more makes the reply bad.
  std::size_t max_cname_chain = 16;
};

struct scrubbed_reply {
  reply_kind kind = reply_kind::bad;
  /// The reply's header, question and EDNS, with only the records kept:
  /// answer: the chain; authority: the SOA of a negative answer or the NS
  /// of a referral; additional: the referral's glue. TTLs above 2^31 - 1
  /// are 0. For lame, server_error and bad: no records at all.
  message reply;
  name final_name;                  // qname after following the chain
  std::vector<name> chain;          // the chain's names, qname first
  std::optional<name> referral_zone;               // for referral: the delegated zone
  std::vector<name> referral_servers;              // its NS names, each once
  std::vector<std::pair<name, ip_address>> glue;   // in-zone A/AAAA for those names
  std::size_t dropped = 0;          // records of the reply not kept
  std::string why;                  // for lame, server_error and bad: one line for a log
};

/// Precondition (checked: bad otherwise): the reply's one question is `q`
/// (any case). Bounded: O(max_cname_chain × records) work.
scrubbed_reply scrub(const question& q, const message& reply, const name& zone, const scrub_limits& limits = {});

}  // namespace agora::dns
