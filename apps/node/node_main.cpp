// agora-node: a node of an agora cluster (docs/NODE.md).
//   agora-node [--config node.toml] [--id N] [--listen HOST:PORT] [--advertise HOST:PORT]
//              [--seed HOST:PORT]... [--secret-file F] [--log-level debug|info|warn|error]
//              [--http HOST:PORT] [--status-interval-ms N] [--metrics-interval-ms N]
//              [--rtt-alert-ms N] [--rss-alert-bytes N] [--election-alert-ms N]
//              [--slots N] [--scratch DIR] [--allow-interpreter NAME=PATH]...
//   agora-node status --connect HOST:PORT --secret-file F [--json] [--watch]
//              [--interval SECONDS] [--timeout SECONDS]
//   agora-node submit --connect HOST:PORT --secret-file F --parts N [--interpreter NAME]
//              [--timeout SECONDS] [--max-attempts K] SCRIPT [-- ARGS...]
//   agora-node cancel --connect HOST:PORT --secret-file F JOB
// Exit status: 0 after SIGTERM/SIGINT (status: once answered), 1 on a
// failure while running, 2 for a usage or configuration error; submit and
// cancel: see their headers.
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "node_command.hpp"
#include "node_config_file.hpp"
#include "agora/actors/jobs.hpp"
#include "cancel_command.hpp"
#include "status_command.hpp"
#include "submit_command.hpp"

using namespace agora::node_app;

namespace {

constexpr int usage_error = 2;

std::chrono::milliseconds from_seconds(double s) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(s * 1000)));
}

