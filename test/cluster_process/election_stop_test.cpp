// SIGSTOP of the leader of five agora-node members (--cluster-size 5) past
// the failure deadline: the others elect node 4 in a newer epoch. After
// SIGCONT the old leader steps down — its elector (logged at debug) turns
// follower, it reports node 4, and never itself again in its old epoch —
// and once it has been back for stable_after (2 s), node 5 takes over in a
// newer epoch still: node 4 makes way when asked, not fenced by an epoch
// node 5 stood for on resuming (before its link to node 4 was back) and
// nobody granted (the bug this test found).
//
// Its stale renewals are not seen here: the others closed its links at the
// deadline, before they elected node 4, so what it sends on resuming goes
// nowhere; the refusal (stale_epoch) is tested in simulation
// (test/sim/election_test.cpp), where a message can be held and delivered
// late.
#include <doctest/doctest.h>

#include <csignal>

#include "five_members.hpp"
#include "timing.hpp"

using namespace agora_test;

TEST_CASE("election: SIGSTOP of the leader elects node 4, and after SIGCONT node 5 steps down, then takes over again") {
  test_cluster c;
  INFO(c.logs());
  start_five(c, {4, 5});
  std::string why;
  const auto first = wait_all_report(c, {1, 2, 3, 4, 5}, 5, 20s, {}, why);
  REQUIRE_MESSAGE(first, why);
  auto& old = c.node(5);
  REQUIRE(old.wait_for("election: leader in epoch " + std::to_string(*first), 5s));

  const auto stopped = marks(c, {1, 2, 3, 4});
  const auto t0 = test_clock::now();
  old.signal(SIGSTOP);
  const auto second = wait_all_report(c, {1, 2, 3, 4}, 4, 10s, stopped, why);
  REQUIRE_MESSAGE(second, why);
  CHECK(*second > *first);
  report_timing("SIGSTOP of the leader to node 1's report of node 4",
                since(t0, wait_leader(c.node(1), 4, 0s, stopped.at(1))->line));

  const auto resumed = marks(c, {1, 2, 3, 4, 5});
  old.signal(SIGCONT);
  // It steps down and sees node 4 lead...
  CHECK_MESSAGE(old.wait_for("election: follower in epoch ", 10s, resumed.at(5)), "node 5 does not step down");
  const auto sees_four = wait_leader(old, 4, 10s, resumed.at(5));
  REQUIRE_MESSAGE(sees_four, "node 5 does not report node 4 after SIGCONT");
  CHECK(sees_four->epoch == *second);
  // ... then, stable for stable_after, takes over in a newer epoch.
  const auto third = wait_all_report(c, {1, 2, 3, 4, 5}, 5, 15s, resumed, why);
  REQUIRE_MESSAGE(third, why);
  CHECK(*third > *second);
  // Node 4 made way when node 5 asked (still knowing no epoch above its
  // own), not fenced by an epoch node 5 stood for and nobody granted.
  const auto made_way = c.node(4).wait_for("election: follower in epoch ", 0s, resumed.at(4));
  REQUIRE(made_way);
  CHECK_MESSAGE(made_way->text.find("(newest known " + std::to_string(*second) + ")") != std::string::npos,
                made_way->text);
  // Never again the leader of its old epoch, in its elector or in its view.
  CHECK(old.lines_with("election: leader in epoch " + std::to_string(*first) + " ", resumed.at(5)).empty());
  CHECK(old.lines_with(leader_is(5) + std::to_string(*first) + ")", resumed.at(5)).empty());
  const auto conflict = epoch_conflicts(c, {1, 2, 3, 4, 5});
  CHECK_MESSAGE(conflict.empty(), conflict);
}
