#include "node_command.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <thread>
#include <future>
#include <memory>
#include <stdexcept>

#include "agora/actors/election.hpp"
#include "agora/actors/jobs.hpp"
#include "agora/drivers/process.hpp"
#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "leader_log.hpp"
#include "presence_demo.hpp"
#include "telemetry/http_endpoint.hpp"
#include "telemetry/log_relay.hpp"
#include "telemetry/metric_set.hpp"
#include "telemetry/node_sample.hpp"
#include "telemetry/status_collector.hpp"
#include "telemetry/telemetry_board.hpp"
#include "telemetry/telemetry_publisher.hpp"

namespace agora::node_app {

namespace {

/// The settings in force, for the debug log (the secret by its size only).
std::string describe(const node_settings& s) {
  const auto& c = s.config;
  return fmt::format(
      "cluster '{}', listen {}, advertise {}, seeds [{}], secret from {} ({} bytes), heartbeat {} ms, deadline {} "
      "ms, handshake timeout {} ms, reconnect {}..{} ms, max frame {} bytes, send queue {}/{} bytes, "
      "too slow after {} ms, allow [{}], failed handshakes per minute {}, tls {}; telemetry: status every {} ms, "
      "metrics every {} ms, alerts above rtt {} ms / rss {} bytes / election {} ms, log lines from {} at {}/s, http {}",
      c.cluster, c.listen, c.advertise.empty() ? "(the address bound)" : c.advertise, fmt::join(c.seeds, ", "), s.secret_file, c.secret.size(), c.heartbeat.count(),
      c.deadline.count(), c.handshake_timeout.count(), c.reconnect_min.count(), c.reconnect_max.count(),
      c.max_frame, c.send_queue_high, c.send_queue_max, c.too_slow_after.count(), fmt::join(c.allow, ", "),
      c.failed_handshakes_per_minute, c.tls.enabled ? "on" : "off", s.telemetry.status_interval.count(),
      s.telemetry.metrics_interval.count(), s.telemetry.rtt_alert.count(), s.telemetry.rss_alert_bytes,
      s.telemetry.election_alert.count(), to_string(s.telemetry.log_threshold), s.telemetry.log_lines_per_second,
      s.telemetry.http.empty() ? "off" : s.telemetry.http);
}

/// Runs f inside the ground VM; false when the ground does not run.
bool in_ground_vm(ground& g, std::function<void(vm&)> f) {
  const auto h = g.handle();
  if (!h) return false;
  h.post(std::move(f));
  return true;
}

/// What the HTTP port serves, each answer fetched from the I/O thread.
http_endpoint::sources http_sources(ground& g, const cluster::node& node, const node_sampler& sample) {
  using namespace std::chrono_literals;
  return {.metrics =
              [&g, sample]() -> std::optional<std::string> {
                auto answer = std::make_shared<std::promise<std::string>>();
                auto result = answer->get_future();
                if (!in_ground_vm(g, [answer, sample](vm& v) { answer->set_value(to_prometheus(metrics_of(sample(v)))); }))
                  return std::nullopt;
                if (result.wait_for(2s) != std::future_status::ready) return std::nullopt;
                try {
                  return result.get();
                } catch (const std::exception&) {  // never answered: the VM stopped
                  return std::nullopt;
                }
              },
          .status = [&node]() -> std::optional<std::string> {
            auto s = node.status();
            if (s.node == 0) return std::nullopt;  // no answer from the I/O thread
            return cluster::to_json(s) + "\n";
          }};
}

/// The worker's settings from [jobs]: the machine's cores as slots unless
/// set, a scratch directory per node, the node's own environment's PATH.
jobs::worker_config worker_settings(const node_settings& s, std::uint64_t id, const node_log& log) {
  jobs::worker_config w;
  w.node = id;
  w.slots = s.jobs.slots > 0 ? s.jobs.slots : std::max<std::int64_t>(1, std::thread::hardware_concurrency());
  w.interpreters = s.jobs.interpreters;
  if (!s.jobs.scratch.empty()) {
    w.scratch_root = s.jobs.scratch;
  } else {
    const char* tmp = std::getenv("TMPDIR");
    w.scratch_root = fmt::format("{}/agora-node-{}-jobs", tmp && *tmp ? tmp : "/tmp", id);
  }
  for (const char* name : {"PATH", "LANG", "LC_ALL", "TZ"})
    if (const char* v = std::getenv(name)) w.environment.push_back(fmt::format("{}={}", name, v));
  w.log = [log](log_level level, std::string_view line) { log.write(level, "{}", line); };
  return w;
}

std::vector<cluster::job_status> job_statuses(const std::vector<jobs::job_summary>& view) {
  std::vector<cluster::job_status> out;
  for (const auto& j : view) {
    cluster::job_status s{j.id, j.parts, j.done, {}, j.state};
    for (const auto& [node, count] : j.running) s.running.emplace_back(node, count);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

int run_node(const node_settings& settings) {
  const std::uint64_t id = settings.config.id;
  const auto& telemetry = settings.telemetry;
  // Log lines on their way to log(NODE, LEVEL, TEXT) messages.
  auto relay = std::make_shared<log_relay>(telemetry.log_threshold, telemetry.log_lines_per_second);
  const node_log log(fmt::format("agora-node {}", id), settings.level, {},
                     [relay](log_level level, std::string_view text) { relay->offer(level, text); });
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
  auto board = std::make_shared<telemetry_board>();
  node->complete_status([board](cluster::cluster_status& s) { board->complete(s); });
  const node_sampler sampler(*node, board, relay);
  std::unique_ptr<http_endpoint> http;  // goes before the node and the ground

  node->on_started([&, id](const std::string& address) {
    fmt::print("agora-node {} listening on {} (incarnation {})\n", id, address, node->incarnation());
    if (!telemetry.http.empty()) {
      try {
        http = std::make_unique<http_endpoint>(*parse_host_port(telemetry.http), http_sources(g, *node, sampler));
        fmt::print("agora-node {} serving HTTP on {} (/metrics, /status)\n", id, http->address());
      } catch (const std::exception& e) {
        fmt::print(stderr, "agora-node: --http: {}\n", e.what());
        g.shutdown(2);
      }
    }
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
  g.spawn(process::driver(g));
  g.spawn(jobs::worker(worker_settings(settings, id, log)));
  g.spawn(jobs::scheduler({.node = id,
                           .on_view = [board](const std::vector<jobs::job_summary>& view) {
                             board->set_jobs(job_statuses(view));
                           },
                           .log = [log](log_level level, std::string_view line) { log.write(level, "{}", line); }}));
  g.spawn(status_collector(board));
  g.spawn(telemetry_publisher(
      id, telemetry, [&g](std::function<void(vm&)> f) { in_ground_vm(g, std::move(f)); }, sampler, relay));
  const int code = g.run(presence_demo(id, log));
  http.reset();
  return code;
}

}  // namespace agora::node_app
