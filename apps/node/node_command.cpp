#include "node_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

#include "agora/actors/election.hpp"
#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "leader_log.hpp"
#include "presence_demo.hpp"

namespace agora::node_app {

namespace {

/// The settings in force, for the debug log (the secret by its size only).
std::string describe(const node_settings& s) {
  const auto& c = s.config;
  return fmt::format(
      "cluster '{}', listen {}, advertise {}, seeds [{}], secret from {} ({} bytes), heartbeat {} ms, deadline {} "
      "ms, handshake timeout {} ms, reconnect {}..{} ms, max frame {} bytes, send queue {}/{} bytes, "
      "too slow after {} ms, allow [{}], failed handshakes per minute {}, tls {}",
      c.cluster, c.listen, c.advertise.empty() ? "(the address bound)" : c.advertise, fmt::join(c.seeds, ", "), s.secret_file, c.secret.size(), c.heartbeat.count(),
      c.deadline.count(), c.handshake_timeout.count(), c.reconnect_min.count(), c.reconnect_max.count(),
      c.max_frame, c.send_queue_high, c.send_queue_max, c.too_slow_after.count(), fmt::join(c.allow, ", "),
      c.failed_handshakes_per_minute, c.tls.enabled ? "on" : "off");
}

}  // namespace

int run_node(const node_settings& settings) {
  const std::uint64_t id = settings.config.id;
  const node_log log(fmt::format("agora-node {}", id), settings.level);
  log.debug("{}", describe(settings));

  // The libraries' lines (the cluster node's among them) go the same way,
  // at their own level.
  ground g(ground_config{.name = fmt::format("agora-node-{}", id),
                         .log = [log](log_level level, std::string_view line) {
                           log.write(level, "{}", line);
                         }});
  std::unique_ptr<cluster::node> node;
  try {
    node = std::make_unique<cluster::node>(g, settings.config);
  } catch (const std::invalid_argument& e) {  // the node's own check of the configuration
    fmt::print(stderr, "agora-node: {}\n", e.what());
    return 2;
  }
  node->on_started([&node = *node, id](const std::string& address) {
    fmt::print("agora-node {} listening on {} (incarnation {})\n", id, address, node.incarnation());
    std::fflush(stdout);
  });
  g.spawn(timer::driver(g));
  // Every member stands in elections (a client, agora-node status, never).
  auto elect = settings.election;
  elect.id = id;
  elect.incarnation = node->incarnation();
  g.spawn(election::elector(elect, [log](const election::state& s) {
    log.debug("election: {} in epoch {} (newest known {}){}", election::to_string(s.role), s.epoch,
              s.newest_epoch, s.role == election::role::leader && !s.acting ? ", not acting" : "");
  }));
  g.spawn(leader_log(log));
  return g.run(presence_demo(id, log));
}

}  // namespace agora::node_app
