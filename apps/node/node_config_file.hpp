// agora-node's configuration: a TOML file (layout in docs/NODE.md) and the
// command-line overrides, read into an agora::cluster::node_config with its
// secret loaded and validated. Every problem is reported with where it is —
// "node.toml:7: key 'heartbeat_ms' in [timing]: ..." or "--listen: ..." —
// and all of them at once.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "agora/actors/election.hpp"
#include "agora/cluster/config.hpp"
#include "node_log.hpp"
#include "telemetry/telemetry_settings.hpp"

namespace agora::node_app {

/// What the command line sets; what it leaves unset comes from the file or
/// the defaults.
struct node_overrides {
  std::optional<std::uint64_t> id;              // --id
  std::optional<std::string> listen;            // --listen
  std::optional<std::string> advertise;         // --advertise
  std::vector<std::string> seeds;               // --seed ...: when given, replace the file's
  std::optional<std::string> secret_file;       // --secret-file
  std::optional<log_level> level;               // --log-level
  std::optional<std::size_t> cluster_size;      // --cluster-size
  bool not_candidate = false;                   // --no-candidate
  std::optional<std::string> http;              // --http
  std::optional<std::int64_t> status_interval_ms, metrics_interval_ms;  // --status-interval-ms ...
  std::optional<std::int64_t> rtt_alert_ms, rss_alert_bytes, election_alert_ms;
  std::optional<std::int64_t> slots;            // --slots
  std::optional<std::string> scratch;           // --scratch
  std::vector<std::string> interpreters;        // --allow-interpreter NAME=PATH ...: added to the file's
};

/// What the node's jobs worker may do ([jobs], docs/JOBS.md).
struct jobs_settings {
  std::int64_t slots = 0;  // parts at once; 0: the machine's cores
  std::string scratch;     // parent of the parts' scratch directories; "": $TMPDIR or /tmp, agora-node-ID-jobs
  std::map<std::string, std::string> interpreters;  // name → absolute program path; none by default
};

/// A node's settings, ready for agora::cluster::node.
struct node_settings {
  cluster::node_config config;  // the secret included
  std::string secret_file;      // where the secret was read from
  log_level level = log_level::info;
  /// The elector's settings ([election]); id and incarnation are filled in
  /// when the node starts.
  election::config election;
  telemetry_settings telemetry;
  jobs_settings jobs;
};

/// What is wrong with allowing interpreter `name` at `path` (nullopt:
/// nothing): a name of 1 to 32 letters, digits, '.', '_', '+' or '-', and
/// an absolute path to an executable file.
std::optional<std::string> interpreter_problem(std::string_view name, std::string_view path);

/// The configuration cannot be used: every problem found, one line each.
class config_error : public std::runtime_error {
 public:
  explicit config_error(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

/// Largest configuration file read.
inline constexpr std::size_t max_config_file_bytes = 1 << 20;

/// Reads the TOML file at `path` (nullopt: no file, defaults only), applies
/// `overrides`, reads the secret and validates the result. Throws
/// config_error.
node_settings load_node_settings(const std::optional<std::string>& path,
                                 const node_overrides& overrides);

/// The same for TOML text at hand: `source` names it in messages (as the
/// file's path), and relative paths in it are taken from its directory.
node_settings parse_node_settings(std::string_view toml_text, const std::string& source,
                                  const node_overrides& overrides);

}  // namespace agora::node_app
