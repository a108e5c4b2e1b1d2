// agora-node's telemetry settings: how often a node publishes its status and
// metrics at the cluster level, when it raises alerts, which of its log
// lines it publishes, and where it serves HTTP (docs/NODE.md, [telemetry]).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "agora/log.hpp"

namespace agora::node_app {

struct telemetry_settings {
  std::chrono::milliseconds status_interval{1000};   // status(NODE, FIELDS)
  std::chrono::milliseconds metrics_interval{5000};  // metrics(NODE, METRICS)
  std::chrono::milliseconds rtt_alert{250};          // a link slower than this: alert
  std::uint64_t rss_alert_bytes = std::uint64_t{1} << 30;  // resident memory above: alert; 0: never
  std::chrono::milliseconds election_alert{2000};    // no leader for longer than this: alert
  log_level log_threshold = log_level::warn;         // the lowest level published as log(...)
  unsigned log_lines_per_second = 20;                // beyond, lines are counted and dropped
  std::string http;                                  // HOST:PORT for /metrics and /status; "": none
};

struct host_port {
  std::string host;  // without brackets
  std::uint16_t port = 0;
};

/// "HOST:PORT" (an IPv6 host in brackets), port 0 to 65535; nullopt when it
/// is not.
std::optional<host_port> parse_host_port(std::string_view text);

}  // namespace agora::node_app
