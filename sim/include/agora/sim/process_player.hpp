// agora::sim::process_player — the process driver's protocol
// (docs/PROCESS.md) played in virtual time: the simulation runs no real
// process, but the code that owns processes (the jobs worker) runs
// unchanged against this player.
//
// A process is "run" by a script of the test's choosing: given the
// command (argv, environment), script() says how long it lasts, what it
// writes to stdout and stderr and how it ends. Output is delivered at the
// end, before the exit (credit is not modelled). When its owner's interest
// goes, the process is killed at once (the grace period is not modelled).
//
//   sim.add_node(id, [&](sim::node_context& n) {
//     n.ground.spawn(sim::process_player(n, {.script = my_script, .live = &live[n.id]}));
//     ...
//   });
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/sim/simulation.hpp"
#include "agora/term.hpp"

namespace agora::sim {

/// How a played process goes.
struct played_process {
  std::chrono::milliseconds duration{100};
  std::string out, err;
  /// exited(CODE) or killed(SIGNAL); a spawn failure: failed("...").
  term exit = rec("exited", 0);
};

struct process_player_options {
  /// argv and environment (NAME=VALUE) → how the process goes; called once
  /// per process, when it starts.
  std::function<played_process(const std::vector<std::string>& argv, const std::vector<std::string>& env)> script{};
  /// If set: the processes alive on this node (ID → its environment), for
  /// checkers. Kept up to date by the player.
  std::map<term, std::vector<std::string>>* live = nullptr;
};

/// The player actor, spawned in a node's ground (the timer driver must run
/// there: agora::sim spawns it in every node).
actor_spec process_player(node_context& node, process_player_options options);

/// NAME's value in an environment list, or "".
std::string env_value(const std::vector<std::string>& env, std::string_view name);

}  // namespace agora::sim
