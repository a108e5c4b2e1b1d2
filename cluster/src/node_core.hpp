// The node core: everything a cluster node does between its transport and
// its replica, without I/O of its own — handshakes and authentication,
// sessions (sequence numbers, MACs), heartbeats and failure detection,
// membership and dialing, link counters, orderly leave.
//
// It is driven by calls: transport events, tick(now) from a periodic timer,
// the ground's batches (through replica()), and leave(). It acts through
// its transport and its environment (clock, randomness, log). Production
// wires it to Boost.Asio and OpenSSL (node.cpp); the simulation to an
// in-memory network and a virtual clock: same code, same decisions.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "agora/cluster/config.hpp"
#include "agora/cluster/status.hpp"
#include "agora/cluster/transport.hpp"
#include "agora/log.hpp"
#include "op.hpp"
#include "wire.hpp"
#include "replica.hpp"

namespace agora::cluster {

using clock = std::chrono::steady_clock;

/// What the node core needs from the world besides its transport.
class node_env {
 public:
  virtual clock::time_point now() = 0;
  virtual void random_bytes(std::span<std::byte> out) = 0;
  virtual void log(log_level level, std::string_view line) = 0;
  /// A client's status request was answered (agora-node status).
  virtual void on_status(const cluster_status&) {}
  /// This member answers a client's status request with `s`: what the
  /// services above the node know goes in (the leader, members' telemetry).
  virtual void complete_status(cluster_status& s) { (void)s; }
  /// Links are congested (a send queue above send_queue_high: the ground
  /// is held) or no longer.
  virtual void on_congestion(bool) {}

 protected:
  ~node_env() = default;
};

class node_core final : public transport_events, private replica_output {
 public:
  /// `incarnation`: this process's (microseconds since the epoch at start).
  node_core(node_config config, std::uint64_t incarnation, transport& net, node_env& env);
  ~node_core();
  node_core(const node_core&) = delete;
  node_core& operator=(const node_core&) = delete;

  /// Listens (members) and dials the seeds. Returns the bound address (the
  /// peers are told config.advertise instead, when set).
  std::string start();
  /// Called periodically (every tick_period()): heartbeats, deadlines,
  /// handshake timeouts, dialing. A late call is taken as local lag.
  void tick();
  clock::duration tick_period() const;
  /// Orderly leave: bye(why) on every link, then close them (flushing).
  void leave(const term& why);

  /// The cluster level of this node, for its ground (or a simulated root
  /// VM): the ground's batches go to the replica and out to the links at
  /// once; stop() leaves the cluster in order (bye(shutdown)).
  upper_level& ground_side() noexcept { return *ground_side_; }
  const replica& level() const noexcept { return *replica_; }

  /// A client asks the member its seed led to (another one it links to
  /// while that one is away) for the cluster as seen there; the answer
  /// comes to node_env::on_status.
  void request_status();

  cluster_status status() const;
  std::uint64_t id() const noexcept { return config_.id; }
  std::uint64_t incarnation() const noexcept { return incarnation_; }
  bool congested() const noexcept { return congested_; }

  // transport_events
  void on_accepted(conn_id c, const std::string& peer) override;
  void on_connected(conn_id c) override;
  void on_frame(conn_id c, std::span<const std::byte> frame) override;
  void on_sent(conn_id c, std::size_t queued) override;
  void on_closed(conn_id c, const term& why) override;

 private:
  struct link;
  struct member;
  class ground_link;

  // replica_output: the replica's traffic for a peer
  void declare_to(peer_key p, const endpoint_decl& d) override;
  void withdraw_to(peer_key p, std::uint64_t handle, const term& why) override;
  void message_to(peer_key p, const term& body, bool feedback) override;

  link* find(conn_id c);
  link* by_peer(peer_key p);
  node_identity identity() const;

