// What the scenarios share: the checks of their options, the static
// cluster configuration (every node seeds with all the others), the time
// they leave the cluster to settle after the faults, and the result line.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agora/cluster/config.hpp"
#include "agora/sim/scenario.hpp"
#include "agora/sim/simulation.hpp"

namespace agora::sim::detail {

/// After the last fault: enough for redials (backoff up to 5 s), deadlines,
/// handshakes and the election's stable_after.
inline constexpr std::chrono::milliseconds settle_time{12'000};

/// Throws std::invalid_argument for options `name` cannot run.
inline void check_options(std::string_view name, const scenario_options& o) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  if (o.nodes < 1 || o.nodes > 64)
    throw std::invalid_argument(fmt::format("{}: --nodes must be in 1..64", name));
  const auto least = settle_time + std::chrono::seconds(3);
  if (o.duration < least)
    throw std::invalid_argument(fmt::format(
        "{}: --seconds must be at least {} (faults need time, and {} s to settle after)", name,
        duration_cast<seconds>(least).count(), duration_cast<seconds>(settle_time).count()));
}

/// A node's configuration tweak: every other node of 1..n as a seed (as a
/// static cluster is configured), so that any one restarted after an
/// orderly stop finds its way back.
inline auto all_seeds(std::size_t n) {
  return [n](cluster::node_config& c) {
    c.seeds.clear();
    for (std::uint64_t other = 1; other <= n; ++other)
      if (other != c.id) c.seeds.push_back(simulation::address_of(other));
  };
}

inline scenario_result result_of(std::string name, const scenario_options& o, const simulation& sim,
                                 clock::time_point start, std::vector<std::string> violations) {
  scenario_result r;
  r.scenario = std::move(name);
  r.seed = o.seed;
  r.nodes = o.nodes;
  r.simulated_s = std::chrono::duration<double>(sim.now() - start).count();
  r.events = sim.events();
  r.trace_hash = sim.trace_hash();
  r.violations = std::move(violations);
  return r;
}

}  // namespace agora::sim::detail