/// --connect and --secret-file: what every client command needs.
void add_client_options(CLI::App& command, std::string& connect, std::string& secret_file) {
  command.add_option("--connect", connect, "HOST:PORT of a member to link through")->required();
  command.add_option("--secret-file", secret_file, "file holding the cluster's shared secret")->required();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"agora-node: a node of an agora cluster (docs/NODE.md)"};
  cli.require_subcommand(0, 1);

  std::string config_file, log_level_name;
  node_overrides overrides;
  std::uint64_t id = 0;
  std::string listen, advertise, secret_file;
  auto* config_opt = cli.add_option("--config", config_file, "the node's TOML configuration file");
  auto* id_opt = cli.add_option("--id", id, "node id (1 or more), unique in the cluster");
  auto* listen_opt =
      cli.add_option("--listen", listen, "HOST:PORT to listen on for other nodes (port 0: any)");
  auto* advertise_opt = cli.add_option(
      "--advertise", advertise,
      "HOST:PORT the other nodes reach this one at (default: the address --listen bound)");
  cli.add_option("--seed", overrides.seeds,
                 "HOST:PORT of a member to dial first (repeatable; replaces the file's seeds)")
      ->allow_extra_args(false);  // one value per --seed
  auto* secret_opt = cli.add_option("--secret-file", secret_file,
                                    "file holding the cluster's shared secret in hex (mode 600)");
  auto* level_opt =
      cli.add_option("--log-level", log_level_name, "debug, info, warn or error (default: info)")
          ->check(CLI::IsMember({"debug", "info", "warn", "error"}));
  std::size_t cluster_size = 0;
  auto* size_opt = cli.add_option("--cluster-size", cluster_size,
                                  "the configured number of members, for the election's majority guard "
                                  "(on from 3; default: the [election] setting, else 0: no guard)")
                       ->check(CLI::Range(0, 10'000));
  cli.add_flag("--no-candidate", overrides.not_candidate,
               "never stand for leader (still vote and count toward the majority)");

  std::int64_t slots = 0;
  auto* slots_opt = cli.add_option("--slots", slots, "job parts this node runs at once (default: its cores)");
  std::string scratch;
  auto* scratch_opt = cli.add_option("--scratch", scratch, "where parts get their scratch directories");
  cli.add_option("--allow-interpreter", overrides.interpreters,
                 "NAME=PATH: jobs asking for NAME run with PATH (repeatable; none by default)")
      ->allow_extra_args(false);

  std::string http;
  auto* http_opt = cli.add_option("--http", http, "HOST:PORT to serve /metrics and /status on (port 0: any)");
  std::int64_t status_ms = 0, metrics_ms = 0, rtt_ms = 0, rss_bytes = 0, election_ms = 0;
  auto* status_ms_opt = cli.add_option("--status-interval-ms", status_ms, "publish status(NODE, ...) this often (default 1000)");
  auto* metrics_ms_opt = cli.add_option("--metrics-interval-ms", metrics_ms, "publish metrics(NODE, ...) this often (default 5000)");
  auto* rtt_opt = cli.add_option("--rtt-alert-ms", rtt_ms, "alert when a link's round trip exceeds this (default 250)");
  auto* rss_opt = cli.add_option("--rss-alert-bytes", rss_bytes, "alert when resident memory exceeds this (default 1 GiB; 0: never)");
  auto* election_opt = cli.add_option("--election-alert-ms", election_ms, "alert when the cluster has no leader this long (default 2000)");

  status_options status;
  double interval_s = 1, timeout_s = 5;
  auto* status_cmd =
      cli.add_subcommand("status", "ask a running node for the cluster as it sees it, and print it");
  add_client_options(*status_cmd, status.connect, status.secret_file);
  status_cmd->add_flag("--json", status.json, "print one line of JSON per answer");
  status_cmd->add_flag("--watch", status.watch,
                       "redraw live (plain repeated output when not a terminal) until SIGINT");
  status_cmd->add_option("--interval", interval_s, "seconds between redraws with --watch")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));
  status_cmd->add_option("--timeout", timeout_s, "seconds to wait for the first answer")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 3600.0));

  submit_options submit;
  auto* submit_cmd = cli.add_subcommand("submit", "submit a script as a job of N parts and print each part's result");
  add_client_options(*submit_cmd, submit.connect, submit.secret_file);
  submit_cmd->add_option("--parts", submit.parts, "how many parts (AGORA_PART is 0 to N-1)")
      ->required()
      ->check(CLI::Range(std::int64_t{1}, agora::jobs::max_parts));
  submit_cmd->add_option("--interpreter", submit.interpreter,
                         "the interpreter a node runs it with, as the nodes name it (default: from #! or the extension)");
  submit_cmd->add_option("--timeout", submit.timeout_s, "seconds a part may run (default: no limit)")
      ->check(CLI::Range(0.0, 31'536'000.0));
  submit_cmd->add_option("--max-attempts", submit.max_attempts, "attempts per part before the job fails")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  submit_cmd->add_option("--max-output", submit.max_output, "bytes of stdout a part may print")
      ->capture_default_str()
      ->check(CLI::Range(std::int64_t{1}, agora::jobs::max_output_limit));
  submit_cmd->add_option("--wait", submit.wait_s, "seconds to wait for the cluster and its leader")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  submit_cmd->add_option("script", submit.script, "the script (its content travels with the job)")->required();
  submit_cmd->add_option("args", submit.args, "arguments after --, passed to every part");

  cancel_options cancel;
  auto* cancel_cmd = cli.add_subcommand("cancel", "cancel a job everywhere");
  add_client_options(*cancel_cmd, cancel.connect, cancel.secret_file);
  cancel_cmd->add_option("--wait", cancel.wait_s, "seconds to find the job and see it go")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cancel_cmd->add_option("job", cancel.job, "the job's id (submit prints it)")->required();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = cli.exit(e);  // prints the help, or the error
    return code == 0 ? 0 : usage_error;
  }

  try {
    if (submit_cmd->parsed()) return run_submit(submit);
    if (cancel_cmd->parsed()) return run_cancel(cancel);
    if (status_cmd->parsed()) {
      status.interval = from_seconds(interval_s);
      status.timeout = from_seconds(timeout_s);
      return run_status(status);
    }

    if (*id_opt) overrides.id = id;
    if (*listen_opt) overrides.listen = listen;
    if (*advertise_opt) overrides.advertise = advertise;
    if (*secret_opt) overrides.secret_file = secret_file;
    if (*level_opt) overrides.level = parse_log_level(log_level_name);
    if (*size_opt) overrides.cluster_size = cluster_size;
    if (*http_opt) overrides.http = http;
    if (*slots_opt) overrides.slots = slots;
    if (*scratch_opt) overrides.scratch = scratch;
    if (*status_ms_opt) overrides.status_interval_ms = status_ms;
    if (*metrics_ms_opt) overrides.metrics_interval_ms = metrics_ms;
    if (*rtt_opt) overrides.rtt_alert_ms = rtt_ms;
    if (*rss_opt) overrides.rss_alert_bytes = rss_bytes;
    if (*election_opt) overrides.election_alert_ms = election_ms;
    node_settings settings;
    try {
      settings = load_node_settings(*config_opt ? std::optional(config_file) : std::nullopt, overrides);
    } catch (const config_error& e) {
      for (const auto& p : e.problems()) fmt::print(stderr, "agora-node: {}\n", p);
      return usage_error;
    }
    return run_node(settings);
  } catch (const std::exception& e) {
    fmt::print(stderr, "agora-node: {}\n", e.what());
    return 1;
  }
}
