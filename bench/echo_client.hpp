// The echo load generator of agora-bench: many concurrent TCP connections to
// one echo server, driven by one Boost.Asio thread. Used for agora-echo and
// for the plain Asio echo server alike, so the two are measured the same way.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace agora_bench {

struct echo_load {
  std::uint16_t port = 0;
  std::size_t connections = 64;
  std::size_t message_bytes = 64;    // round trips: each connection sends this, waits for it back
  std::size_t chunk_bytes = 16384;   // bulk: bytes per write while streaming
  std::size_t window_bytes = 256 << 10;  // bulk: at most this much written ahead of the echo
  std::chrono::milliseconds duration{1000};
};

/// Ping-pong on every connection at once: round trips per second.
double echo_round_trips(const echo_load& load);
/// Every connection streams chunks and reads the echo concurrently: echoed
/// bytes per second.
double echo_bytes(const echo_load& load);

}  // namespace agora_bench
