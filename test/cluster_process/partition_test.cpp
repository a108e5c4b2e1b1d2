// Two nodes whose every link passes through agora-fault-proxy (each behind
// a proxy of its own, which it advertises): a blackhole partitions them —
// node_lost on both sides at the deadline — and they link again after heal;
// a cut resets the link at once; a delay of 200 ms each way is no loss.
#include <doctest/doctest.h>

#include "behind_proxy.hpp"
#include "test_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

/// Quick redials, so that the pair links again soon after a heal: a
/// handshake lost in the blackhole times out after 1 s, and the backoff
/// stays at or under 1 s.
constexpr const char* quick_redial = "[timing]\nhandshake_timeout_ms = 1000\nreconnect_max_ms = 1000\n";

struct proxied_pair {
  test_cluster c;
  proxied_node one, two;

  proxied_pair() {
    const auto config = c.write("node.toml", quick_redial);
    one = start_behind_proxy(c, 1, {}, {"--config", config});
    two = start_behind_proxy(c, 2, {one.address()}, {"--config", config});
  }

  /// The same fault on both proxies: whichever node dialed, the link is hit.
  void fault(const std::string& command) {
    one.fault(command);
    two.fault(command);
  }

  /// Each node knows the other at its proxy's address.
  void check_routed_through_proxies() {
    CHECK(c.status(1).members.at(2).address == two.address());
    CHECK(c.status(2).members.at(1).address == one.address());
  }
};

}  // namespace

TEST_CASE("blackhole between two nodes: node_lost on both sides at the deadline, and after heal they link again") {
  proxied_pair p;
  auto& c = p.c;
  INFO(c.logs());
  REQUIRE(c.wait_mesh({1, 2}));
  p.check_routed_through_proxies();
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  const auto t0 = test_clock::now();
  p.fault("blackhole both");
  for (auto [id, other, mark] : {std::tuple{1, 2, mark1}, std::tuple{2, 1, mark2}}) {
    const auto lost = c.node(id).wait_for(test_cluster::disappeared(other) + "node_lost(" + std::to_string(other) + ")",
                                          5s, mark);
    REQUIRE_MESSAGE(lost, "node ", id, " does not lose node ", other);
    report_timing("blackhole to node " + std::to_string(id) + "'s node_lost line", since(t0, *lost));
    // Up to a heartbeat and a tick may pass between the last frame that got
    // through and the blackhole; the deadline (1 s) runs from that frame.
    CHECK(since(t0, *lost) >= 700ms);
    CHECK(since(t0, *lost) <= 2000ms);
  }
  // The partition holds: redials reach the proxies and go nowhere.
  std::this_thread::sleep_for(500ms);
  CHECK(c.node(1).lines_with(test_cluster::appeared(2), mark1).empty());
  CHECK(c.node(2).lines_with(test_cluster::appeared(1), mark2).empty());

  const auto t1 = test_clock::now();
  p.fault("heal");
  for (auto [id, other, mark] : {std::tuple{1, 2, mark1}, std::tuple{2, 1, mark2}}) {
    const auto back = c.node(id).wait_for(test_cluster::appeared(other), 10s, mark);
    REQUIRE_MESSAGE(back, "node ", id, " does not see node ", other, " again");
    report_timing("heal to node " + std::to_string(id) + "'s appeared line", since(t1, *back));
  }
  p.check_routed_through_proxies();
}

TEST_CASE("cut between two nodes: both lose each other at once, and after heal they link again") {
  proxied_pair p;
  auto& c = p.c;
  INFO(c.logs());
  REQUIRE(c.wait_mesh({1, 2}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  const auto t0 = test_clock::now();
  p.fault("cut");  // resets the link; new connections are refused until heal
  for (auto [id, other, mark] : {std::tuple{1, 2, mark1}, std::tuple{2, 1, mark2}}) {
    const auto lost = c.node(id).wait_for(test_cluster::disappeared(other) + "node_lost(" + std::to_string(other) + ")",
                                          5s, mark);
    REQUIRE_MESSAGE(lost, "node ", id, " does not lose node ", other);
    report_timing("cut to node " + std::to_string(id) + "'s node_lost line", since(t0, *lost));
    CHECK(since(t0, *lost) < 700ms);  // a reset, not the deadline
  }
  std::this_thread::sleep_for(300ms);  // redials are refused meanwhile
  CHECK(c.node(1).lines_with(test_cluster::appeared(2), mark1).empty());

  p.fault("heal");
  CHECK(c.node(1).wait_for(test_cluster::appeared(2), 10s, mark1));
  CHECK(c.node(2).wait_for(test_cluster::appeared(1), 10s, mark2));
}

TEST_CASE("a delay of 200 ms each way between two nodes: no false node_lost") {
  proxied_pair p;
  auto& c = p.c;
  INFO(c.logs());
  REQUIRE(c.wait_mesh({1, 2}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  p.fault("delay both 200");
  // Three deadlines' worth of heartbeats, each 200 ms late.
  std::this_thread::sleep_for(3s);
  CHECK(c.node(1).lines_with(" disappeared", mark1).empty());
  CHECK(c.node(2).lines_with(" disappeared", mark2).empty());
  for (std::uint64_t id : {1, 2}) {
    CAPTURE(id);
    const auto s = c.status(id);
    CHECK(s.in_state("up") == std::vector<std::uint64_t>{1, 2});
    // The link's round trip shows the delay: it is the one through a proxy.
    REQUIRE(s.links.contains(3 - id));
    CHECK(s.links.at(3 - id).rtt_us >= 380'000);
  }
}
