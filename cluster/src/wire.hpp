// The vocabulary of the cluster's wire protocol (docs/CLUSTER.md, "Wire
// format"): its version, frame types, sizes and limits, a node's identity,
// and protocol_error, what every parser throws for bad input.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "agora/cluster/config.hpp"
#include "agora/term.hpp"

namespace agora::cluster {

inline constexpr std::int64_t protocol_version = 1;

enum class frame_type : std::uint8_t {
  hello = 0x01,
  challenge = 0x02,
  auth = 0x03,
  refuse = 0x04,
  session = 0x10,
};

/// "HELLO (0x01)", ..., or "unknown (0x7f)".
std::string frame_type_name(std::uint8_t type);

inline constexpr std::size_t frame_prefix_size = 4;  // big-endian length
inline constexpr std::size_t nonce_size = 32;
inline constexpr std::size_t handshake_mac_size = 32;
inline constexpr std::size_t session_key_size = 32;
inline constexpr std::size_t session_tag_size = 16;

/// Longest frame (without prefix) before the peer has proven the secret.
inline constexpr std::size_t max_handshake_frame = 4096;
/// Default longest frame afterwards.
inline constexpr std::size_t default_max_frame = 16u << 20;

using nonce = std::array<std::byte, nonce_size>;
using handshake_mac = std::array<std::byte, handshake_mac_size>;


std::string_view to_string(node_role r) noexcept;

/// Who a node is, as it says in its handshake.
struct node_identity {
  std::int64_t id = 0;           // >= 1
  std::int64_t incarnation = 0;  // >= 1 (microseconds since the epoch at start)
  node_role role = node_role::member;
  std::string address;  // "host:port" a member listens on; "" for a client

  bool operator==(const node_identity&) const = default;
};

/// The peer sent something this protocol does not allow. what() says what,
/// where and which rule; refusal() is the REASON a REFUSE frame would give
/// (`malformed`, `unsupported_version`, ...).
class protocol_error : public std::runtime_error {
 public:
  explicit protocol_error(const std::string& message, term refusal = sym("malformed"))
      : std::runtime_error(message), refusal_(std::move(refusal)) {}
  const term& refusal() const noexcept { return refusal_; }

 private:
  term refusal_;
};

}  // namespace agora::cluster
