// One direction of an authenticated session (docs/CLUSTER.md, "Wire
// format"): the sender's session_sealer turns a payload into a complete
// SESSION frame, the receiver's session_opener checks it and hands the
// payload back. Each holds its direction's key and the sequence number of the
// next frame, which is not sent but covered by the tag:
//
//   wire = u32be(length) 0x10 payload tag
//   tag  = first 16 bytes of HMAC-SHA256(key, u64be(SEQ) || 0x10 || payload)
//
// so a replayed, reordered, dropped, injected or altered frame fails to open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "crypto.hpp"
#include "wire.hpp"

namespace agora::cluster {

using session_key = std::span<const std::byte, session_key_size>;

class session_sealer {
 public:
  explicit session_sealer(session_key key);

  /// Clears `wire` (keeping its capacity) and starts a SESSION frame in it:
  /// room for the length prefix, the type byte and the payload's version
  /// byte. Append ops (op.hpp), then seal().
  static void begin(std::vector<std::byte>& wire);

  /// Completes the frame begun in `wire`: appends the tag for the next
  /// sequence number and writes the length prefix; `wire` is then ready for
  /// transport::send. Allocates nothing when `wire` has room for the tag.
  /// Throws std::logic_error if `wire` was not begun or holds no op, and
  /// std::length_error if the frame would not fit the 4-byte length (the
  /// peer's max_frame is the caller's to respect: check wire.size() first).
  void seal(std::vector<std::byte>& wire);

  std::uint64_t next_sequence() const noexcept { return sequence_; }

 private:
  hmac_sha256 mac_;
  std::uint64_t sequence_ = 0;
};

class session_opener {
 public:
  explicit session_opener(session_key key);

  /// Checks `frame` (as the transport delivers it: without the length
  /// prefix) as the next SESSION frame of this direction and returns its
  /// payload, a view into `frame`. Throws protocol_error if it is not a
  /// SESSION frame, is too short, or its tag does not match; the sequence
  /// number then stays where it was (the caller ends the link).
  std::span<const std::byte> open(std::span<const std::byte> frame);

  std::uint64_t next_sequence() const noexcept { return sequence_; }

 private:
  hmac_sha256 mac_;
  std::uint64_t sequence_ = 0;
};

}  // namespace agora::cluster
