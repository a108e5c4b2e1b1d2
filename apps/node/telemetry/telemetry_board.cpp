#include "telemetry_board.hpp"

namespace agora::node_app {

void telemetry_board::set_status(std::uint64_t node, term fields) {
  std::lock_guard lock(mutex_);
  statuses_[node] = std::move(fields);
}

void telemetry_board::forget(std::uint64_t node) {
  std::lock_guard lock(mutex_);
  statuses_.erase(node);
}

void telemetry_board::set_leader(std::optional<cluster::leader_status> leader) {
  std::lock_guard lock(mutex_);
  if (leader && leader != leader_) ++leader_changes_;
  leader_ = leader;
}

void telemetry_board::set_jobs(std::vector<cluster::job_status> jobs) {
  std::lock_guard lock(mutex_);
  jobs_ = std::move(jobs);
}

std::optional<cluster::leader_status> telemetry_board::leader() const {
  std::lock_guard lock(mutex_);
  return leader_;
}

std::uint64_t telemetry_board::leader_changes() const {
  std::lock_guard lock(mutex_);
  return leader_changes_;
}

void telemetry_board::complete(cluster::cluster_status& s) const {
  std::lock_guard lock(mutex_);
  s.leader = leader_;
  s.jobs = jobs_;
  for (auto& m : s.members)
    if (auto it = statuses_.find(m.id); it != statuses_.end()) m.telemetry = it->second;
}

}  // namespace agora::node_app
