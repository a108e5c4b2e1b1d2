// Cluster frames as raw bytes (docs/CLUSTER.md, "Wire format"): a 4-byte
// big-endian length, then the frame, whose first byte is its type. For the
// tests that record, replay or forge what crosses a node's port.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "process_util.hpp"

namespace agora_test {

enum frame_type : std::uint8_t { hello = 0x01, challenge = 0x02, auth = 0x03, refuse = 0x04, session = 0x10 };

/// The 4-byte big-endian length prefix for `n`.
inline std::string length_prefix(std::uint32_t n) {
  return {static_cast<char>(n >> 24), static_cast<char>(n >> 16), static_cast<char>(n >> 8), static_cast<char>(n)};
}

/// The length a 4-byte prefix announces.
inline std::size_t announced_length(std::string_view prefix) {
  const auto* p = reinterpret_cast<const unsigned char*>(prefix.data());
  return std::size_t{p[0]} << 24 | std::size_t{p[1]} << 16 | std::size_t{p[2]} << 8 | p[3];
}

/// `n` bytes from the system's random source.
inline std::string random_bytes(std::size_t n) {
  std::random_device random;
  std::string out(n, '\0');
  for (auto& c : out) c = static_cast<char>(random() & 0xff);
  return out;
}

/// The whole frames at the front of `bytes`, each with its prefix.
inline std::vector<std::string> whole_frames(std::string_view bytes) {
  std::vector<std::string> frames;
  while (bytes.size() >= 4) {
    const std::size_t n = announced_length(bytes);
    if (bytes.size() < 4 + n) break;
    frames.emplace_back(bytes.substr(0, 4 + n));
    bytes.remove_prefix(4 + n);
  }
  return frames;
}

/// The type byte of a frame with its prefix (0 for an empty frame).
inline std::uint8_t type_of(const std::string& frame) {
  return frame.size() > 4 ? static_cast<std::uint8_t>(frame[4]) : 0;
}

/// The next frame (with its prefix) from a raw connection; nullopt if
/// none comes whole within `timeout`.
inline std::optional<std::string> read_frame(client& c, std::chrono::milliseconds timeout) {
  const std::string prefix = c.read_exact(4, timeout);
  if (prefix.size() < 4) return std::nullopt;
  const std::size_t n = announced_length(prefix);
  const std::string body = c.read_exact(n, timeout);
  if (body.size() < n) return std::nullopt;
  return prefix + body;
}

}  // namespace agora_test
