// `agora-node [--config F] [overrides]`: runs a cluster node until SIGTERM
// or SIGINT.
#pragma once

#include "node_config_file.hpp"

namespace agora::node_app {

/// Runs the node: a ground with agora::cluster::node attached, the timer
/// driver and the presence demo; prints "agora-node N listening on ADDR
/// (incarnation I)" once it listens. Returns the exit code (2 when the node
/// refuses the configuration).
int run_node(const node_settings& settings);

}  // namespace agora::node_app
