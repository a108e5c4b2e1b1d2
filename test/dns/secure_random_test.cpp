// random_pool: bytes handed out once each, and a copy never repeats them.
#include <doctest/doctest.h>

#include <set>
#include <utility>

#include "proxy/secure_random.hpp"

using agora::dns::query_randomness;
using agora::dns::random_pool;

namespace {

// A query's numbers as one value, to compare draws.
std::pair<std::uint16_t, std::array<std::uint64_t, 4>> key(const query_randomness& r) { return {r.id, r.case_bits}; }

}  // namespace

TEST_CASE("random_pool: draws over many blocks are all different") {
  random_pool pool;
  std::set<std::array<std::uint64_t, 4>> patterns;
  std::set<std::uint16_t> ids;
  const int draws = 1000;  // 34 bytes each: eight refills of the 4 KiB block
  for (int i = 0; i < draws; ++i) {
    const auto r = pool.next_query();
    patterns.insert(r.case_bits);
    ids.insert(r.id);
  }
  CHECK(patterns.size() == draws);  // 256 random bits: a repeat means reuse
  CHECK(ids.size() > 900);          // 1000 draws of 16 bits: about 8 collide
}

TEST_CASE("random_pool: a copy starts empty and does not repeat the original's bytes") {
  random_pool original;
  (void)original.next_query();  // fills the block
  random_pool copy(original);
  random_pool assigned;
  (void)assigned.next_query();
  assigned = original;
  const auto a = key(original.next_query());
  const auto b = key(copy.next_query());
  const auto c = key(assigned.next_query());
  CHECK(a.second != b.second);
  CHECK(a.second != c.second);
  CHECK(b.second != c.second);
}
