#include "hostile_upstream.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "codec/decode.hpp"

namespace dns_process {

namespace dns = agora::dns;
using clock_type = std::chrono::steady_clock;

namespace {

constexpr std::size_t max_connections = 64;  // beyond that, new ones are closed at once

void set_nonblocking(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

}  // namespace

struct hostile_upstream::pending_reply {
  clock_type::time_point due;
  transport via = transport::udp;
  sockaddr_in to{};             // UDP
  std::uint64_t connection = 0;  // TCP
  bytes wire;
};

struct hostile_upstream::tcp_connection {
  std::uint64_t id = 0;
  socket_fd fd;
  std::uint16_t peer_port = 0;
  bytes in;  // read, not yet a whole message
};

hostile_upstream::hostile_upstream(answer_table table) : table_(std::move(table)) {
  // One port for UDP and TCP: the kernel picks it for UDP; TCP may find it
  // taken, then another is tried.
  for (int attempt = 0; attempt < 50 && !tcp_; ++attempt) {
    udp_ = bound_socket(SOCK_DGRAM, "127.0.0.1", 0);
    try {
      tcp_ = bound_socket(SOCK_STREAM, "127.0.0.1", local_port(udp_.get()));
    } catch (const std::runtime_error&) {
    }
  }
  if (!tcp_) throw std::runtime_error("hostile_upstream: no port free for both UDP and TCP");
  port_ = local_port(udp_.get());
  if (::listen(tcp_.get(), 16) != 0) throw std::runtime_error(std::string("listen failed: ") + std::strerror(errno));
  set_nonblocking(udp_.get());
  set_nonblocking(tcp_.get());
  int fds[2];
  if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe failed");
  wake_read_ = socket_fd(fds[0]);
  wake_write_ = socket_fd(fds[1]);
  thread_ = std::thread([this] { run(); });
}

hostile_upstream::~hostile_upstream() {
  const char stop = 's';
  (void)!::write(wake_write_.get(), &stop, 1);
  thread_.join();
}

std::string hostile_upstream::endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

void hostile_upstream::set_mode(upstream_mode mode, std::chrono::milliseconds delay) {
  std::lock_guard lock(mutex_);
  mode_ = mode;
  delay_ = delay;
}

upstream_mode hostile_upstream::mode() const {
  std::lock_guard lock(mutex_);
  return mode_;
}

std::vector<seen_query> hostile_upstream::seen() const {
  std::lock_guard lock(mutex_);
  return seen_;
}

std::size_t hostile_upstream::udp_queries() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(seen_.begin(), seen_.end(), [](const seen_query& q) { return q.via == transport::udp; }));
}

std::size_t hostile_upstream::tcp_queries() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(seen_.begin(), seen_.end(), [](const seen_query& q) { return q.via == transport::tcp; }));
}

std::size_t hostile_upstream::queries_for(const dns::name& qname) const {
  std::lock_guard lock(mutex_);
  return static_cast<std::size_t>(
      std::count_if(seen_.begin(), seen_.end(), [&](const seen_query& q) { return q.qname == qname; }));
}

std::size_t hostile_upstream::undecodable() const {
  std::lock_guard lock(mutex_);
  return undecodable_;
}

void hostile_upstream::forget() {
  std::lock_guard lock(mutex_);
  seen_.clear();
  undecodable_ = 0;
}

void hostile_upstream::run() {
  for (;;) {
    std::vector<pollfd> fds{{wake_read_.get(), POLLIN, 0}, {udp_.get(), POLLIN, 0}, {tcp_.get(), POLLIN, 0}};
    for (const auto& c : connections_) fds.push_back({c.fd.get(), POLLIN, 0});
    int timeout = -1;
    if (!pending_.empty()) {
      const auto first = std::min_element(pending_.begin(), pending_.end(),
                                          [](const auto& a, const auto& b) { return a.due < b.due; });
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(first->due - clock_type::now()).count();
      timeout = static_cast<int>(std::max<long long>(left, 0));
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) return;
    if (fds[0].revents) return;  // the destructor
    if (fds[1].revents & POLLIN) on_udp();
    if (fds[2].revents & POLLIN) on_accept();
    // Connections by id: on_tcp_readable may not add or remove any.
    std::vector<std::uint64_t> closing;
    for (std::size_t i = 3; i < fds.size(); ++i)
      if (fds[i].revents && !on_tcp_readable(connections_[i - 3])) closing.push_back(connections_[i - 3].id);
    std::erase_if(connections_, [&](const tcp_connection& c) {
      return std::find(closing.begin(), closing.end(), c.id) != closing.end();
    });
    send_due();
  }
}

