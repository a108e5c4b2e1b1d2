// agora::cluster::node — a cluster node on a ground: the cluster level above
// the ground VM, its links to the other nodes over TCP (optionally TLS),
// heartbeats and membership. Attach it before the ground runs:
//
//   agora::ground g;
//   agora::cluster::node n(g, config);     // the cluster level of this ground
//   g.spawn(agora::timer::driver(g));
//   return g.run(app);                     // actors reach it with t.at_cluster()
//
// When the ground shuts down (SIGTERM, SIGINT), its actors' endpoints are
// withdrawn with reason `shutdown`, then the node says bye to its peers and
// closes its links: peers see `shutdown`, not node_lost.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agora/cluster/config.hpp"
#include "agora/cluster/status.hpp"
#include "agora/ground.hpp"

namespace agora::cluster {

class node {
 public:
  /// Checks `config` (std::invalid_argument listing every problem) and
  /// attaches the cluster level to `g`; the node starts with g.run().
  node(ground& g, node_config config);
  ~node();
  node(const node&) = delete;
  node& operator=(const node&) = delete;

  /// Called on the I/O thread once the node listens (with the address
  /// bound; "" for a client) — before any link is made.
  void on_started(std::function<void(const std::string& address)> f);
  /// A client's answer to request_status() (on the I/O thread).
  void on_status(std::function<void(const cluster_status&)> f);
  /// Client: asks the member it links to for the cluster as it sees it.
  void request_status();

  /// Called on the I/O thread whenever this node reports its status (a
  /// client's request, status(), status_now()), to add what the services
  /// above it know: the leader it sees, the members' telemetry.
  void complete_status(std::function<void(cluster_status&)> f);

  /// The cluster as this node sees it. From any thread but the I/O thread
  /// while the ground runs (waits for the I/O thread); empty before. Never
  /// from a ground actor's turn: use status_now() there.
  cluster_status status() const;
  /// The same at once, on the I/O thread (a turn of a ground actor, a
  /// callback of this node); std::logic_error on any other thread.
  cluster_status status_now() const;
  std::uint64_t incarnation() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace agora::cluster
