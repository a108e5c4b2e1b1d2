// The `election` scenario: every node runs an elector (agora/actors/
// election.hpp) and a watcher of leader(_, _); the nemesis works in the
// first part of the run; the checker (election_checker.hpp) looks after
// every event; at the end every node must see the same leader — the
// highest id, acting — reached within the settling time.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "agora/actor.hpp"
#include "agora/actors/election.hpp"
#include "agora/sim/nemesis.hpp"
#include "agora/sim/simulation.hpp"
#include "election_checker.hpp"
#include "scenario_support.hpp"
#include "scenarios.hpp"

namespace agora::sim::detail {

namespace {

using view = election_checker::elector_view;

actor_spec leader_watcher(view& v) {
  return actor<>{}.on_start([&v](turn<>& t) {
    election::on_leader(t, [&v](turn<>&, std::optional<election::leader_info> l) { v.sees = l; });
  });
}

}  // namespace

scenario_result run_election(const scenario_options& options) {
  check_options("election", options);

  simulation sim({.seed = options.seed, .trace = options.trace, .trace_turns = options.trace_turns});
  election::config base;
  base.cluster_size = options.nodes;
  const bool guard = base.quorum.value_or(base.cluster_size >= 3);
  election_checker check(base.renew, guard, [&sim](std::string_view l) { sim.note(l); });
  std::map<std::uint64_t, std::unique_ptr<view>> views;  // by node: its current incarnation

  for (std::uint64_t id = 1; id <= options.nodes; ++id)
    sim.add_node(
        id,
        [&views, &check, &sim, base](node_context& n) {
          auto& v = views[n.id];
          v = std::make_unique<view>();
          v->id = n.id;
          v->incarnation = n.incarnation;
          v->ticks_from = sim.now();
          auto c = base;
          c.id = n.id;
          c.incarnation = n.incarnation;
          n.ground.spawn(election::elector(c, [&check, &v = *v](const election::state& s) {
            check.changed(v, s);
          }));
          n.ground.spawn(leader_watcher(*v));
        },
        all_seeds(options.nodes));

  const auto start = sim.now();
  const auto end = start + options.duration;
  const auto calm = end - settle_time;
  nemesis chaos(sim);
  if (options.faults) chaos.schedule(start + 1s, calm);

  // The agreed leader: every node up sees the same one, the highest id,
  // and it acts. When that first held after the calm began.
  const std::uint64_t highest = options.nodes;
  auto agreed = [&] {
    const auto& top = *views.at(highest);
    if (top.last.role != election::role::leader || !check.acting(top, sim.now())) return false;
    for (auto& [id, v] : views)
      if (!v->sees || v->sees->id != highest || v->sees->epoch != top.last.epoch) return false;
    return true;
  };
  std::optional<clock::time_point> agreed_at;
  std::vector<const view*> running;
  sim.run_until(
      [&] {
        running.clear();
        for (auto& [id, v] : views)
          if (sim.state(id) == node_state::up) running.push_back(v.get());
        check.check_instant(running, sim.now());
        if (sim.now() >= calm && !agreed_at && agreed()) agreed_at = sim.now();
        return false;
      },
      end - sim.now());

  if (!agreed()) {
    std::string seen;
    for (auto& [id, v] : views)
      seen += v->sees ? fmt::format(" n{}: n{}/{}", id, v->sees->id, v->sees->epoch)
                      : fmt::format(" n{}: none", id);
    check.violation(fmt::format("at the end the nodes do not agree on n{} as the acting leader:{}",
                                highest, seen));
  }
  if (agreed_at)
    sim.note(fmt::format("election: all agree on n{} {:.3f} s after the faults stopped", highest,
                         std::chrono::duration<double>(*agreed_at - calm).count()));

  return result_of("election", options, sim, start, check.take());
}

}  // namespace agora::sim::detail
