// agora::cluster::node_config — how a node joins its cluster: identity,
// addresses, the shared secret, failure-detection timings and link limits.
// Every field has a default except the id and the secret; agora-node fills
// it from a TOML file and the command line (apps/node).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace agora::cluster {

/// Members link to every member; a client links to one member, is never
/// told to others and never counts as a member (agora-node status).
enum class node_role { member, client };

struct tls_config {
  bool enabled = false;
  std::string certificate, private_key, ca;  // PEM files
};

struct node_config {
  std::uint64_t id = 0;             // >= 1, unique in the cluster
  std::string cluster = "agora";    // nodes of another cluster are refused
  node_role role = node_role::member;
  std::string listen;               // "host:port" (port 0: any); clients: ""
  // Where the other members reach this node, "host:port", as it tells them
  // (HELLO, CHALLENGE, members): for a node behind a proxy or a forwarded
  // port. Empty: the address `listen` bound.
  std::string advertise;
  std::vector<std::string> seeds;   // "host:port" of members to dial first
  std::vector<std::byte> secret;    // >= 32 bytes; see load_secret (secret.hpp)

  // Failure detection: a ping when a link has sent nothing for `heartbeat`;
  // a peer silent for `deadline` is lost.
  std::chrono::milliseconds heartbeat{200};
  std::chrono::milliseconds deadline{1000};
  std::chrono::milliseconds handshake_timeout{2000};
  std::chrono::milliseconds reconnect_min{100}, reconnect_max{5000};

  // Links.
  std::size_t max_frame = 16u << 20;       // bytes, after authentication
  std::size_t send_queue_high = 8u << 20;  // above: the node holds its VMs back
  std::size_t send_queue_max = 64u << 20;  // above: the peer is too_slow
  std::chrono::milliseconds too_slow_after{10000};  // above high this long: too_slow
  std::vector<std::string> allow;          // peer IP addresses; empty: any
  tls_config tls;

  // Failed handshakes from one address beyond this many per minute are
  // refused at once for the rest of the minute (and logged once).
  unsigned failed_handshakes_per_minute = 20;
};

/// Checks a configuration; returns what is wrong, one line per problem
/// (empty: usable).
std::vector<std::string> validate(const node_config& c);

}  // namespace agora::cluster
