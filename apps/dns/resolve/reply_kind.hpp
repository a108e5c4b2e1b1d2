// What an upstream reply says once scrubbed (scrub.hpp): the resolver's
// next step depends only on this.
#pragma once

#include <cstdint>
#include <string_view>

namespace agora::dns {

enum class reply_kind : std::uint8_t {
  answer,        // NOERROR; the chain from qname ends in records of qtype
  cname,         // NOERROR; the chain ends at a CNAME/DNAME target with nothing for it, or leaves
                 // the zone (iterative: go on from the target)
  nxdomain,      // the final name does not exist
  nodata,        // NOERROR; the final name exists but not with qtype (SOA, or no referral)
  referral,      // no answer, not AA, NS for a zone strictly below `zone`, at or above the final name
  lame,          // a referral upward, sideways or to the same zone; a question outside the zone
  server_error,  // SERVFAIL, REFUSED, NOTIMP, FORMERR or any RCODE but NOERROR and NXDOMAIN
  bad,           // self-contradicting: a CNAME loop, a chain too long, two CNAMEs at one name, ...
};

/// "answer", "cname", ..., "bad".
std::string_view to_string(reply_kind kind) noexcept;

}  // namespace agora::dns
