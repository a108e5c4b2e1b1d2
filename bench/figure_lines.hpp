// Reading a child program of the cluster benchmark: a line it prints to say
// it is ready, and the figure lines it prints when done (baseline_figures.hpp).
// For the baselines, and for agora's own client process alike.
#pragma once

#include <chrono>
#include <string>

#include "child_process.hpp"
#include "cluster_baselines.hpp"

namespace agora_bench {

/// Reads lines from `child` until one starts with `prefix`; the rest of
/// that line. Throws, naming `what`, if none comes within `timeout`.
std::string expect_line(agora_apps::child_process& child, const std::string& what, const std::string& prefix,
                        std::chrono::milliseconds timeout);

/// The figures `client` prints when it is done (msgs_per_s, rtt_p50_us,
/// rtt_p99_us, one per line; other lines are skipped). Throws, naming
/// `what`, if it ends or they do not all come within `timeout`.
baseline_figures read_figures(agora_apps::child_process& client, const std::string& what,
                              std::chrono::milliseconds timeout);

}  // namespace agora_bench
