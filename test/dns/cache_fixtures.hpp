// Shared by the answer cache's tests: replies as an upstream sends them,
// queries as clients send them, a clock, and rendered replies decoded.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "cache/answer_cache.hpp"
#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "dns_bytes.hpp"

namespace cache_test {

using namespace agora::dns;
using dns_test::dn;
using std::chrono::seconds;

/// An arbitrary start: the cache only ever looks at differences.
inline const answer_cache::time_point t0 = answer_cache::time_point{} + std::chrono::hours(1000);

inline question q_of(const char* text, rr_type type = rr_type::a) { return {dn(text), type, rr_class::in}; }

/// The upstream's reply to `q`: NOERROR, AA, RD, RA, with EDNS (the cache
/// drops it), no records yet.
inline message upstream_reply(const question& q, rcode code = rcode::noerror) {
  message m = make_query(0x4242, q.qname, q.qtype);
  m.header.qr = m.header.aa = m.header.ra = true;
  m.set_rcode(code);
  return m;
}

/// `name` A 192.0.2.1 with `ttl`.
inline message a_reply(const char* name, std::uint32_t ttl) {
  message m = upstream_reply(q_of(name));
  m.answers.push_back(make_a(dn(name), ttl, {192, 0, 2, 1}));
  return m;
}

inline resource_record soa(const char* zone, std::uint32_t ttl, std::uint32_t minimum) {
  return make_soa(dn(zone), ttl, {dn("ns1.example."), dn("hostmaster.example."), 2026120101, 7200, 3600,
                                  1209600, minimum});
}

/// NXDOMAIN (or NODATA with `code` NOERROR) for `name`, the zone's SOA in
/// the authority section.
inline message negative_reply(const char* name, std::uint32_t soa_ttl, std::uint32_t minimum,
                              rcode code = rcode::nxdomain, rr_type type = rr_type::a) {
  message m = upstream_reply(q_of(name, type), code);
  m.authorities.push_back(soa("example.", soa_ttl, minimum));
  return m;
}

/// A client's query: EDNS by default, RD.
inline message client_query(std::uint16_t id, const char* name, rr_type type = rr_type::a,
                            query_options options = {}) {
  return make_query(id, dn(name), type, options);
}

inline message decoded(const std::vector<std::byte>& wire) { return dns_test::decoded(wire); }

/// find() + render() + decode: what a client gets, or nothing on a miss.
inline std::optional<message> served(answer_cache& cache, const message& query, answer_cache::time_point now,
                                     std::size_t max_size = max_message_size) {
  const auto hit = cache.find(query.questions.at(0), now);
  if (!hit) return std::nullopt;
  std::vector<std::byte> out;
  cache.render(*hit, query, now, max_size, out);
  return decoded(out);
}

inline std::vector<std::uint32_t> ttls_of(const message& m) {
  std::vector<std::uint32_t> ttls;
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const resource_record& rr : *section) ttls.push_back(rr.ttl);
  return ttls;
}

}  // namespace cache_test
