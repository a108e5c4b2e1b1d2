// The answer cache's TTL rules, through store() and what a client is
// served: RFC 2181 §8 (top bit set -> 0), min_ttl and max_ttl, negative
// answers from the SOA (RFC 2308 §5), what is not cached.
#include <doctest/doctest.h>

#include "cache_fixtures.hpp"

using namespace cache_test;

TEST_CASE("dns cache lifetime: a positive answer lives as long as its smallest TTL") {
  answer_cache cache;
  message reply = a_reply("www.example.", 300);
  reply.authorities.push_back(make_name_record(dn("example."), rr_type::ns, 120, dn("ns1.example.")));
  reply.additionals.push_back(make_a(dn("ns1.example."), 600, {192, 0, 2, 53}));
  CHECK(cache.store(q_of("www.example."), reply, t0) == answer_kind::positive);
  const message query = client_query(1, "www.example.");
  CHECK(ttls_of(*served(cache, query, t0)) == std::vector<std::uint32_t>{300, 120, 600});
  CHECK(ttls_of(*served(cache, query, t0 + seconds(119))) == std::vector<std::uint32_t>{181, 1, 481});
  CHECK(!served(cache, query, t0 + seconds(120)));  // the NS's 120 s are over
  CHECK(cache.stats().expired == 1);
}

TEST_CASE("dns cache lifetime: TTLs with the top bit set are 0, so not cached (RFC 2181 §8)") {
  for (std::uint32_t ttl : {0xffffffffu, 0x80000000u, 0u}) {
    CAPTURE(ttl);
    answer_cache cache;
    CHECK(!cache.store(q_of("www.example."), a_reply("www.example.", ttl), t0));
    CHECK(cache.entries() == 0);
    CHECK(cache.stats().stored == 0);
  }
  // One such record in the additional section spoils the whole answer.
  answer_cache cache;
  message reply = a_reply("www.example.", 300);
  reply.additionals.push_back(make_a(dn("ns1.example."), 0xffffffffu, {192, 0, 2, 53}));
  CHECK(!cache.store(q_of("www.example."), reply, t0));
}

TEST_CASE("dns cache lifetime: 2^31 - 1 is a TTL, lowered to max_ttl") {
  answer_cache cache({.max_ttl = 86400});
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 0x7fffffffu), t0) == answer_kind::positive);
  const message query = client_query(1, "www.example.");
  CHECK(served(cache, query, t0)->answers.at(0).ttl == 86400);
  CHECK(served(cache, query, t0 + seconds(86399))->answers.at(0).ttl == 1);
  CHECK(!served(cache, query, t0 + seconds(86400)));
}

TEST_CASE("dns cache lifetime: min_ttl raises small TTLs, and makes TTL 0 and 0xFFFFFFFF cacheable") {
  answer_cache cache({.min_ttl = 60});
  CHECK(cache.store(q_of("a.example."), a_reply("a.example.", 5), t0));
  CHECK(cache.store(q_of("b.example."), a_reply("b.example.", 0xffffffffu), t0));
  CHECK(cache.store(q_of("c.example."), a_reply("c.example.", 600), t0));
  CHECK(served(cache, client_query(1, "a.example."), t0 + seconds(10))->answers.at(0).ttl == 50);
  CHECK(served(cache, client_query(1, "b.example."), t0)->answers.at(0).ttl == 60);
  CHECK(served(cache, client_query(1, "c.example."), t0)->answers.at(0).ttl == 600);
  CHECK(!served(cache, client_query(1, "a.example."), t0 + seconds(60)));
}

TEST_CASE("dns cache lifetime: NXDOMAIN lives min(SOA TTL, SOA MINIMUM, max_negative_ttl)") {
  struct row {
    std::uint32_t soa_ttl, minimum, cap, expected;
  };
  for (const row r : {row{3600, 300, 3600, 300},      // MINIMUM smallest
                      row{120, 300, 3600, 120},       // the SOA's own TTL smallest
                      row{86400, 86400, 3600, 3600},  // the cap
                      row{0xffffffffu, 300, 3600, 0},  // TTL 0 (RFC 2181): not cached
                      row{3600, 0, 3600, 0}}) {
    CAPTURE(r.soa_ttl);
    CAPTURE(r.minimum);
    answer_cache cache({.max_negative_ttl = r.cap});
    const auto kind = cache.store(q_of("nx.example."), negative_reply("nx.example.", r.soa_ttl, r.minimum), t0);
    if (r.expected == 0) {
      CHECK(!kind);
      continue;
    }
    CHECK(kind == answer_kind::negative);
    const message query = client_query(1, "nx.example.");
    const message first = *served(cache, query, t0);
    CHECK(first.full_rcode() == rcode::nxdomain);
    CHECK(first.answers.empty());
    REQUIRE(first.authorities.size() == 1);
    CHECK(first.authorities[0].ttl == r.expected);  // the SOA carries the negative TTL
    CHECK(first.authorities[0].soa()->minimum == r.minimum);
    CHECK(served(cache, query, t0 + seconds(r.expected - 1))->authorities[0].ttl == 1);
    CHECK(!served(cache, query, t0 + seconds(r.expected)));
  }
}

TEST_CASE("dns cache lifetime: NODATA is negative too, and keeps its NOERROR") {
  answer_cache cache;
  const question q = q_of("www.example.", rr_type::aaaa);
  CHECK(cache.store(q, negative_reply("www.example.", 600, 240, rcode::noerror, rr_type::aaaa), t0) ==
        answer_kind::negative);
  const auto reply = served(cache, client_query(7, "www.example.", rr_type::aaaa), t0 + seconds(40));
  REQUIRE(reply);
  CHECK(reply->full_rcode() == rcode::noerror);
  CHECK(reply->answers.empty());
  CHECK(reply->authorities.at(0).ttl == 200);
  // The A question is another entry.
  CHECK(!cache.find(q_of("www.example."), t0));
}

TEST_CASE("dns cache lifetime: negative answers without an SOA, and other RCODEs, are not cached") {
  answer_cache cache;
  CHECK(!cache.store(q_of("nx.example."), upstream_reply(q_of("nx.example."), rcode::nxdomain), t0));
  CHECK(!cache.store(q_of("nodata.example."), upstream_reply(q_of("nodata.example.")), t0));
  message ns_only = upstream_reply(q_of("nx.example."), rcode::nxdomain);
  ns_only.authorities.push_back(make_name_record(dn("example."), rr_type::ns, 3600, dn("ns1.example.")));
  CHECK(!cache.store(q_of("nx.example."), ns_only, t0));
  for (rcode code : {rcode::servfail, rcode::refused, rcode::formerr, rcode::notimp}) {
    message m = a_reply("www.example.", 300);
    m.set_rcode(code);
    CHECK(!cache.store(q_of("www.example."), m, t0));
  }
  CHECK(cache.entries() == 0);
}

TEST_CASE("dns cache lifetime: in a negative answer no record outlives the SOA's TTL") {
  answer_cache cache;
  message reply = negative_reply("alias.example.", 3600, 300);
  reply.answers.push_back(make_name_record(dn("alias.example."), rr_type::cname, 7200, dn("gone.example.")));
  CHECK(cache.store(q_of("alias.example."), reply, t0) == answer_kind::negative);
  const auto served_reply = served(cache, client_query(1, "alias.example."), t0 + seconds(100));
  CHECK(ttls_of(*served_reply) == std::vector<std::uint32_t>{200, 200});
}
