// Leader election driven by presence: Bully's preference (the highest live
// node id leads), with epochs, votes, a lease and damping.
//
// Every member node runs one elector in its ground VM (agora-node does).
// Electors meet at the cluster level:
//
//   elector(ID, FLOOR, CANDIDATE)
//                          each elector publishes it: who votes (and, with
//                          CANDIDATE = true, can lead), whose loss
//                          (node_lost) starts an election, and the lowest
//                          epoch it will vote for (its incarnation)
//   leader(ID, EPOCH)      the acting leader asserts it; anyone can watch
//                          it (on_leader below)
//   vote_request(C, E)     Bully's "election": candidate C asks for epoch E
//   vote(V, C, E, GRANTED, NEWEST)
//                          a voter's answer; a refusal from a higher node
//                          is Bully's "OK"; NEWEST is the newest epoch the
//                          voter knows
//   lease(L, E, TICK) / lease_ack(V, L, E, TICK)
//                          the leader's renewals; a node that knows a newer
//                          epoch someone was granted votes in or led (not
//                          one it only stood for itself) answers
//                          stale_epoch(V, L, E, NEWEST) and the leader
//                          steps down; a candidate above E neither
//                          acknowledges nor refuses
//   step_down(H, E)        a higher node, connected and stable for
//                          stable_after, asks the leader of epoch E to make
//                          way (with preempt = true)
//
// The rules:
//  * A node stands for election when it sees no leader, is the highest
//    elector it sees, and (with the quorum guard) sees a majority of the
//    configured cluster size. Its epoch is one more than any it has seen,
//    the electors' floors included.
//  * Nodes keep nothing on disk: an elector starts knowing only its floor,
//    its incarnation. As incarnations grow with the wall clock, an epoch
//    chosen after a restart is above every epoch used before it (as long
//    as the nodes' clocks roughly agree), so memory lost in a restart does
//    not let two leaders share an epoch.
//  * A voter grants one vote per epoch, only for an epoch newer than any it
//    knows, only while it sees no other leader and no elector higher than
//    the candidate. A candidate wins with a majority of the configured size
//    (guard on) or with every elector it sees (guard off); a refusal
//    telling of a newer epoch makes it stand again above that epoch.
//  * The leader acts only while a majority acknowledged a renewal within the
//    lease (guard on); it steps down when the lease runs out, when it
//    learns of a newer epoch (stale_epoch), when a leader with a newer
//    epoch (or the same epoch and a higher id) is present, or when a higher
//    stable node asks it to.
//  * Because a silent node is declared lost only after the cluster's
//    deadline, and the lease is shorter than the deadline minus a renewal,
//    an old leader cut off from the majority has stopped acting before the
//    majority can elect another: with the guard there is at most one acting
//    leader at any instant, and at most one leader per epoch.
//  * Without the guard (a two-node cluster, or quorum = false), a partition
//    gives each side its own leader; when it heals, the one with the older
//    epoch (on a tie, the lower id) steps down.
//
// Time is counted in renewal ticks of the timer driver (which coalesces
// late periods), so the elector reads no clock: it runs the same in
// production and in the simulation.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/term.hpp"

