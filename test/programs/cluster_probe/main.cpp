// agora-cluster-probe: a cluster node with a scripted role, for the tests of
// the cluster with separate processes (test/cluster_process/). Built for the
// tests only. The node part is agora-node's (same flags, same banner); the
// role replaces the presence demo (probe_roles.hpp):
//
//   agora-cluster-probe --id N --listen HOST:PORT [--advertise HOST:PORT] [--seed HOST:PORT]...
//                       --secret-file F [--config node.toml] [--log-level L]
//                       --role stream|check|idle [--count N] [--batch B] [--wait-peers P]
//                       [--payload BYTES] [--interval-ms MS] [--subscribers K] [--senders S]
//
// Prints "agora-cluster-probe N listening on HOST:PORT (incarnation I)",
// then the node's log and the role's lines. Ends on SIGTERM/SIGINT.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "agora/cluster/node.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/ground.hpp"
#include "node_config_file.hpp"
#include "node_log.hpp"
#include "probe_roles.hpp"

using namespace agora;

namespace {

/// One whole line on stdout, flushed (the role's lines come from the
/// ground's thread, the log's from wherever the libraries write).
void print_line(std::string_view line) {
  static std::mutex m;
  std::lock_guard lock(m);
  fmt::print("{}\n", line);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"agora-cluster-probe: a cluster node with a scripted role, for tests"};
  std::string config_file, log_level_name = "info", role;
  node_app::node_overrides overrides;
  std::uint64_t id = 0;
  std::string listen, advertise, secret_file;
  agora_probe::stream_options stream;
  agora_probe::check_options check;
  cli.add_option("--config", config_file, "a node.toml (docs/NODE.md)");
  cli.add_option("--id", id)->required();
  cli.add_option("--listen", listen)->required();
  cli.add_option("--advertise", advertise);
  cli.add_option("--seed", overrides.seeds)->allow_extra_args(false);
  cli.add_option("--secret-file", secret_file)->required();
  cli.add_option("--log-level", log_level_name)->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  cli.add_option("--role", role)->required()->check(CLI::IsMember({"stream", "check", "idle"}));
  std::int64_t count = 1000;
  cli.add_option("--count", count, "stream: numbers to send; check: numbers each sender sends")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}));
  cli.add_option("--batch", stream.batch, "stream: numbers per turn")->check(CLI::Range(1, 1'000'000));
  cli.add_option("--wait-peers", stream.wait_peers, "stream: other probes to see before sending")
      ->check(CLI::Range(0, 1000));
  cli.add_option("--interval-ms", stream.interval_ms, "stream: a batch every so many ms (0: back to back)")
      ->check(CLI::Range(0, 60'000));
  cli.add_option("--payload", stream.payload, "stream: bytes of padding in each message")
      ->check(CLI::Range(0, 1 << 20));
  cli.add_option("--subscribers", check.subscribers, "check: subscriber endpoints")->check(CLI::Range(1, 1000));
  cli.add_option("--senders", check.senders, "check: senders to hear to the end")->check(CLI::Range(1, 1000));
  CLI11_PARSE(cli, argc, argv);

  overrides.id = id;
  overrides.listen = listen;
  if (!advertise.empty()) overrides.advertise = advertise;
  overrides.secret_file = secret_file;
  overrides.level = node_app::parse_log_level(log_level_name);
  node_app::node_settings settings;
  try {
    settings = node_app::load_node_settings(config_file.empty() ? std::nullopt : std::optional(config_file),
                                            overrides);
  } catch (const node_app::config_error& e) {
    for (const auto& p : e.problems()) fmt::print(stderr, "agora-cluster-probe: {}\n", p);
    return 2;
  }

  const node_app::node_log log(fmt::format("agora-cluster-probe {}", id), settings.level, print_line);
  ground g(ground_config{.name = fmt::format("probe-{}", id),
                         .threads = 1,
                         .log = [log](log_level level, std::string_view line) { log.write(level, "{}", line); }});
  cluster::node node(g, settings.config);
  g.spawn(timer::driver(g));  // for paced streams
  node.on_started([&node, id](const std::string& address) {
    print_line(fmt::format("agora-cluster-probe {} listening on {} (incarnation {})", id, address,
                           node.incarnation()));
  });

  stream.id = check.id = static_cast<std::int64_t>(id);
  stream.count = check.count = count;
  if (role == "stream") return g.run(agora_probe::stream_role(stream, print_line));
  if (role == "check") return g.run(agora_probe::check_role(check, print_line));
  return g.run(agora_probe::idle_role(static_cast<std::int64_t>(id)));
}
