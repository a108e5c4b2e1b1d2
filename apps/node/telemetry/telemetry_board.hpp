// What a node knows from the other nodes' telemetry: each member's latest
// status(NODE, FIELDS), the leader it sees and the jobs. The status collector writes
// it in its turns; the cluster node reads it on the I/O thread when it
// reports its status (cluster::node::complete_status); a lock keeps the two
// apart should the I/O context ever run on more than one thread.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "agora/cluster/status.hpp"
#include "agora/term.hpp"

namespace agora::node_app {

class telemetry_board {
 public:
  void set_status(std::uint64_t node, term fields);
  void forget(std::uint64_t node);
  void set_leader(std::optional<cluster::leader_status> leader);
  /// The jobs as this node's scheduler sees them.
  void set_jobs(std::vector<cluster::job_status> jobs);

  std::optional<cluster::leader_status> leader() const;
  /// How many times a leader took over (a new id or epoch), since start.
  std::uint64_t leader_changes() const;
  /// Fills in the leader, each member's telemetry and the jobs.
  void complete(cluster::cluster_status& s) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::uint64_t, term> statuses_;
  std::optional<cluster::leader_status> leader_;
  std::vector<cluster::job_status> jobs_;
  std::uint64_t leader_changes_ = 0;
};

}  // namespace agora::node_app
