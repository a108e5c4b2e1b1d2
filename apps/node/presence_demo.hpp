// agora-node's built-in demo service: each node publishes node(ID) at the
// cluster level and logs (at info) when another node's node(_) appears or
// disappears, with the reason. It shows presence across nodes (README), and
// process tests can wait for its lines.
#pragma once

#include <cstdint>

#include "agora/actor.hpp"
#include "node_log.hpp"

namespace agora::node_app {

/// The demo as the root actor of a node's ground; `log` says where it writes.
actor_spec presence_demo(std::uint64_t id, node_log log);

}  // namespace agora::node_app
