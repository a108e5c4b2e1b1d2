// Leader election with five agora-node processes (--cluster-size 5): started
// together they elect node 5, the highest, and all agree on it; after kill -9
// of node 5 every survivor reports node 4 in a newer epoch. Deadlines are
// generous (a loaded machine, sanitizers); the times are reported, never
// asserted (agora-bench --only election measures them).
#include <doctest/doctest.h>

#include <csignal>

#include "five_members.hpp"
#include "timing.hpp"

using namespace agora_test;

TEST_CASE("election: five members started together agree on node 5, and after its kill -9 every survivor reports node 4") {
  test_cluster c;
  INFO(c.logs());
  start_five(c);
  std::string why;
  const auto first = wait_all_report(c, {1, 2, 3, 4, 5}, 5, 20s, {}, why);
  REQUIRE_MESSAGE(first, why);
  // A slow start may let a lower node lead until node 5 is there (that is
  // allowed: the guard needs only three), but never two leaders in an epoch.
  const auto conflict = epoch_conflicts(c, {1, 2, 3, 4, 5});
  CHECK_MESSAGE(conflict.empty(), conflict);
  for (std::uint64_t id = 1; id <= 5; ++id)
    std::printf("[info] node %llu logged %zu leader changes while starting\n", static_cast<unsigned long long>(id),
                leader_changes(c.node(id)).size());

  const auto before = marks(c, {1, 2, 3, 4});
  const auto t0 = test_clock::now();
  c.node(5).signal(SIGKILL);
  const auto second = wait_all_report(c, {1, 2, 3, 4}, 4, 10s, before, why);
  REQUIRE_MESSAGE(second, why);
  CHECK(*second > *first);
  for (std::uint64_t id = 1; id <= 4; ++id) {
    const auto r = wait_leader(c.node(id), 4, 0s, before.at(id));
    report_timing("kill -9 of the leader to node " + std::to_string(id) + "'s report of node 4", since(t0, r->line));
    // Node 4 is the only leader any survivor saw since the kill.
    for (const auto& line : c.node(id).lines_with("leader: node ", before.at(id)))
      CHECK_MESSAGE(line.text.find(leader_is(4)) != std::string::npos, "node ", id, ": ", line.text);
  }
  const auto after = epoch_conflicts(c, {1, 2, 3, 4});
  CHECK_MESSAGE(after.empty(), after);
}
