// A node restarted with the same id is a new incarnation: its peers withdraw
// the old one's endpoints with node_lost(ID) before the new ones appear, and
// their status shows the larger incarnation — after kill -9 (the old link
// is gone at once) and while the old process is only stopped (its link is
// up until the deadline; meanwhile the new one is refused as a duplicate).
#include <doctest/doctest.h>

#include <csignal>

#include "test_cluster.hpp"

using namespace agora_test;

namespace {

/// On `peer`, after `mark`: "node ID disappeared: node_lost(ID)" and then
/// "node ID appeared", in that order.
void check_lost_then_appeared(node_process& peer, std::uint64_t id, std::size_t mark) {
  const auto lost = peer.wait_for(test_cluster::disappeared(id) + "node_lost(" + std::to_string(id) + ")", 10s, mark);
  REQUIRE_MESSAGE(lost, peer.name(), " does not log the old incarnation's loss");
  const auto back = peer.wait_for(test_cluster::appeared(id), 10s, mark);
  REQUIRE_MESSAGE(back, peer.name(), " does not see the new incarnation appear");
  CHECK(lost->index < back->index);
}

}  // namespace

TEST_CASE("restart after kill -9 with the same id: a new, larger incarnation, the old one lost first") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  auto& old = c.start(3, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3}));
  const auto old_incarnation = old.incarnation();
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  old.signal(SIGKILL);
  REQUIRE(old.wait_exit(5s) == 128 + SIGKILL);
  auto& fresh = c.start(3, {seed.address()});
  CHECK(fresh.incarnation() > old_incarnation);

  check_lost_then_appeared(c.node(1), 3, mark1);
  check_lost_then_appeared(c.node(2), 3, mark2);
  CHECK(fresh.wait_for(test_cluster::appeared(1), 10s));
  CHECK(fresh.wait_for(test_cluster::appeared(2), 10s));
  // Its peers remember the old incarnation as lost: that is no other
  // process with its id.
  CHECK(fresh.lines_with("another process claims").empty());
  for (std::uint64_t peer : {1, 2}) {
    const auto s = c.status(peer);
    CAPTURE(peer);
    CHECK(s.members.at(3).state == "up");
    CHECK(s.members.at(3).incarnation == fresh.incarnation());
    CHECK(s.links.at(3).incarnation == fresh.incarnation());
  }
}

TEST_CASE("restart while the old process is stopped: refused as a duplicate id until the old link's deadline") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  auto& old = c.start(2, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2}));
  const auto mark1 = c.node(1).mark();

  old.signal(SIGSTOP);
  auto& fresh = c.start(2, {seed.address()});
  // Node 1 still has a live link with the old incarnation: it refuses the
  // new one, and both sides say why.
  CHECK(fresh.wait_for("duplicate node id 2", 5s));
  CHECK(c.node(1).wait_for("duplicate node id 2", 5s, mark1));
  // At the deadline the old one is lost; then the new one is let in.
  check_lost_then_appeared(c.node(1), 2, mark1);
  CHECK(fresh.wait_for(test_cluster::appeared(1), 10s));
  auto s = c.status(1);
  CHECK(s.members.at(2).incarnation == fresh.incarnation());
  CHECK(s.members.at(2).incarnation > old.incarnation());

  // The old process wakes up: it is refused in turn, and node 1 keeps the
  // new incarnation without a blip.
  const auto mark_old = old.mark(), mark1_after = c.node(1).mark();
  old.signal(SIGCONT);
  CHECK(old.wait_for("duplicate node id 2", 10s, mark_old));
  s = c.status(1);
  CHECK(s.members.at(2).state == "up");
  CHECK(s.members.at(2).incarnation == fresh.incarnation());
  CHECK(c.node(1).lines_with(test_cluster::disappeared(2), mark1_after).empty());
}
