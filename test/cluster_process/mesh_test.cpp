// agora-node processes on 127.0.0.1 form a full mesh from one seed: every
// member "up" in each one's status, one link to each other node, and the
// presence demo's "node M appeared" everywhere — also on a node that joins
// later, for the nodes already there.
#include <doctest/doctest.h>

#include "test_cluster.hpp"

using namespace agora_test;

namespace {

/// Each node's status lists exactly `ids` as members, all up, and a link to
/// every other one.
void check_full_mesh(test_cluster& c, const std::vector<std::uint64_t>& ids) {
  for (auto n : ids) {
    const auto s = c.status(n);
    CAPTURE(n);
    CHECK(s.node == n);
    CHECK(s.incarnation == c.node(n).incarnation());
    CHECK(s.in_state("up") == ids);
    CHECK(s.members.size() == ids.size());
    std::vector<std::uint64_t> peers;
    for (const auto& [peer, link] : s.links) peers.push_back(peer);
    std::vector<std::uint64_t> others;
    for (auto m : ids)
      if (m != n) others.push_back(m);
    CHECK(peers == others);
    for (auto m : others) CHECK(s.members.at(m).incarnation == c.node(m).incarnation());
  }
}

}  // namespace

TEST_CASE("3 nodes from one seed: full mesh, every member up on each, each sees the others appear") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  c.start(3, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3}));
  check_full_mesh(c, {1, 2, 3});
}

TEST_CASE("5 nodes from one seed, the fifth a late joiner: it sees those already there, they see it") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  for (std::uint64_t id = 2; id <= 4; ++id) c.start(id, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3, 4}));
  check_full_mesh(c, {1, 2, 3, 4});

  // Late: the mesh has settled before it starts.
  std::vector<std::size_t> marks;
  for (std::uint64_t id = 1; id <= 4; ++id) marks.push_back(c.node(id).mark());
  auto& late = c.start(5, {seed.address()});
  for (std::uint64_t id = 1; id <= 4; ++id) {
    CHECK_MESSAGE(late.wait_for(test_cluster::appeared(id), 10s), "node 5 does not see node ", id);
    CHECK_MESSAGE(c.node(id).wait_for(test_cluster::appeared(5), 10s, marks[id - 1]), "node ", id,
                  " does not see node 5");
  }
  check_full_mesh(c, {1, 2, 3, 4, 5});
}