namespace agora::election {

struct config {
  std::uint64_t id = 0;              // this node's id (a member, >= 1)
  /// This node's incarnation (cluster::node::incarnation(): microseconds
  /// since the Unix epoch when the process started). Epochs never go below
  /// an elector's incarnation, so a node that lost its memory in a restart
  /// cannot vote again, or lead, in an epoch that was used before it.
  std::uint64_t incarnation = 0;
  std::size_t cluster_size = 0;      // the configured number of members; 0: unknown
  /// The majority guard; default: on when cluster_size >= 3.
  std::optional<bool> quorum{};
  /// A (re)joined node takes over from a working lower-id leader only after
  /// it has seen that leader continuously for this long.
  std::chrono::milliseconds stable_after{2000};
  /// false: never take over from a working leader.
  bool preempt = true;
  /// false: this node never stands (it still votes and acknowledges the
  /// leader's renewals, and counts toward the majority).
  bool candidate = true;
  /// The leader renews its lease every `renew`; it acts only while a
  /// majority acknowledged a renewal sent less than `lease` ago. Keep
  /// lease + renew below the cluster's failure deadline (validate()).
  std::chrono::milliseconds renew{100};
  std::chrono::milliseconds lease{500};
  /// A candidate that has not won within this long gives up, and stands
  /// again later if it still should.
  std::chrono::milliseconds election_timeout{500};
};

/// What is wrong with `c` (one line per problem; empty: usable), checked
/// against the cluster's failure deadline.
std::vector<std::string> validate(const config& c, std::chrono::milliseconds deadline);

enum class role { follower, candidate, leader };
std::string_view to_string(role r) noexcept;

/// An elector's state, reported to config hooks (tests, telemetry).
struct state {
  enum role role = role::follower;
  std::uint64_t newest_epoch = 0;  // the newest epoch this node knows
  std::uint64_t epoch = 0;         // candidate / leader: the epoch it stands for or leads
  bool acting = false;             // leader with a valid lease (or no guard)
  std::uint64_t elections = 0;     // elections this node stood in
  /// The elector's renewal tick now, and (leader) the tick at which its
  /// lease runs out: tick N falls N renewals after the elector started.
  std::uint64_t tick = 0, lease_until = 0;
};

/// The elector actor; `on_change` (optional) is called after every change of
/// its state, inside its turn.
actor_spec elector(config c, std::function<void(const state&)> on_change = {});

// ---- watching the leader ---------------------------------------------------------

struct leader_info {
  std::uint64_t id = 0;
  std::uint64_t epoch = 0;
  friend bool operator==(const leader_info&, const leader_info&) = default;
};

/// leader(ID, EPOCH), the topic the acting leader asserts at the cluster level.
inline term leader_topic(term id = _, term epoch = _) {
  return rec("leader", std::move(id), std::move(epoch));
}

/// The leader assertions an observer sees, and which one is current: the
/// newest epoch (on a tie, the higher id).
class leader_view {
 public:
  /// Returns whether the current leader changed.
  bool appeared(leader_info l);
  bool disappeared(leader_info l);
  std::optional<leader_info> current() const;

 private:
  std::multiset<std::pair<std::uint64_t, std::uint64_t>> seen_;  // (epoch, id)
};

/// Subscribes (from any depth) at the cluster level to leader(_, _) and calls
/// handler(t, std::optional<leader_info>) whenever the current leader changes
/// (nullopt: none). Returns the subscription.
///   election::on_leader(t, [](turn<S>& t, std::optional<election::leader_info> l) { ... });
template <class S, class F>
endpoint_id on_leader(turn<S>& t, F handler) {
  auto view = std::make_shared<leader_view>();
  auto read = [](const term& flow) -> std::optional<leader_info> {
    if (!flow.is_record("leader", 2) || !flow[0].is_int() || !flow[1].is_int()) return std::nullopt;
    return leader_info{static_cast<std::uint64_t>(flow[0].as_int()),
                       static_cast<std::uint64_t>(flow[1].as_int())};
  };
  return t.at_cluster().subscribe(
      leader_topic(),
      {.on_presence =
           [view, read, handler](turn<S>& t, const presence& p) mutable {
             if (auto l = read(p.flow()); l && view->appeared(*l)) handler(t, view->current());
           },
       .on_absence =
           [view, read, handler](turn<S>& t, const absence& a) mutable {
             if (auto l = read(a.flow()); l && view->disappeared(*l)) handler(t, view->current());
           }});
}

/// Fencing for commands that carry an epoch: admit() refuses an epoch older
/// than the newest one seen (reason stale_epoch(E, NEWEST)).
class epoch_fence {
 public:
  /// Learns an epoch (from a leader assertion, a command, ...).
  void learn(std::uint64_t epoch) noexcept { newest_ = std::max(newest_, epoch); }
  /// nullopt: admitted (and learnt); otherwise the reason to refuse it with.
  std::optional<term> admit(std::uint64_t epoch);
  std::uint64_t newest() const noexcept { return newest_; }

 private:
  std::uint64_t newest_ = 0;
};

}  // namespace agora::election