  // handshake and session
  void handshake_frame(link& l, std::span<const std::byte> frame);
  std::optional<std::string> admit(const link& l, std::uint64_t peer_id, std::uint64_t peer_inc,
                                   bool client, const std::string& peer_address);
  void link_up(link& l);
  void session_frame(link& l, std::span<const std::byte> frame);
  void apply_ops(link& l, std::span<const std::byte> payload);
  void apply(link& l, ops::welcome& o);
  void apply(link& l, ops::refuse& o);
  void apply(link& l, ops::members& o);
  void apply(link& l, ops::declare& o);
  void apply(link& l, ops::withdraw& o);
  void apply(link& l, ops::msg& o);
  void apply(link& l, ops::fb& o);
  void apply(link& l, ops::ack& o);
  void apply(link& l, ops::ping& o);
  void apply(link& l, ops::pong& o);
  void apply(link& l, ops::bye& o);
  void apply(link& l, ops::status_req& o);
  void apply(link& l, ops::status& o);

  // links and members
  /// The peer of up link l is gone: its endpoints are withdrawn with
  /// `endpoints_why`, its member entry says `member_reason`.
  void lose_peer(link& l, const term& endpoints_why, const std::string& member_reason);
  /// Ends link l (closing its connection); if it was up, its peer is lost.
  void drop(link& l, const term& why, std::string_view log_line);
  /// The connection is gone: its link is forgotten, redials are scheduled.
  void forget(conn_id c);
  clock::duration jittered(clock::duration d);
  /// A member a peer told of (its id, incarnation, state and address).
  void learn(const member_info& m);
  std::vector<member_info> member_list() const;
  void gossip_member(const member& m);
  void dial_due();
  /// A failed handshake (detected here or refused by the peer), counted
  /// over a minute by the peer's host (accepted) or the address dialed;
  /// returns the count so far. Past failed_handshakes_per_minute that
  /// host's connections are closed at once, and that address not dialed.
  unsigned count_failed_handshake(const link& l);
  /// What the log line at the limit adds.
  std::string limit_note(const link& l, unsigned count) const;
  void note_failed_handshake(const link& l, std::string_view why);
  /// Below the limit of failed handshakes for this host or address.
  bool handshake_allowed(const std::string& key);

  // output
  /// Starts the session frame being built for l.
  void begin_frame(link& l);
  /// Appends an op to the session frame being built for l.
  void put(link& l, const op& o);
  void send_raw(link& l, std::vector<std::byte> wire);
  void flush();
  void flush(link& l);
  void check_congestion();
  /// Link l's send queue holds `queued` bytes now.
  void note_queue(link& l, std::size_t queued);
  /// Why l's peer is too slow (its send queue above send_queue_max, or above
  /// send_queue_high for longer than too_slow_after), if it is.
  std::optional<std::string> too_slow(const link& l);
  void log(log_level level, std::string line);

  node_config config_;
  const std::uint64_t incarnation_;
  transport& net_;
  node_env& env_;
  std::shared_ptr<replica> replica_;
  std::unique_ptr<upper_level> ground_side_;
  root_port* root_ = nullptr;  // the ground's, between its start and stop
  std::string address_;     // bound listening address
  std::string advertised_;  // where peers reach us (config_.advertise, or address_)

  std::map<conn_id, std::unique_ptr<link>> links_;
  std::map<std::uint64_t, member> members_;  // by id, this node excluded
  struct seed_state;
  std::vector<seed_state> seeds_;
  std::unordered_map<std::string, std::pair<clock::time_point, unsigned>> failed_;  // by host (accepted) or address (dialed)
  peer_key next_peer_ = 1;
  clock::time_point last_tick_{};
  bool started_ = false;
  bool leaving_ = false;
  bool congested_ = false;
  bool status_wanted_ = false;
  std::uint64_t status_peer_ = 0;  // client: the member its seed led to, asked for status
  std::uint64_t status_tag_ = 0;
};

}  // namespace agora::cluster
