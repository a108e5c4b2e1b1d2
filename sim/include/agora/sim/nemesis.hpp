// agora::sim::nemesis — faults drawn from the seed. Between `from` and
// `until` it crashes and restarts nodes, stops them (SIGTERM) and starts
// them again, pauses and resumes them (past the failure deadline or not),
// partitions the cluster in random shapes and heals it, cuts single links
// one way, and makes nodes' timers late. Several faults may overlap. At
// `until` everything is undone: links restored, paused nodes resumed,
// crashed and stopped ones restarted, clocks on time — so that a checker
// can then ask whether the cluster converged.
//
//   agora::sim::nemesis chaos(sim, {.mean_interval = 1s});
//   chaos.schedule(sim.now() + 1s, sim.now() + 20s);
//   sim.run_for(30s);   // 20 s of faults, then 10 s to settle
#pragma once

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "agora/sim/simulation.hpp"

namespace agora::sim {

struct nemesis_config {
  /// Mean time between two faults (drawn uniformly in [0, 2 * mean]).
  clock::duration mean_interval = 1s;
  /// How long a fault lasts, drawn uniformly in [min_fault, max_fault].
  clock::duration min_fault = 100ms;
  clock::duration max_fault = 4s;
  bool crashes = true;     // kill -9, restart later (a new incarnation)
  bool stops = true;       // SIGTERM, start again later
  bool pauses = true;      // SIGSTOP / SIGCONT
  bool partitions = true;  // two groups, both ways
  bool cuts = true;        // one direction of one link
  bool late_timers = true; // a node's timers fire up to 2 s late
};

class nemesis {
 public:
  /// Draws from a stream of its own, derived from the simulation's seed.
  explicit nemesis(simulation& sim, nemesis_config config = {});

  /// Schedules faults between `from` and `until`, and the undoing of all
  /// of them at `until`. Call once, before running.
  void schedule(clock::time_point from, clock::time_point until);

  /// What it did, one line per fault, in order.
  const std::vector<std::string>& log() const noexcept { return log_; }

 private:
  void strike();
  void undo_all();
  clock::duration draw(clock::duration lo, clock::duration hi);
  std::uint64_t pick_node();

  simulation& sim_;
  nemesis_config config_;
  std::mt19937_64 random_;
  clock::time_point until_{};
  std::vector<std::string> log_;
};

}  // namespace agora::sim
