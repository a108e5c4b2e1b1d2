// Which upstream replies the cache keeps, for how long, and with which
// TTLs their records are served:
//  - positive (NOERROR with answers): each record's TTL taken as 0 above
//    2^31 - 1 (RFC 2181 §8), then clamped to [min_ttl, max_ttl]; the
//    entry lives as long as the smallest of them;
//  - negative (NXDOMAIN; or NOERROR without answers, NODATA): the first
//    SOA of the authority section gives min(its TTL, its MINIMUM,
//    max_negative_ttl) (RFC 2308 §5); the SOA is served with that TTL and
//    no other record above it; without an SOA it is not cached;
//  - any other RCODE, or a lifetime of 0: not cached.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cache/cache_policy.hpp"
#include "codec/message.hpp"

namespace agora::dns {

struct cache_lifetime {
  answer_kind kind = answer_kind::positive;
  std::uint32_t seconds = 0;  // > 0
  /// The TTL each record is stored with: answers, authorities, additionals
  /// in order (the OPT is not a record here).
  std::vector<std::uint32_t> record_ttls;
};

std::optional<cache_lifetime> lifetime_of(const message& reply, const cache_policy& policy);

}  // namespace agora::dns
