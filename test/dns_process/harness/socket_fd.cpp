#include "socket_fd.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace dns_process {

socket_fd& socket_fd::operator=(socket_fd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

socket_fd::~socket_fd() {
  if (fd_ >= 0) ::close(fd_);
}

sockaddr_in ipv4_address(const std::string& host, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &a.sin_addr) != 1)
    throw std::invalid_argument("not an IPv4 address: '" + host + "'");
  return a;
}

socket_fd bound_socket(int type, const std::string& host, std::uint16_t port) {
  socket_fd s(::socket(AF_INET, type | SOCK_CLOEXEC, 0));
  if (!s) throw std::runtime_error(std::string("socket failed: ") + std::strerror(errno));
  if (type == SOCK_STREAM) {
    int one = 1;
    setsockopt(s.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  }
  const sockaddr_in a = ipv4_address(host, port);
  if (::bind(s.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("cannot bind " + host + ":" + std::to_string(port) + ": " + std::strerror(errno));
  return s;
}

std::uint16_t local_port(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof a;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0)
    throw std::runtime_error(std::string("getsockname failed: ") + std::strerror(errno));
  return ntohs(a.sin_port);
}

std::uint16_t free_port(const std::string& host) {
  for (int attempt = 0; attempt < 50; ++attempt) {
    const socket_fd udp = bound_socket(SOCK_DGRAM, host, 0);
    const std::uint16_t port = local_port(udp.get());
    try {
      bound_socket(SOCK_STREAM, host, port);
      return port;
    } catch (const std::runtime_error&) {
      // taken for TCP: try another
    }
  }
  throw std::runtime_error("no port free for both UDP and TCP on " + host + " after 50 tries");
}

}  // namespace dns_process