void hostile_upstream::on_udp() {
  bytes buf(65536);
  for (int i = 0; i < 64; ++i) {  // a bounded batch, then the others get their turn
    sockaddr_in from{};
    socklen_t len = sizeof from;
    const auto n = ::recvfrom(udp_.get(), buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n < 0) return;
    handle(bytes(buf.begin(), buf.begin() + n), transport::udp, ntohs(from.sin_port), from, 0);
  }
}

void hostile_upstream::on_accept() {
  sockaddr_in from{};
  socklen_t len = sizeof from;
  socket_fd c(::accept4(tcp_.get(), reinterpret_cast<sockaddr*>(&from), &len, SOCK_CLOEXEC | SOCK_NONBLOCK));
  if (!c || connections_.size() >= max_connections) return;  // closed as `c` goes
  connections_.push_back({next_connection_++, std::move(c), ntohs(from.sin_port), {}});
}

bool hostile_upstream::on_tcp_readable(tcp_connection& c) {
  std::byte buf[16384];
  const auto n = ::recv(c.fd.get(), buf, sizeof buf, 0);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;
  if (n < 0) return true;
  c.in.insert(c.in.end(), buf, buf + n);
  // Each message: a 2-byte length, then that many bytes (at most 65535:
  // the buffer stays bounded).
  while (c.in.size() >= 2) {
    const std::size_t size = (std::to_integer<std::size_t>(c.in[0]) << 8) | std::to_integer<std::size_t>(c.in[1]);
    if (c.in.size() < 2 + size) break;
    const bytes wire(c.in.begin() + 2, c.in.begin() + 2 + static_cast<std::ptrdiff_t>(size));
    c.in.erase(c.in.begin(), c.in.begin() + 2 + static_cast<std::ptrdiff_t>(size));
    handle(wire, transport::tcp, c.peer_port, sockaddr_in{}, c.id);
  }
  return true;
}

void hostile_upstream::handle(const bytes& wire, transport via, std::uint16_t source_port, const sockaddr_in& from,
                              std::uint64_t connection) {
  auto query = dns::decode(wire);
  upstream_mode mode;
  std::chrono::milliseconds delay;
  {
    std::lock_guard lock(mutex_);
    if (!query || query->header.qr) {
      ++undecodable_;
      return;
    }
    seen_query s{via, query->header.id, source_port, {}, dns::rr_type::a};
    if (!query->questions.empty()) {
      s.qname = query->questions.front().qname;
      s.qtype = query->questions.front().qtype;
    }
    seen_.push_back(std::move(s));
    mode = mode_;
    delay = delay_;
  }
  auto reply = hostile_reply(*query, mode, via, table_);
  if (!reply) return;
  pending_.push_back({clock_type::now() + delay, via, from, connection, std::move(*reply)});
}

void hostile_upstream::send_due() {
  const auto now = clock_type::now();
  std::vector<pending_reply> due;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (it->due <= now) {
      due.push_back(std::move(*it));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& p : due) send_reply(p);
}

void hostile_upstream::send_reply(const pending_reply& p) {
  if (p.via == transport::udp) {
    ::sendto(udp_.get(), p.wire.data(), p.wire.size(), 0, reinterpret_cast<const sockaddr*>(&p.to), sizeof p.to);
    return;
  }
  const auto c = std::find_if(connections_.begin(), connections_.end(),
                              [&](const tcp_connection& t) { return t.id == p.connection; });
  if (c == connections_.end()) return;  // the client went away meanwhile
  bytes out{static_cast<std::byte>(p.wire.size() >> 8), static_cast<std::byte>(p.wire.size() & 0xff)};
  out.insert(out.end(), p.wire.begin(), p.wire.end());
  // A reply is at most 64 KiB: written here, waiting at most 1 s for room.
  for (std::size_t sent = 0; sent < out.size();) {
    const auto n = ::send(c->fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      pollfd w{c->fd.get(), POLLOUT, 0};
      if (::poll(&w, 1, 1000) > 0) continue;
    }
    return;  // a client that does not read: the reply is dropped
  }
}

}  // namespace dns_process
