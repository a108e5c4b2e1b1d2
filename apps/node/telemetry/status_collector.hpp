// The ground actor that keeps a node's telemetry board: the latest
// status(NODE, FIELDS) of every member (forgotten when its publisher goes)
// and the leader it sees (election::on_leader). With it, the node's answer
// to a status request tells of every member and of the leader.
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "telemetry_board.hpp"

namespace agora::node_app {

actor_spec status_collector(std::shared_ptr<telemetry_board> board);

}  // namespace agora::node_app
