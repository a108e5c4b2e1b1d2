// The two sides of the handshake that opens a cluster link (docs/CLUSTER.md,
// "Wire format" and "Handshake"), as pure state machines: fed the peer's
// frames, they produce the frames to send and end established or failed.
// No I/O and no clock (timeouts are the caller's); randomness comes from the
// random_source they are given, so a simulation can seed it.
//
//   dialer                                acceptor
//   start()          ── HELLO ────────►   checks version, cluster, id
//                    ◄─ CHALLENGE ─────   (MAC_B)
//   checks MAC_B     ── AUTH ─────────►   checks MAC_A, then admit(peer)
//                    ◄─ SESSION ───────   welcome(...) or refuse(REASON)
//   established                           established (or failed, if refused)
//
// Either side answers a frame it cannot accept before the session with a
// REFUSE frame (in the step's `send`) and fails; a REFUSE from the peer
// ends the handshake without an answer.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "agora/term.hpp"
#include "crypto.hpp"
#include "key_schedule.hpp"
#include "op.hpp"
#include "secret.hpp"
#include "session.hpp"
#include "wire.hpp"

namespace agora::cluster {

struct handshake_params {
  std::string cluster;  // the cluster's name
  node_identity self;
  cluster_secret secret;
  random_source random;
};

/// The peer proved the secret: it is who it says, and the session is keyed
/// in both directions.
struct handshake_established {
  node_identity peer;
  session_sealer sealer;  // seals our frames (the acceptor's has sealed welcome)
  session_opener opener;  // opens the peer's (the dialer's has opened welcome)
  /// Dialer: the ops of the acceptor's first session frame, welcome(...)
  /// first. Acceptor: empty.
  std::vector<op> welcome;
};

struct handshake_failed {
  std::string reason;  // for the log: what went wrong, in words
  /// The REASON the peer gave, when it refused us (REFUSE frame or
  /// authenticated refuse op).
  std::optional<term> peer_refusal;
};

struct handshake_pending {};

using handshake_outcome = std::variant<handshake_pending, handshake_established, handshake_failed>;

/// What one frame did to a handshake.
struct handshake_step {
  /// A complete wire frame to send first (length prefix included), or empty.
  /// When the outcome is failed, it is the REFUSE (or the acceptor's sealed
  /// refuse op) owed to the peer: send it, then close after flushing.
  std::vector<std::byte> send;
  handshake_outcome outcome;
};

class dialer_handshake {
 public:
  /// Throws std::invalid_argument for an invalid cluster name or identity,
  /// or no random source.
  explicit dialer_handshake(handshake_params params);

  /// The HELLO frame to send once the connection is up. Call once, first.
  std::vector<std::byte> start();

  /// A frame from the acceptor (without its length prefix). After the
  /// outcome is established or failed, calling it is a logic error.
  handshake_step on_frame(std::span<const std::byte> frame);

  /// The acceptor has proven the secret (its CHALLENGE verified): from now
  /// on frames up to max_frame may be accepted (before, max_handshake_frame).
  bool peer_verified() const noexcept { return peer_verified_; }

 private:
  enum class stage { idle, awaiting_challenge, awaiting_welcome, done };

  handshake_step on_challenge(std::span<const std::byte> frame);
  handshake_step on_welcome(std::span<const std::byte> frame);

  handshake_params params_;
  stage stage_ = stage::idle;
  bool peer_verified_ = false;
  nonce nonce_{};
  node_identity peer_;
  std::optional<session_sealer> sealer_;
  std::optional<session_opener> opener_;
};

/// After AUTH verified: nothing admits the peer; a REASON refuses it
/// (`duplicate_node_id`, `already_linked`), sent in an authenticated
/// refuse(REASON) op. It must be a valid reason (a symbol or a record).
using admit_function = std::function<std::optional<term>(const node_identity& peer)>;
/// For an admitted peer: the ops of the acceptor's first session frame,
/// which must begin with an ops::welcome.
using welcome_function = std::function<std::vector<op>(const node_identity& peer)>;

class acceptor_handshake {
 public:
  /// Throws std::invalid_argument for an invalid cluster name or identity,
  /// an identity that is not a member, or a missing function.
  acceptor_handshake(handshake_params params, admit_function admit, welcome_function welcome);

  /// A frame from the dialer (without its length prefix). After the outcome
  /// is established or failed, calling it is a logic error.
  handshake_step on_frame(std::span<const std::byte> frame);

  /// The dialer has proven the secret (its AUTH verified).
  bool peer_verified() const noexcept { return peer_verified_; }

 private:
  enum class stage { awaiting_hello, awaiting_auth, done };

  handshake_step on_hello(std::span<const std::byte> frame);
  handshake_step on_auth(std::span<const std::byte> frame);

  handshake_params params_;
  admit_function admit_;
  welcome_function welcome_;
  stage stage_ = stage::awaiting_hello;
  bool peer_verified_ = false;
  nonce nonce_{};
  nonce peer_nonce_{};
  node_identity peer_;
  std::vector<std::byte> transcript_;
};

}  // namespace agora::cluster
