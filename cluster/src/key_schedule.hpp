// What both sides of a handshake compute from the cluster secret and what
// they told each other (docs/CLUSTER.md, "Wire format"): the transcript,
// the two handshake MACs and the two session keys.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "secret.hpp"
#include "wire.hpp"

namespace agora::cluster {

/// What the dialer (A) and the acceptor (B) said in HELLO and CHALLENGE.
struct handshake_facts {
  std::string_view cluster;
  const node_identity& dialer;
  const nonce& dialer_nonce;
  const node_identity& acceptor;
  const nonce& acceptor_nonce;
};

/// The agora binary encoding (version byte included) of
/// transcript(VERSION, CLUSTER, ID_A, INC_A, NONCE_A, ROLE_A, ADDRESS_A,
///            ID_B, INC_B, NONCE_B, ADDRESS_B).
std::vector<std::byte> transcript(const handshake_facts& facts);

/// MAC_B = HMAC-SHA256(secret, "agora/1 acceptor" || transcript).
handshake_mac acceptor_mac(const cluster_secret& secret, std::span<const std::byte> transcript);
/// MAC_A = HMAC-SHA256(secret, "agora/1 dialer" || transcript).
handshake_mac dialer_mac(const cluster_secret& secret, std::span<const std::byte> transcript);

/// The two directions' keys; overwritten when destroyed.
struct session_keys {
  std::array<std::byte, session_key_size> dialer{};    // keys the dialer's frames
  std::array<std::byte, session_key_size> acceptor{};  // keys the acceptor's frames

  session_keys() = default;
  session_keys(const session_keys&) = delete;
  session_keys& operator=(const session_keys&) = delete;
  ~session_keys();
};

/// HKDF-SHA256(key = secret, salt = NONCE_A || NONCE_B,
///             info = "agora/1 session" || SHA-256(transcript)), 64 bytes:
/// the first 32 for the dialer's frames, the last 32 for the acceptor's.
void derive_session_keys(const cluster_secret& secret, const nonce& dialer_nonce,
                         const nonce& acceptor_nonce, std::span<const std::byte> transcript,
                         session_keys& out);

}  // namespace agora::cluster
