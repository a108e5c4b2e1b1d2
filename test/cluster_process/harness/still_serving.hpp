// After something hostile was done to node 1 of a linked pair (1, 2): it
// still serves — its status answers with node 2 up, node 2 was never lost,
// and a node that joins through it now appears everywhere.
#pragma once

#include <doctest/doctest.h>

#include "test_cluster.hpp"

namespace agora_test {

/// Starts a linked pair, nodes 1 and 2 (`extra` for node 1's command line).
inline void start_pair(test_cluster& c, std::vector<std::string> extra = {}) {
  const auto& first = c.start(1, {}, std::move(extra));
  c.start(2, {first.address()});
  REQUIRE(c.wait_mesh({1, 2}));
}

/// Node 1 serves on: `mark1`, `mark2` are the nodes' marks from before.
inline void check_still_serving(test_cluster& c, std::size_t mark1, std::size_t mark2) {
  const auto s = c.status(1);
  CHECK(s.in_state("up") == std::vector<std::uint64_t>{1, 2});
  CHECK(s.links.contains(2));
  CHECK(c.node(1).lines_with(test_cluster::disappeared(2), mark1).empty());
  CHECK(c.node(2).lines_with(test_cluster::disappeared(1), mark2).empty());
  // Presence still works through node 1.
  auto& newcomer = c.start(3, {c.node(1).address()});
  CHECK(c.wait_mesh({1, 2, 3}));
  CHECK(newcomer.lines_with(" disappeared").empty());
}

}  // namespace agora_test
