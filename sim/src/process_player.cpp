#include "agora/sim/process_player.hpp"

#include <memory>
#include <optional>

#include "agora/drivers/timer.hpp"

namespace agora::sim {

namespace {

struct played {
  term flow;  // process(ID, COMMAND)
  endpoint_id process_pub, output_pub, timer;
  played_process how;
};

struct player_state {
  std::shared_ptr<const process_player_options> options;
  std::map<term, played> running;  // by process(ID, COMMAND)
};
using pturn = turn<player_state>;

std::optional<std::vector<std::string>> strings(const term& t) {
  if (!t.is_sequence()) return std::nullopt;
  std::vector<std::string> out;
  for (const term& i : t.items()) {
    if (!i.is_string()) return std::nullopt;
    out.emplace_back(i.as_string());
  }
  return out;
}

void forget(pturn& t, const term& flow) {
  if (t.state.options->live) t.state.options->live->erase(flow[0]);
  t.state.running.erase(flow);
}

void exit_process(pturn& t, const term& flow) {
  auto it = t.state.running.find(flow);
  if (it == t.state.running.end()) return;
  played& p = it->second;
  const term& id = flow[0];
  auto g = t.at_ground();
  if (!p.how.out.empty()) g.send(rec("process.output", id, sym("stdout"), term::bytes(p.how.out)));
  g.send(rec("process.output", id, sym("stdout"), sym("eof")));
  if (!p.how.err.empty()) g.send(rec("process.output", id, sym("stderr"), term::bytes(p.how.err)));
  g.send(rec("process.output", id, sym("stderr"), sym("eof")));
  t.remove(p.output_pub);
  t.remove(p.process_pub, reason(p.how.exit));
  forget(t, flow);
}

void start(pturn& t, const term& flow) {
  if (t.state.running.contains(flow)) return;
  const term& cmd = flow[1];
  if (!cmd.is_record("command", 4)) return;
  auto argv = strings(cmd[0]);
  auto env = strings(cmd[1]);
  if (!argv || !env || argv->empty()) return;
  played p{flow, {}, {}, {}, t.state.options->script ? t.state.options->script(*argv, *env) : played_process{}};
  auto g = t.at_ground();
  p.output_pub = g.publish(rec("process.output", flow[0], _, _));
  p.process_pub = g.publish(flow);
  p.timer = timer::once(t, rec("sim.process", flow), p.how.duration,
                        [flow](pturn& t, std::int64_t) { exit_process(t, flow); });
  if (t.state.options->live) (*t.state.options->live)[flow[0]] = *env;
  t.state.running.emplace(flow, std::move(p));
}

/// The owner let go: the process is killed.
void kill(pturn& t, const term& flow) {
  auto it = t.state.running.find(flow);
  if (it == t.state.running.end()) return;
  timer::cancel(t, it->second.timer, rec("sim.process", flow));
  t.remove(it->second.output_pub);
  t.remove(it->second.process_pub, reason(rec("killed", 15)));
  forget(t, flow);
}

}  // namespace

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
  for (const auto& e : env)
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
      return e.substr(name.size() + 1);
  return "";
}

actor_spec process_player(node_context&, process_player_options options) {
  auto shared = std::make_shared<const process_player_options>(std::move(options));
  return actor<player_state>{{shared, {}}, "sim.process_player"}.on_start([](pturn& t) {
    // As the process driver does: an observer of the owners' interest.
    t.at_ground().publish(rec("process", _, _),
                            {.on_presence = [](pturn& t, const presence& p) {
                               if (p.flow().is_concrete()) start(t, p.flow());
                             },
                             .on_absence = [](pturn& t, const absence& a) { kill(t, a.flow()); }},
                            interest::observer);
  });
}

}  // namespace agora::sim
