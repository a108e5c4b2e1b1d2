// One look at a running node, taken on its I/O thread (node_sampler): the
// process, the ground VM's counters, the cluster as the node sees it (with
// the leader), and the telemetry's own counters. status(...) and metrics(...)
// messages, alerts and /metrics are all made from samples.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "agora/cluster/node.hpp"
#include "agora/cluster/status.hpp"
#include "agora/vm.hpp"
#include "process_stats.hpp"

namespace agora::node_app {

class telemetry_board;
class log_relay;

struct node_sample {
  std::uint64_t id = 0, incarnation = 0;
  std::chrono::milliseconds uptime{0};
  process_stats process;
  std::size_t vms = 0;
  vm_stats ground;                  // the ground VM's counters
  cluster::cluster_status cluster;  // members, links, leader
  std::uint64_t leader_changes = 0; // leaders seen to take over (telemetry_board)
  std::uint64_t log_lines_dropped = 0;

  /// "leader" when this node leads, "follower" when another does, "member"
  /// while it sees no leader.
  std::string_view role() const noexcept;
};

/// Takes samples of one node. Call it on the node's I/O thread, inside the
/// ground VM (vm_handle::post).
class node_sampler {
 public:
  node_sampler(const cluster::node& node, std::shared_ptr<const telemetry_board> board,
               std::shared_ptr<const log_relay> relay);
  node_sample operator()(const vm& ground_vm) const;

 private:
  const cluster::node* node_;
  std::shared_ptr<const telemetry_board> board_;
  std::shared_ptr<const log_relay> relay_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace agora::node_app
