#include "node_sample.hpp"

#include "log_relay.hpp"
#include "telemetry_board.hpp"

namespace agora::node_app {

std::string_view node_sample::role() const noexcept {
  if (!cluster.leader) return "member";
  return cluster.leader->id == id ? "leader" : "follower";
}

node_sampler::node_sampler(const cluster::node& node, std::shared_ptr<const telemetry_board> board,
                           std::shared_ptr<const log_relay> relay)
    : node_(&node), board_(std::move(board)), relay_(std::move(relay)), start_(std::chrono::steady_clock::now()) {}

node_sample node_sampler::operator()(const vm& ground_vm) const {
  node_sample s;
  s.cluster = node_->status_now();  // completed with the board's leader and telemetry
  s.id = s.cluster.node;
  s.incarnation = node_->incarnation();
  s.uptime = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start_);
  s.process = read_process_stats();
  s.vms = ground_vm.vm_count();
  s.ground = ground_vm.stats();
  s.leader_changes = board_ ? board_->leader_changes() : 0;
  s.log_lines_dropped = relay_ ? relay_->dropped() : 0;
  return s;
}

}  // namespace agora::node_app
