#include "dns_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "socket_fd.hpp"

namespace dns_process {

using clock_type = std::chrono::steady_clock;
namespace dns = agora::dns;

std::string to_string(transport t) { return t == transport::udp ? "UDP" : "TCP"; }

namespace {

int ms_left(clock_type::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

/// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, clock_type::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    const int n = poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0 || errno != EINTR) return false;
  }
}

std::uint16_t random_id() {
  static thread_local std::mt19937 random{std::random_device{}()};
  return static_cast<std::uint16_t>(std::uniform_int_distribution<int>(0, 0xffff)(random));
}

}  // namespace

dns_client::dns_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)), port_(port), timeout_(timeout) {}

std::string dns_client::timeout_error(transport via) const {
  return "timeout: no reply from " + host_ + ":" + std::to_string(port_) + " over " + to_string(via) + " within " +
         std::to_string(timeout_.count()) + " ms";
}

query_result dns_client::query(const query_spec& q) const {
  auto qname = dns::name::from_text(q.name);
  if (!qname) return std::string("bad query name '" + q.name + "': " + qname.error().describe());
  const dns::message m = dns::make_query(q.id ? *q.id : random_id(), *qname, q.type,
                                         {.recursion_desired = q.rd, .edns_size = q.edns_size, .dnssec_ok = false});
  return exchange(m, q.via);
}

query_result dns_client::exchange(const dns::message& q, transport via) const {
  auto raw = send_raw(dns::encode(q), via);
  if (!raw) return raw.error();
  auto decoded = dns::decode(*raw);
  if (!decoded) return "decode error: " + decoded.error().describe();
  return dns_reply{std::move(*decoded), std::move(*raw)};
}

raw_result dns_client::send_raw(std::span<const std::byte> wire, transport via) const {
  try {
    return via == transport::udp ? over_udp(wire) : over_tcp(wire);
  } catch (const std::exception& e) {  // bad host, no socket
    return std::string(e.what());
  }
}

raw_result dns_client::over_udp(std::span<const std::byte> wire) const {
  const auto deadline = clock_type::now() + timeout_;
  socket_fd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return std::string("socket failed: ") + std::strerror(errno);
  const sockaddr_in to = ipv4_address(host_, port_);
  // connect(): the kernel then passes only datagrams from HOST:PORT.
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0)
    return std::string("connect failed: ") + std::strerror(errno);
  if (::send(s.get(), wire.data(), wire.size(), 0) < 0) return std::string("send failed: ") + std::strerror(errno);
  bytes reply(65536);
  for (;;) {
    if (!wait_for(s.get(), POLLIN, deadline)) return timeout_error(transport::udp);
    const auto n = ::recv(s.get(), reply.data(), reply.size(), 0);
    if (n >= 0) {
      reply.resize(static_cast<std::size_t>(n));
      return reply;
    }
    if (errno == ECONNREFUSED) return std::string("connection refused (ICMP port unreachable)");
    if (errno != EAGAIN && errno != EINTR) return std::string("recv failed: ") + std::strerror(errno);
  }
}

raw_result dns_client::over_tcp(std::span<const std::byte> wire) const {
  if (wire.size() > 0xffff) return std::string("message of " + std::to_string(wire.size()) + " bytes is too long for TCP");
  const auto deadline = clock_type::now() + timeout_;
  socket_fd s(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!s) return std::string("socket failed: ") + std::strerror(errno);
  const sockaddr_in to = ipv4_address(host_, port_);
  if (::connect(s.get(), reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    if (errno != EINPROGRESS) return std::string("connect failed: ") + std::strerror(errno);
    if (!wait_for(s.get(), POLLOUT, deadline)) return timeout_error(transport::tcp) + " (connecting)";
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return std::string("connect failed: ") + std::strerror(err);
  }
  bytes out{static_cast<std::byte>(wire.size() >> 8), static_cast<std::byte>(wire.size() & 0xff)};
  out.insert(out.end(), wire.begin(), wire.end());
  for (std::size_t sent = 0; sent < out.size();) {
    const auto n = ::send(s.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_for(s.get(), POLLOUT, deadline)) return timeout_error(transport::tcp) + " (sending)";
    } else {
      return std::string("send failed: ") + std::strerror(errno);
    }
  }
  // Reads exactly `want` bytes into `into`.
  const auto read_exact = [&](bytes& into, std::size_t want) -> std::optional<std::string> {
    into.resize(want);
    for (std::size_t got = 0; got < want;) {
      const auto n = ::recv(s.get(), into.data() + got, want - got, 0);
      if (n > 0) {
        got += static_cast<std::size_t>(n);
      } else if (n == 0) {
        return "connection closed after " + std::to_string(got) + " of " + std::to_string(want) + " bytes";
      } else if (errno == EAGAIN || errno == EINTR) {
        if (!wait_for(s.get(), POLLIN, deadline)) return timeout_error(transport::tcp);
      } else {
        return std::string("recv failed: ") + std::strerror(errno);
      }
    }
    return std::nullopt;
  };
  bytes prefix;
  if (auto e = read_exact(prefix, 2)) return *e;
  const std::size_t size = (std::to_integer<std::size_t>(prefix[0]) << 8) | std::to_integer<std::size_t>(prefix[1]);
  bytes reply;
  if (auto e = read_exact(reply, size)) return *e;
  return reply;
}

}  // namespace dns_process
