// SIGTERM stops a node in order: its peers see reason `shutdown` (not
// node_lost), it exits 0 within the ground's shutdown bound, and the
// others' status shows it "left".
#include <doctest/doctest.h>

#include <csignal>

#include "test_cluster.hpp"
#include "timing.hpp"

using namespace agora_test;

namespace {

/// agora::ground_config::shutdown_timeout's default, which agora-node keeps.
constexpr auto ground_shutdown_bound = 5000ms;

}  // namespace

TEST_CASE("SIGTERM: peers see shutdown, the node exits 0 within the ground's shutdown bound, status says left") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  auto& leaving = c.start(3, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2, 3}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  const auto t0 = test_clock::now();
  leaving.signal(SIGTERM);
  const auto code = leaving.wait_exit(ground_shutdown_bound + 5s);
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(test_clock::now() - t0);
  report_timing("SIGTERM to exit", took);
  CHECK(code == 0);
  CHECK(took <= ground_shutdown_bound);

  for (auto [peer, mark] : {std::pair{1, mark1}, std::pair{2, mark2}}) {
    CAPTURE(peer);
    CHECK(c.node(peer).wait_for(test_cluster::disappeared(3) + "shutdown", 5s, mark));
    CHECK(c.node(peer).lines_with("node_lost(3)", mark).empty());
    const auto s = c.status(peer);
    CHECK(s.members.at(3).state == "left");
    CHECK(s.members.at(3).reason == "shutdown");
    CHECK_FALSE(s.links.contains(3));
  }
}
