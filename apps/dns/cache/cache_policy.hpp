// What the answer cache keeps and for how long: the TTL bounds, the
// negative and SERVFAIL lifetimes, serve-stale (RFC 8767) and the size
// bound. Seconds throughout, as DNS TTLs are.
#pragma once

#include <cstddef>
#include <cstdint>

namespace agora::dns {

struct cache_policy {
  std::uint32_t min_ttl = 0;              // positive records' TTLs are raised to this
  std::uint32_t max_ttl = 86400;          // and lowered to this
  std::uint32_t max_negative_ttl = 3600;  // RFC 2308 cap on negative answers
  std::uint32_t servfail_ttl = 5;         // SERVFAIL from dead upstreams kept this long (0: never cached)
  bool serve_stale = false;               // RFC 8767
  std::uint32_t max_stale = 86400;        // how long past expiry an answer may still be served stale
  std::uint32_t stale_ttl = 30;           // the TTL of every record of a stale answer (RFC 8767 §4)
  std::size_t max_bytes = 64u << 20;      // entries' wire plus a per-entry overhead
};

enum class answer_kind : std::uint8_t {
  positive,  // NOERROR with answers
  negative,  // NXDOMAIN, or NODATA (NOERROR without answers), with an SOA
  servfail,  // the upstreams failed (RFC 9520)
};

}  // namespace agora::dns
