// Loopback sockets for the DNS process tests: an owned file descriptor,
// IPv4 addresses from text, the port a socket got, and a port that is free
// for both UDP and TCP (ports are picked by the kernel, never fixed).
#pragma once

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace dns_process {

/// A file descriptor, closed when it goes; moves, never copies.
class socket_fd {
 public:
  socket_fd() = default;
  explicit socket_fd(int fd) noexcept : fd_(fd) {}
  socket_fd(socket_fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  socket_fd& operator=(socket_fd&& other) noexcept;
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  ~socket_fd();

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

/// HOST:PORT as a socket address; HOST is a dotted IPv4 address. Throws
/// std::invalid_argument for anything else.
sockaddr_in ipv4_address(const std::string& host, std::uint16_t port);

/// A socket of `type` (SOCK_DGRAM, SOCK_STREAM) bound to HOST:PORT (port 0:
/// the kernel picks), SO_REUSEADDR for TCP; throws std::runtime_error with
/// the reason if it cannot bind.
socket_fd bound_socket(int type, const std::string& host, std::uint16_t port);

/// The local port `fd` is bound to.
std::uint16_t local_port(int fd);

/// A port on HOST that is free for UDP and TCP at this moment (the kernel
/// picks it for UDP, then TCP must bind it too). Another process may still
/// take it before the caller binds it: callers that start a server retry.
std::uint16_t free_port(const std::string& host = "127.0.0.1");

}  // namespace dns_process
