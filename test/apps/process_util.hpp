// For the tests of the server programs (agora-echo, agora-chat): run one as
// a child process (server_process) and talk to it over 127.0.0.1 with a
// plain socket client whose every wait has a deadline.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server_process.hpp"

namespace agora_test {

using namespace std::chrono_literals;
using test_clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using agora_apps::ms_left;

/// The server program as a child process (apps/common/server_process.hpp).
using agora_apps::server_process;

/// A TCP client of 127.0.0.1:PORT on a non-blocking socket; every call
/// waits at most its timeout. Lines and raw reads share one input buffer.
class client {
 public:
  enum class outcome { done, stalled, closed };

  /// rcvbuf > 0 sets SO_RCVBUF before connecting (a small window that
  /// does not grow: for a client that does not read).
  explicit client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    if (rcvbuf > 0) setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      const int e = errno;
      ::close(fd_);
      throw std::runtime_error(std::string("connect failed: ") + std::strerror(e));
    }
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }
  client(const client&) = delete;
  client& operator=(const client&) = delete;
  client(client&& o) noexcept : fd_(o.fd_), in_(std::move(o.in_)), eof_(o.eof_) { o.fd_ = -1; }
  ~client() { close(); }

  /// Writes all of `bytes`: `stalled` if the socket took nothing for
  /// `stall`, `closed` if the peer closed or reset the connection.
  outcome send(std::string_view bytes, milliseconds stall = 10s) {
    while (!bytes.empty()) {
      const auto n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return outcome::closed;
      pollfd p{fd_, POLLOUT, 0};
      if (poll(&p, 1, static_cast<int>(stall.count())) == 0) return outcome::stalled;
    }
    return outcome::done;
  }
  /// `line` + "\n"; throws unless it is all written within 10 s.
  void send_line(std::string_view line) {
    if (send(std::string(line) + "\n") != outcome::done) throw std::runtime_error("send_line failed");
  }

  /// The next line (without "\n"), or nullopt if none is complete within
  /// `timeout` or the connection ended first.
  std::optional<std::string> line(milliseconds timeout = 10s) {
    const auto deadline = test_clock::now() + timeout;
    for (;;) {
      if (auto eol = in_.find('\n'); eol != std::string::npos) {
        std::string l = in_.substr(0, eol);
        in_.erase(0, eol + 1);
        return l;
      }
      if (!fill(deadline)) return std::nullopt;
    }
  }

  /// Exactly `n` bytes, or fewer if they do not all come within `timeout`.
  std::string read_exact(std::size_t n, milliseconds timeout = 10s) {
    const auto deadline = test_clock::now() + timeout;
    while (in_.size() < n && fill(deadline)) {
    }
    std::string out = in_.substr(0, n);
    in_.erase(0, out.size());
    return out;
  }

  /// Writes `out` while reading, until `expect` bytes came back (a peer
  /// that echoes would otherwise deadlock a client that writes it all
  /// first); what came back, shorter if the connection ended or progress
  /// stopped for `stall`. Reading comes first, and at most `ahead` bytes
  /// are written beyond what came back (0: no bound — as fast as the
  /// kernel takes them).
  std::string exchange(std::string_view out, std::size_t expect, std::size_t ahead = 256 << 10,
                       milliseconds stall = 10s) {
    std::string got = std::move(in_);
    in_.clear();
    std::size_t written = 0;
    char buf[65536];
    while (got.size() < expect) {
      const bool may_write = !out.empty() && (ahead == 0 || written < got.size() + ahead);
      pollfd p{fd_, static_cast<short>(POLLIN | (may_write ? POLLOUT : 0)), 0};
      if (poll(&p, 1, static_cast<int>(stall.count())) <= 0) break;
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
        const auto n = ::recv(fd_, buf, sizeof buf, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) break;
        if (n > 0) {
          got.append(buf, static_cast<std::size_t>(n));
          continue;
        }
      }
      if (may_write && (p.revents & POLLOUT)) {
        std::size_t size = out.size();
        if (ahead != 0) size = std::min(size, got.size() + ahead - written);
        const auto n = ::send(fd_, out.data(), size, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) break;
        if (n > 0) {
          out.remove_prefix(static_cast<std::size_t>(n));
          written += static_cast<std::size_t>(n);
        }
      }
    }
    return got;
  }

  /// Waits until the peer closes the connection (end of stream or reset),
  /// dropping any input; false if it is still open after `timeout`.
  bool wait_closed(milliseconds timeout = 10s) {
    const auto deadline = test_clock::now() + timeout;
    while (fill(deadline)) in_.clear();
    return eof_;
  }

  /// Input that has come and is not read yet (does not wait).
  bool has_input() {
    if (!in_.empty()) return true;
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
  }

  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  /// SO_LINGER 0, then close: the peer sees a reset, not an end of stream.
  void reset() {
    linger l{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    close();
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  /// Reads what is there into in_, waiting until `deadline`; false on
  /// timeout or at the end of the stream (then eof_ is set).
  bool fill(test_clock::time_point deadline) {
    if (eof_ || fd_ < 0) return false;
    for (;;) {
      char buf[65536];
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        in_.append(buf, static_cast<std::size_t>(n));
        return true;
      }
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        eof_ = true;  // end of stream, or reset
        return false;
      }
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, ms_left(deadline)) == 0) return false;
    }
  }

  int fd_ = -1;
  std::string in_;
  bool eof_ = false;
};

}  // namespace agora_test
