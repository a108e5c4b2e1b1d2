// agora::sim scenarios — whole runs with their checkers, by name: what
// agora-sim runs and what CI runs over thousands of seeds.
//
//   presence   every node publishes, subscribes and streams sequenced
//              messages to the others while the nemesis works; checked:
//              per-sender order across nodes (no message lost while its
//              sender stays present), presence before messages, every
//              endpoint of a lost node withdrawn with node_lost (or
//              shutdown, for an orderly stop), nothing from an old
//              incarnation, and after the last heal every node's presence
//              set equal to what the model of the cluster says, with the
//              streams flowing again.
//   election   (docs/ELECTION.md) at most one leader per epoch and one
//              acting leader at any instant; agreement after the faults.
//   jobs       (docs/JOBS.md) members run the jobs services, a client
//              submits jobs one after another while the nemesis hits
//              members and client; checked: no part accepted twice, every
//              result the part's own, a job done has every part, the last
//              job ends after the faults, no process left anywhere.
//
// A run is a function of its options: the same seed gives the same
// trace_hash, event for event.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace agora::sim {

struct scenario_options {
  std::size_t nodes = 5;
  std::uint64_t seed = 1;
  std::chrono::milliseconds duration{30'000};  // virtual
  bool faults = false;                         // let the nemesis loose
  std::function<void(std::string_view)> trace{};  // readable trace lines
  bool trace_turns = false;                       // with every VM turn
};

struct scenario_result {
  std::string scenario;
  std::uint64_t seed = 0;
  std::size_t nodes = 0;
  double simulated_s = 0;
  std::uint64_t events = 0;
  std::string trace_hash;
  std::vector<std::string> violations;  // what a checker found, readable

  /// {"scenario": "...", "seed": S, "nodes": N, "simulated_s": T,
  ///  "events": E, "trace_hash": "...", "violations": V} — one line.
  std::string to_json() const;
};

/// The names agora-sim accepts, sorted.
std::vector<std::string> scenario_names();
/// Runs scenario `name`; throws std::invalid_argument for an unknown name
/// or options it cannot run (e.g. too few nodes).
scenario_result run_scenario(std::string_view name, const scenario_options& options);
/// The command that replays a run with a full trace.
std::string replay_command(std::string_view name, const scenario_options& options,
                           std::string_view trace_file = "trace.txt");

}  // namespace agora::sim
