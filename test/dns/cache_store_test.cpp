// answer_cache: replacing entries, keys without case, SERVFAIL (RFC 9520),
// serve-stale (RFC 8767), erase and the counters.
#include <doctest/doctest.h>

#include "cache_fixtures.hpp"

using namespace cache_test;

TEST_CASE("dns cache store: one entry per question, the name without case, type and class apart") {
  answer_cache cache;
  CHECK(cache.store(q_of("WWW.Example."), a_reply("WWW.Example.", 300), t0));
  CHECK(cache.find(q_of("www.example."), t0));
  CHECK(cache.find(q_of("wWw.eXample."), t0));
  CHECK(!cache.find(q_of("www.example.", rr_type::aaaa), t0));
  CHECK(!cache.find(question{dn("www.example."), rr_type::a, rr_class::ch}, t0));
  CHECK(!cache.find(q_of("www.example.org."), t0));
  // A newer reply replaces the entry, its TTLs counted from then.
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 60), t0 + seconds(10)));
  CHECK(cache.entries() == 1);
  CHECK(served(cache, client_query(1, "www.example."), t0 + seconds(15))->answers.at(0).ttl == 55);
  CHECK(cache.stats().stored == 2);
  CHECK(cache.stats().hits == 3);
  CHECK(cache.stats().misses == 3);
}

TEST_CASE("dns cache store: a reply that is not cached leaves the entry there") {
  answer_cache cache;
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 300), t0));
  CHECK(!cache.store(q_of("www.example."), a_reply("www.example.", 0), t0 + seconds(1)));
  CHECK(served(cache, client_query(1, "www.example."), t0 + seconds(2))->answers.at(0).ttl == 298);
}

TEST_CASE("dns cache servfail: kept servfail_ttl seconds, then gone") {
  answer_cache cache;  // servfail_ttl 5
  CHECK(cache.store_servfail(q_of("dead.example."), t0));
  const message query = client_query(3, "Dead.Example.");
  const auto hit = cache.find(q_of("dead.example."), t0 + seconds(4));
  REQUIRE(hit);
  CHECK(hit->kind == answer_kind::servfail);
  CHECK(!hit->stale);
  const message reply = *served(cache, query, t0 + std::chrono::milliseconds(4999));
  CHECK(reply.full_rcode() == rcode::servfail);
  CHECK(reply.header.id == 3);
  CHECK(reply.questions.at(0).qname.same_spelling(dn("Dead.Example.")));
  CHECK(reply.answers.empty());
  CHECK(reply.authorities.empty());
  CHECK(!served(cache, query, t0 + seconds(5)));
  CHECK(cache.entries() == 0);
}

TEST_CASE("dns cache servfail: servfail_ttl 0 never caches it") {
  answer_cache cache({.servfail_ttl = 0});
  CHECK(!cache.store_servfail(q_of("dead.example."), t0));
  CHECK(cache.entries() == 0);
}

TEST_CASE("dns cache servfail: never replaces fresh data, replaces expired data and itself") {
  answer_cache cache;
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 30), t0));
  CHECK(cache.store(q_of("nx.example."), negative_reply("nx.example.", 30, 30), t0));
  CHECK(!cache.store_servfail(q_of("www.example."), t0 + seconds(29)));
  CHECK(!cache.store_servfail(q_of("nx.example."), t0 + seconds(29)));
  CHECK(cache.find(q_of("www.example."), t0 + seconds(29))->kind == answer_kind::positive);
  CHECK(cache.find(q_of("nx.example."), t0 + seconds(29))->kind == answer_kind::negative);
  // Expired: the SERVFAIL takes its place.
  CHECK(cache.store_servfail(q_of("www.example."), t0 + seconds(30)));
  CHECK(cache.find(q_of("www.example."), t0 + seconds(31))->kind == answer_kind::servfail);
  // Another SERVFAIL restarts the 5 s; a real answer replaces it.
  CHECK(cache.store_servfail(q_of("www.example."), t0 + seconds(33)));
  CHECK(cache.find(q_of("www.example."), t0 + seconds(37)));
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 30), t0 + seconds(37)));
  CHECK(cache.find(q_of("www.example."), t0 + seconds(38))->kind == answer_kind::positive);
}

TEST_CASE("dns cache stale: off by default, expired means gone") {
  answer_cache cache;
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 30), t0));
  CHECK(!cache.find(q_of("www.example."), t0 + seconds(30)));
  CHECK(cache.stats().expired == 1);
  CHECK(cache.stats().stale_hits == 0);
}

TEST_CASE("dns cache stale: served up to max_stale past expiry, every TTL at stale_ttl") {
  answer_cache cache({.serve_stale = true, .max_stale = 600, .stale_ttl = 30});
  message reply = a_reply("www.example.", 100);
  reply.authorities.push_back(make_name_record(dn("example."), rr_type::ns, 3600, dn("ns1.example.")));
  CHECK(cache.store(q_of("www.example."), reply, t0));
  const message query = client_query(1, "www.example.");
  CHECK(ttls_of(*served(cache, query, t0 + seconds(99))) == std::vector<std::uint32_t>{1, 3501});
  const auto hit = cache.find(q_of("www.example."), t0 + seconds(100));
  REQUIRE(hit);
  CHECK(hit->stale);
  CHECK(ttls_of(*served(cache, query, t0 + seconds(100))) == std::vector<std::uint32_t>{30, 30});
  CHECK(ttls_of(*served(cache, query, t0 + seconds(700))) == std::vector<std::uint32_t>{30, 30});
  CHECK(cache.stats().stale_hits == 3);
  CHECK(!served(cache, query, t0 + seconds(701)));
  CHECK(cache.stats().expired == 1);
  CHECK(cache.entries() == 0);
}

TEST_CASE("dns cache stale: negative answers too, SERVFAIL never, and a stale answer outlives a SERVFAIL") {
  answer_cache cache({.serve_stale = true, .max_stale = 600, .stale_ttl = 30});
  CHECK(cache.store(q_of("nx.example."), negative_reply("nx.example.", 60, 60), t0));
  const auto nx = served(cache, client_query(1, "nx.example."), t0 + seconds(200));
  REQUIRE(nx);
  CHECK(nx->full_rcode() == rcode::nxdomain);
  CHECK(nx->authorities.at(0).ttl == 30);
  CHECK(cache.store_servfail(q_of("dead.example."), t0));
  CHECK(!cache.find(q_of("dead.example."), t0 + seconds(5)));
  // The upstreams fail while www is stale: the stale answer stays.
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 10), t0));
  CHECK(!cache.store_servfail(q_of("www.example."), t0 + seconds(20)));
  CHECK(cache.find(q_of("www.example."), t0 + seconds(21))->kind == answer_kind::positive);
}

TEST_CASE("dns cache erase") {
  answer_cache cache;
  CHECK(cache.store(q_of("www.example."), a_reply("www.example.", 30), t0));
  CHECK(!cache.erase(q_of("www.example.", rr_type::aaaa)));
  CHECK(cache.erase(q_of("WWW.example.")));
  CHECK(!cache.erase(q_of("www.example.")));
  CHECK(cache.entries() == 0);
  CHECK(cache.bytes() == 0);
  CHECK(!cache.find(q_of("www.example."), t0));
}
