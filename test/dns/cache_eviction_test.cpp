// answer_cache's size bound: least recently used entries go first, the
// byte count never exceeds max_bytes, an entry bigger than the whole
// cache is not stored.
#include <doctest/doctest.h>

#include <string>

#include "cache_fixtures.hpp"

using namespace cache_test;

namespace {

std::string host(int i) { return "h" + std::to_string(i) + ".example."; }

message host_reply(int i, std::uint32_t ttl = 300) { return a_reply(host(i).c_str(), ttl); }

/// The bytes one entry for host(0) costs.
std::size_t one_entry_bytes() {
  answer_cache probe;
  REQUIRE(probe.store(q_of(host(0).c_str()), host_reply(0), t0));
  return probe.bytes();
}

}  // namespace

TEST_CASE("dns cache eviction: an entry costs its wire plus an honest overhead") {
  const std::size_t bytes = one_entry_bytes();
  // The wire alone: header 12, question 16, the A record 16 + owner 16.
  CHECK(bytes > 60);
  CHECK(bytes >= 60 + sizeof(void*) * 6);
  CHECK(bytes < 600);
}

TEST_CASE("dns cache eviction: least recently used first, and the bound holds after every store") {
  const std::size_t each = one_entry_bytes();
  answer_cache cache({.max_bytes = each * 3 + each / 2});  // room for three
  for (int i = 0; i < 3; ++i) REQUIRE(cache.store(q_of(host(i).c_str()), host_reply(i), t0));
  CHECK(cache.entries() == 3);
  CHECK(cache.find(q_of(host(0).c_str()), t0));  // h0 used: h1 is now the oldest
  REQUIRE(cache.store(q_of(host(3).c_str()), host_reply(3), t0));
  CHECK(cache.bytes() <= cache.policy().max_bytes);
  CHECK(cache.entries() == 3);
  CHECK(cache.stats().evicted == 1);
  CHECK(!cache.find(q_of(host(1).c_str()), t0));
  CHECK(cache.find(q_of(host(0).c_str()), t0));
  CHECK(cache.find(q_of(host(2).c_str()), t0));
  CHECK(cache.find(q_of(host(3).c_str()), t0));
  // Order now (oldest first): 0, 2, 3. Two more push out 0 and 2.
  REQUIRE(cache.store(q_of(host(4).c_str()), host_reply(4), t0));
  REQUIRE(cache.store(q_of(host(5).c_str()), host_reply(5), t0));
  CHECK(!cache.find(q_of(host(0).c_str()), t0));
  CHECK(!cache.find(q_of(host(2).c_str()), t0));
  CHECK(cache.find(q_of(host(3).c_str()), t0));
  CHECK(cache.stats().evicted == 3);
}

TEST_CASE("dns cache eviction: expired entries dropped to make room count as expired") {
  const std::size_t each = one_entry_bytes();
  answer_cache cache({.max_bytes = each * 2 + each / 2});
  REQUIRE(cache.store(q_of(host(0).c_str()), host_reply(0, 10), t0));
  REQUIRE(cache.store(q_of(host(1).c_str()), host_reply(1, 300), t0));
  REQUIRE(cache.store(q_of(host(2).c_str()), host_reply(2, 300), t0 + seconds(20)));
  CHECK(cache.stats().expired == 1);
  CHECK(cache.stats().evicted == 0);
  CHECK(cache.entries() == 2);
}

TEST_CASE("dns cache eviction: a big entry pushes out as many as it needs, a bigger one is refused") {
  const std::size_t each = one_entry_bytes();
  answer_cache cache({.max_bytes = each * 10});
  for (int i = 0; i < 10; ++i) REQUIRE(cache.store(q_of(host(i).c_str()), host_reply(i), t0));
  CHECK(cache.entries() == 10);
  message big = upstream_reply(q_of("big.example.", rr_type::txt));
  resource_record txt{dn("big.example."), rr_type::txt, rr_class::in, 300, {}};
  txt.rdata.assign(1 + 200, std::byte{'x'});
  txt.rdata[0] = std::byte{200};
  for (int i = 0; i < 3; ++i) big.answers.push_back(txt);  // ~ 630 bytes of rdata
  REQUIRE(cache.store(q_of("big.example.", rr_type::txt), big, t0));
  CHECK(cache.bytes() <= cache.policy().max_bytes);
  CHECK(cache.entries() < 10);
  CHECK(cache.find(q_of("big.example.", rr_type::txt), t0));
  CHECK(!cache.find(q_of(host(0).c_str()), t0));  // the oldest went first
  CHECK(cache.find(q_of(host(9).c_str()), t0));
  // Bigger than the whole cache: not stored, nothing evicted for it.
  const std::size_t before = cache.entries();
  for (int i = 0; i < 40; ++i) big.answers.push_back(txt);
  CHECK(!cache.store(q_of("huge.example.", rr_type::txt), big, t0));
  CHECK(cache.entries() == before);
}

TEST_CASE("dns cache eviction: bytes return to 0 when every entry is gone") {
  answer_cache cache;
  for (int i = 0; i < 50; ++i) REQUIRE(cache.store(q_of(host(i).c_str()), host_reply(i, 10 + i), t0));
  CHECK(cache.bytes() > 0);
  for (int i = 0; i < 50; ++i) CHECK(!cache.find(q_of(host(i).c_str()), t0 + seconds(100)));
  CHECK(cache.entries() == 0);
  CHECK(cache.bytes() == 0);
  CHECK(cache.stats().expired == 50);
}
