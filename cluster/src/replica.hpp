// The cluster level as one node sees it: the endpoints its ground declared
// there (local) and those its peers declared (remote), presence for the
// local ones, and routing — to local endpoints, and over each link whose far
// node has a matching endpoint, once. Sans I/O: peers are reached through
// replica_output (the node core frames what it is given), the ground
// through the root_port it hands to start().
//
// Rules (docs/CLUSTER.md "The replica"): a local endpoint sees a peer's
// endpoints only after that peer acknowledged the local endpoint's declare;
// a message from a peer goes to local endpoints only; a peer that goes down
// takes its endpoints with it, each withdrawn with the reason given.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "agora/event.hpp"
#include "agora/term.hpp"
#include "agora/upper_level.hpp"
#include "routing_index.hpp"
#include "wire.hpp"  // protocol_error: a peer broke the protocol (the link ends)

namespace agora::cluster {

/// A linked peer, as the node core numbers it (one per link session).
using peer_key = std::uint32_t;

/// Which handlers an endpoint has: bit 0 presence, 1 absence, 2 message.
struct endpoint_flags {
  bool presence = false, absence = false, message = false;
  std::uint8_t bits() const noexcept {
    return static_cast<std::uint8_t>((presence ? 1 : 0) | (absence ? 2 : 0) | (message ? 4 : 0));
  }
  static endpoint_flags from_bits(std::uint64_t b) noexcept {
    return {(b & 1) != 0, (b & 2) != 0, (b & 4) != 0};
  }
};

/// An endpoint as it crosses a link.
struct endpoint_decl {
  std::uint64_t handle = 0;
  agora::role role = role::subscriber;
  agora::interest interest = interest::participant;
  endpoint_flags flags;
  term topic;
};

/// Where the replica's traffic for peers goes (the node core), in order.
class replica_output {
 public:
  virtual void declare_to(peer_key p, const endpoint_decl& d) = 0;
  virtual void withdraw_to(peer_key p, std::uint64_t handle, const term& why) = 0;
  virtual void message_to(peer_key p, const term& body, bool feedback) = 0;

 protected:
  ~replica_output() = default;
};

struct replica_stats {
  std::size_t local_endpoints = 0;
  std::size_t remote_endpoints = 0;
  std::uint64_t messages_local = 0;   // local deliveries
  std::uint64_t messages_out = 0;     // messages handed to peers (one per link)
  std::uint64_t messages_in = 0;      // messages from peers
};

class replica final : public upper_level {
 public:
  explicit replica(replica_output& out);
  ~replica() override;

  // upper_level: the ground's side
  void start(root_port& port) override;
  void apply(std::span<upper_action> batch) override;
  void stop() override;

  // peers' side: what these cause for the ground waits for deliver_events(),
  // so that a frame's many ops reach the ground as one batch.
  /// A link to a peer is up: every live local endpoint is declared to it
  /// (in creation order).
  void peer_up(peer_key p);
  void peer_declare(peer_key p, endpoint_decl d);
  void peer_withdraw(peer_key p, std::uint64_t handle, const term& why);
  void peer_message(peer_key p, const term& body, bool feedback);
  /// The peer has applied the first n declares this replica sent it.
  void peer_ack(peer_key p, std::uint64_t n);
  /// The link is gone: the peer's endpoints are withdrawn with `why`.
  void peer_down(peer_key p, const term& why);

  /// Hands the events caused so far to the ground (apply() does it itself).
  void deliver_events();

  replica_stats stats() const noexcept;
  bool stopped() const noexcept { return stopped_; }

 private:
  struct endpoint;
  struct peer;
  using slot = std::uint32_t;

  slot add_endpoint(endpoint e);
  void remove_endpoint(slot s, const term& why);
  void presence_between(slot fresh);
  /// Local endpoint `l` starts seeing remote endpoints of peer p (its
  /// declare was acknowledged).
  void reveal_peer(slot l, peer_key p);
  bool visible_to(slot local, const endpoint& other) const;
  void count_up(slot who, const term& flow);
  void count_down(slot who, const term& flow, const term& why);
  void route(const term& body, bool feedback, bool from_peer);
  void declare_local(slot s, peer_key p);
  /// Slots of endpoints in the index of `r` overlapping `topic`, in slot order.
  const std::vector<slot>& overlapping(role r, const term& topic);

  replica_output& out_;
  root_port* port_ = nullptr;
  bool stopped_ = false;
  std::vector<upper_event> pending_;  // for the ground, handed over by deliver_events()

  std::vector<endpoint> slots_;
  std::vector<slot> free_;
  routing_index publishers_, subscribers_;
  std::unordered_map<std::uint64_t, slot> locals_;  // ground endpoint id -> slot
  std::unordered_map<peer_key, peer> peers_;
  std::optional<peer_key> messaging_peer_;  // known to be up
  std::vector<slot> found_;
  std::vector<peer_key> targets_;
  replica_stats stats_;
};

}  // namespace agora::cluster
