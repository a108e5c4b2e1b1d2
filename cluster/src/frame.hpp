// The handshake frames HELLO, CHALLENGE, AUTH and REFUSE (docs/CLUSTER.md,
// "Wire format"): typed, built into complete wire frames and parsed back
// with every field checked.
//
// A handshake frame is its type byte, then the agora binary encoding (with
// its version byte) of one record. build() returns the frame as sent: the
// 4-byte length prefix, then the frame. parse_*() take a frame as the
// transport delivers it, without the prefix, and throw protocol_error for
// anything else than a valid frame of that type no longer than
// max_handshake_frame.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "agora/term.hpp"
#include "wire.hpp"

namespace agora::cluster {

/// hello(VERSION, CLUSTER, ID, INC, NONCE, ROLE, ADDRESS), dialer to acceptor.
struct hello_frame {
  std::string cluster;
  node_identity node;
  cluster::nonce nonce{};

  bool operator==(const hello_frame&) const = default;
};

/// challenge(VERSION, ID, INC, NONCE, ADDRESS, MAC_B), acceptor to dialer.
/// The acceptor is always a member.
struct challenge_frame {
  node_identity node;
  cluster::nonce nonce{};
  handshake_mac mac{};

  bool operator==(const challenge_frame&) const = default;
};

/// auth(MAC_A), dialer to acceptor.
struct auth_frame {
  handshake_mac mac{};

  bool operator==(const auth_frame&) const = default;
};

/// refuse(REASON), either way, before the session (unauthenticated).
struct refuse_frame {
  term reason;

  bool operator==(const refuse_frame&) const = default;
};

// Build: throw std::invalid_argument when a field breaks its rule (our own
// data, so a bug or a bad configuration).
std::vector<std::byte> build(const hello_frame& f);
std::vector<std::byte> build(const challenge_frame& f);
std::vector<std::byte> build(const auth_frame& f);
std::vector<std::byte> build(const refuse_frame& f);

/// The type byte of a frame (without prefix); throws protocol_error if the
/// frame is empty.
std::uint8_t type_of(std::span<const std::byte> frame);

/// A HELLO whose VERSION is not ours throws protocol_error with refusal
/// `unsupported_version` (so are CHALLENGEs); other faults give `malformed`.
hello_frame parse_hello(std::span<const std::byte> frame);
challenge_frame parse_challenge(std::span<const std::byte> frame);
auth_frame parse_auth(std::span<const std::byte> frame);
refuse_frame parse_refuse(std::span<const std::byte> frame);

}  // namespace agora::cluster
