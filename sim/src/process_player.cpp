#include "agora/sim/process_player.hpp"

#include <memory>
#include <optional>

#include "agora/drivers/process.hpp"
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
  for (const auto s : {process::stream::out, process::stream::err}) {
    const std::string& bytes = s == process::stream::out ? p.how.out : p.how.err;
    if (!bytes.empty()) g.send(rec("process.output", id, process::stream_symbol(s), term::bytes(bytes)));
    g.send(rec("process.output", id, process::stream_symbol(s), sym("eof")));
  }
  t.remove(p.output_pub);
  t.remove(p.process_pub, reason(p.how.exit));
  forget(t, flow);
}

void start(pturn& t, const term& flow) {
  if (t.state.running.contains(flow)) return;
  auto cmd = process::read_command(flow[1]);
  if (!cmd) return;
  const auto& c = *cmd.value;
  played p{flow, {}, {}, {}, t.state.options->script ? t.state.options->script(c.argv, c.env) : played_process{}};
  auto g = t.at_ground();
  p.output_pub = g.publish(process::output_topic(flow[0]));
  p.process_pub = g.publish(flow);
  p.timer = timer::once(t, rec("sim.process", flow), p.how.duration,
                        [flow](pturn& t, std::int64_t) { exit_process(t, flow); });
  if (t.state.options->live) (*t.state.options->live)[flow[0]] = c.env;
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
