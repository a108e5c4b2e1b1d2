// sim: the deterministic simulation's speed (agora/sim).
//   quiet_events_per_s     simulated events per wall-clock second, for a
//                          quiet 5-node cluster (links up, heartbeats every
//                          200 ms, ticks) over one simulated hour
//   quiet_hour_wall_s      wall-clock seconds that hour took (target < 10)
//   quiet_sim_per_wall     simulated seconds per wall-clock second
//   presence_faults_runs_per_s   runs of the `presence` scenario (5 nodes,
//                          30 simulated seconds, nemesis on) per wall second
// The baseline is real time itself: a real cluster needs an hour for an
// hour (quiet_sim_per_wall is the speed-up over it). No other actor
// framework ships a deterministic cluster simulation to compare with.
#include <chrono>

#include "agora/sim/scenario.hpp"
#include "agora/sim/simulation.hpp"
#include "report.hpp"

namespace agora_bench {

void bench_sim(const options& opt) {
  using namespace std::chrono_literals;
  const auto simulated = opt.quick ? std::chrono::duration_cast<std::chrono::seconds>(5min)
                                   : std::chrono::duration_cast<std::chrono::seconds>(1h);
  double wall = 0;
  std::uint64_t events = 0;
  {
    agora::sim::simulation s({.seed = 1});
    for (std::uint64_t id = 1; id <= 5; ++id) s.add_node(id, {});
    s.run_for(2s);  // linked
    const auto e0 = s.events();
    const auto start = bench_clock::now();
    s.run_for(simulated);
    wall = seconds_since(start);
    events = s.events() - e0;
  }
  const double hour_factor = 3600.0 / static_cast<double>(simulated.count());
  emit("sim", "quiet_events_per_s", static_cast<double>(events) / wall, "events/s");
  emit("sim", "quiet_hour_wall_s", wall * hour_factor, "s");
  emit("sim", "quiet_sim_per_wall", static_cast<double>(simulated.count()) / wall, "x");

  const int runs = opt.quick ? 5 : 50;
  const auto start = bench_clock::now();
  for (int seed = 1; seed <= runs; ++seed)
    agora::sim::run_scenario("presence", {.nodes = 5, .seed = static_cast<std::uint64_t>(seed),
                                          .duration = 30s, .faults = true});
  emit("sim", "presence_faults_runs_per_s", runs / seconds_since(start), "runs/s");
}

}  // namespace agora_bench
