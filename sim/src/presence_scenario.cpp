// The `presence` scenario: every node runs a probe that publishes
// seq(ID, INCARNATION, _) at the cluster level, subscribes to seq(_, _, _)
// and every 100 ms streams two seq(ID, INCARNATION, N), N = 1, 2, ...; the
// nemesis works in the first part of the run, then everything heals and
// the checkers compare what each probe saw with DESIGN section 5.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <set>
#include <utility>

#include "agora/actor.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/sim/nemesis.hpp"
#include "agora/sim/simulation.hpp"
#include "agora/text.hpp"
#include "presence_checker.hpp"
#include "scenario_support.hpp"
#include "scenarios.hpp"

namespace agora::sim::detail {

namespace {

constexpr auto emit_period = 100ms;
constexpr int per_emit = 2;

sender flow_sender(const term& flow) { return {flow[0].as_int(), flow[1].as_int()}; }

actor_spec probe(observer& o, checker& c) {
  return actor<>{}.on_start([&o, &c](turn<>& t) {
    auto cl = t.at_cluster();
    cl.publish(rec("seq", o.id, o.incarnation, _));
    cl.subscribe(rec("seq", _, _, _),
                 {.on_presence = [&o, &c](turn<>&, const presence& p) {
                    c.on_presence(o, flow_sender(p.flow()));
                  },
                  .on_absence = [&o, &c](turn<>&, const absence& a) {
                    c.on_absence(o, flow_sender(a.flow()), a.why.as_term());
                  },
                  .on_message = [&o, &c](turn<>&, const message& m) {
                    const term& b = m.body();
                    if (b.is_record("seq", 3) && b[0].is_int() && b[1].is_int() && b[2].is_int())
                      c.on_message(o, {b[0].as_int(), b[1].as_int()}, b[2].as_int());
                    else
                      c.violation(fmt::format("n{}: malformed message {}", o.id, b.to_string()));
                  }});
    auto next = std::make_shared<std::int64_t>(1);
    timer::every(t, sym("emit"), emit_period, [&o, next](turn<>& t, std::int64_t) {
      for (int i = 0; i < per_emit; ++i)
        t.at_cluster().send(rec("seq", o.id, o.incarnation, (*next)++));
    });
  });
}

}  // namespace

scenario_result run_presence(const scenario_options& options) {
  check_options("presence", options);

  simulation sim({.seed = options.seed, .trace = options.trace, .trace_turns = options.trace_turns});
  checker check([&sim](std::string_view line) { sim.note(line); });
  std::map<std::uint64_t, std::unique_ptr<observer>> observers;  // by node, current incarnation

  for (std::uint64_t id = 1; id <= options.nodes; ++id)
    sim.add_node(
        id,
        [&observers, &check](node_context& n) {
          auto& o = observers[n.id];
          o = std::make_unique<observer>();
          o->id = static_cast<std::int64_t>(n.id);
          o->incarnation = static_cast<std::int64_t>(n.incarnation);
          n.ground.spawn(probe(*o, check));
        },
        all_seeds(options.nodes));

  const auto start = sim.now();
  const auto end = start + options.duration;
  const auto calm = end - settle_time;
  nemesis chaos(sim);
  if (options.faults) chaos.schedule(start + 1s, calm);

  // Streams must flow again at the end: what each probe had received two
  // seconds before the end, to compare with the end.
  std::map<std::uint64_t, std::map<sender, std::uint64_t>> before_end;
  sim.at(end - 2s, [&] {
    for (auto& [id, o] : observers) before_end[id] = o->received;
  });
  sim.run_until(end);

  // The model: every node is up (the nemesis undid everything at `calm`),
  // and each sees every node's current incarnation, itself included, once.
  std::map<sender, int> model;
  for (auto id : sim.node_ids()) {
    if (sim.state(id) != node_state::up)
      check.violation(fmt::format("n{} is not up at the end", id));
    model[{static_cast<std::int64_t>(id), static_cast<std::int64_t>(sim.incarnation(id))}] = 1;
  }
  for (auto id : sim.node_ids()) {
    const auto& o = *observers.at(id);
    if (o.present != model) {
      std::string seen, want;
      for (auto& [s, k] : o.present) seen += fmt::format(" {}.{}x{}", s.first, s.second, k);
      for (auto& [s, k] : model) want += fmt::format(" {}.{}", s.first, s.second);
      check.violation(fmt::format("n{} at the end sees{}; the model says{}", id, seen, want));
    }
    for (auto& [s, k] : model) {
      const auto now_received = o.received.contains(s) ? o.received.at(s) : 0;
      const auto& earlier = before_end[id];
      const auto then = earlier.contains(s) ? earlier.at(s) : 0;
      if (now_received <= then)
        check.violation(fmt::format("n{} received nothing from n{} in the last 2 s", id, s.first));
    }
    for (const auto& m : sim.status(id).members)
      if (m.state != "up" || m.incarnation != sim.incarnation(m.id))
        check.violation(fmt::format("n{} at the end has member n{} {} (incarnation {}, current {})",
                                    id, m.id, m.state, m.incarnation, sim.incarnation(m.id)));
  }

  return result_of("presence", options, sim, start, check.take());
}

}  // namespace agora::sim::detail
