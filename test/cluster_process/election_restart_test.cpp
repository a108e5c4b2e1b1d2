// The highest of five agora-node members (--cluster-size 5) killed and
// restarted again and again: node 4 leads from the first kill on, and each
// new node 5 joins (it reports node 4) and is killed long before it has been
// stable for stable_after (2 s), so it never takes over: node 1 sees the
// leader change a bounded number of times. The last one stays, and takes
// over in a newer epoch.
#include <doctest/doctest.h>

#include <csignal>

#include "five_members.hpp"

using namespace agora_test;

TEST_CASE("election: node 5 restarted five times in a row: the leader changes a bounded number of times") {
  constexpr int restarts = 5;
  test_cluster c;
  INFO(c.logs());
  start_five(c);
  std::string why;
  const auto first = wait_all_report(c, {1, 2, 3, 4, 5}, 5, 20s, {}, why);
  REQUIRE_MESSAGE(first, why);

  const auto killed = marks(c, {1, 2, 3, 4});
  c.node(5).signal(SIGKILL);
  const auto second = wait_all_report(c, {1, 2, 3, 4}, 4, 10s, killed, why);
  REQUIRE_MESSAGE(second, why);
  for (int run = 1; run <= restarts; ++run) {
    CAPTURE(run);
    REQUIRE(c.node(5).wait_exit(5s));
    auto& again = start_member(c, 5);
    const auto joined = wait_leader(again, 4, 10s);
    REQUIRE_MESSAGE(joined, "the restarted node 5 does not report node 4");
    CHECK(joined->epoch == *second);
    again.signal(SIGKILL);
  }
  // Node 1 saw node 5 go ("leader: none") and node 4 lead, nothing more.
  const auto flapping = leader_changes(c.node(1), killed.at(1));
  CHECK_MESSAGE(flapping.size() <= 2, flapping.size(), " leader changes on node 1 while node 5 restarted");
  for (const auto& line : c.node(1).lines_with("leader: node ", killed.at(1)))
    CHECK_MESSAGE(line.text.find(leader_is(4)) != std::string::npos, line.text);

  REQUIRE(c.node(5).wait_exit(5s));
  const auto settled = marks(c, {1, 2, 3, 4});
  start_member(c, 5);
  const auto third = wait_all_report(c, {1, 2, 3, 4, 5}, 5, 15s, settled, why);
  REQUIRE_MESSAGE(third, why);
  CHECK(*third > *second);
  // Node 4 made way ("leader: none" at most) and node 5 leads: two more.
  CHECK(leader_changes(c.node(1), settled.at(1)).size() <= 2);
  const auto conflict = epoch_conflicts(c, {1, 2, 3, 4});
  CHECK_MESSAGE(conflict.empty(), conflict);
}
