// `agora-node status` for people: each member's telemetry (the status(...)
// fields the answering node has) as a table, like top's.
#pragma once

#include <string>

#include "agora/cluster/status.hpp"

namespace agora::node_app {

/// "" when no member has telemetry.
std::string telemetry_table(const cluster::cluster_status& s);

}  // namespace agora::node_app
