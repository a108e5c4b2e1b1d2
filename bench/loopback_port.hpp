// Ports on 127.0.0.1 for programs that must be told where to listen (epmd,
// mosquitto): one the kernel hands out, and a bounded wait until something
// listens there.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>
#include <utility>

namespace agora_bench {

inline sockaddr_in loopback_address(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

/// A port on 127.0.0.1 that was free for both UDP and TCP a moment ago
/// (bound for each, then closed): DNS servers take both, and a test running
/// beside us may hold a port for one and not the other. Another process
/// could take it before ours binds, which is unlikely enough for a
/// benchmark.
inline std::uint16_t free_loopback_port() {
  auto bound = [](int type, std::uint16_t port) {
    const int fd = socket(AF_INET, type, 0);
    auto a = loopback_address(port);
    socklen_t len = sizeof a;
    const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                    getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
    if (ok) return std::pair{fd, ntohs(a.sin_port)};
    if (fd >= 0) close(fd);
    return std::pair{-1, std::uint16_t{0}};
  };
  for (int attempt = 0; attempt < 50; ++attempt) {
    const auto [udp, port] = bound(SOCK_DGRAM, 0);
    if (udp < 0) break;
    const auto [tcp, same] = bound(SOCK_STREAM, port);  // while UDP still holds it
    close(udp);
    if (tcp >= 0) {
      close(tcp);
      return same;
    }
  }
  throw std::runtime_error("no port free for both UDP and TCP on 127.0.0.1");
}

/// Waits until a connection to 127.0.0.1:port succeeds; false if none does
/// within `timeout`.
inline bool wait_listening(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto a = loopback_address(port);
    const bool up = fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    if (fd >= 0) close(fd);
    if (up) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace agora_bench
