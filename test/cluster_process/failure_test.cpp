// A node that dies or stops: kill -9 is a loss at once (its connections
// close); SIGSTOP is a loss at the deadline (1 s by default), and after
// SIGCONT the node rejoins by itself. Times are measured from the signal to
// the moment the peer's line reached the test.
#include <doctest/doctest.h>

#include <csignal>

#include "test_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {


}  // namespace

TEST_CASE("kill -9 of a node: each peer logs node_lost(ID) within 100 ms") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  auto& victim = c.start(3, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  const auto t0 = test_clock::now();
  victim.signal(SIGKILL);
  for (auto [peer, mark] : {std::pair{1, mark1}, std::pair{2, mark2}}) {
    const auto line = c.node(peer).wait_for("node 3 disappeared: node_lost(3)", 5s, mark);
    REQUIRE_MESSAGE(line, "node ", peer, " did not log node 3's loss");
    report_timing("kill -9 to node " + std::to_string(peer) + "'s node_lost line", since(t0, *line));
    CHECK(since(t0, *line) <= 100ms);
  }
  // Both see each other still, and node 3 as lost.
  const auto s = c.status(1);
  CHECK(s.members.at(3).state == "lost");
  CHECK(s.members.at(2).state == "up");
}

TEST_CASE("SIGSTOP: peers log node_lost(ID) at the deadline (1 s), and after SIGCONT the node rejoins by itself") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  auto& paused = c.start(3, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark(), mark3 = paused.mark();

  const auto t0 = test_clock::now();
  paused.signal(SIGSTOP);
  for (auto [peer, mark] : {std::pair{1, mark1}, std::pair{2, mark2}}) {
    const auto line = c.node(peer).wait_for("node 3 disappeared: node_lost(3)", 5s, mark);
    REQUIRE_MESSAGE(line, "node ", peer, " did not log node 3's loss");
    report_timing("SIGSTOP to node " + std::to_string(peer) + "'s node_lost line", since(t0, *line));
    // The last sign of life may have come up to one heartbeat (200 ms) and
    // one tick (50 ms) before the stop: the deadline runs from there.
    CHECK(since(t0, *line) >= 700ms);
    CHECK(since(t0, *line) <= 2000ms);
  }
  CHECK(c.status(1).members.at(3).state == "lost");

  paused.signal(SIGCONT);
  for (auto [peer, mark] : {std::pair{1, mark1}, std::pair{2, mark2}})
    CHECK_MESSAGE(c.node(peer).wait_for(test_cluster::appeared(3), 10s, mark), "node 3 does not reappear on node ",
                  peer);
  // The resumed node knows it was stopped (its timer may fire before or
  // after it reads its peers' closed connections), sees them gone, and finds
  // them again.
  CHECK(paused.wait_for("local lag of", 5s, mark3));
  for (std::uint64_t peer : {1, 2}) {
    const auto gone = paused.wait_for(test_cluster::disappeared(peer) + "node_lost(" + std::to_string(peer) + ")", 10s,
                                      mark3);
    REQUIRE(gone);
    CHECK(paused.wait_for(test_cluster::appeared(peer), 10s, gone->index));
  }
  const auto s = c.status(3);
  CHECK(s.in_state("up") == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(s.incarnation == paused.incarnation());  // the same process, not a new incarnation
}
