// agora-node's leader log: one line at info whenever the leader this node
// sees changes — "leader: node 5 (epoch E)" or "leader: none" — so that
// people, process tests and the election benchmark can follow failovers.
#pragma once

#include "agora/actor.hpp"
#include "node_log.hpp"

namespace agora::node_app {

actor_spec leader_log(node_log log);

}  // namespace agora::node_app
