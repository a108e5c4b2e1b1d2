// The `presence` scenario: every node runs a probe that publishes
// seq(ID, INCARNATION, _) at the cluster level, subscribes to seq(_, _, _)
// and every 50 ms streams seq(ID, INCARNATION, N), N = 1, 2, ...; the
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
#include "scenarios.hpp"

namespace agora::sim::detail {

namespace {

constexpr auto emit_period = 50ms;
constexpr int per_emit = 2;
/// After the last fault: enough for redials (backoff up to 5 s), deadlines
/// and handshakes.
constexpr auto settle_time = std::chrono::milliseconds(12'000);

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
  if (options.nodes < 1 || options.nodes > 64)
    throw std::invalid_argument("presence: --nodes must be in 1..64");
  if (options.duration < settle_time + 3s)
    throw std::invalid_argument(fmt::format(
        "presence: --seconds must be at least {} (faults need time, and {} s to settle after)",
        std::chrono::duration_cast<std::chrono::seconds>(settle_time + 3s).count(),
        std::chrono::duration_cast<std::chrono::seconds>(settle_time).count()));

  simulation sim({.seed = options.seed, .trace = options.trace, .trace_turns = options.trace_turns});
  checker check([&sim](std::string_view line) { sim.note(line); });
  std::map<std::uint64_t, std::unique_ptr<observer>> observers;  // by node, current incarnation

  // Every node is configured with all the others as seeds (as a static
  // cluster would be), so that any one of them, restarted after an orderly
  // stop, finds its way back.
  auto all_seeds = [&options](cluster::node_config& c) {
    c.seeds.clear();
    for (std::uint64_t other = 1; other <= options.nodes; ++other)
      if (other != c.id) c.seeds.push_back(simulation::address_of(other));
  };
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
        all_seeds);

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

  scenario_result r;
  r.scenario = "presence";
  r.seed = options.seed;
  r.nodes = options.nodes;
  r.simulated_s = std::chrono::duration<double>(sim.now() - start).count();
  r.events = sim.events();
  r.trace_hash = sim.trace_hash();
  r.violations = check.take();
  return r;
}

}  // namespace agora::sim::detail
