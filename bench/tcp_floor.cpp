// agora-tcp-floor: the floor of the cluster benchmark — plain framed TCP
// between two processes on 127.0.0.1, what any agora link costs at least.
// A frame is a u32 big-endian length and a payload whose first byte says
// what it is: 'd' data (counted), 's' sync (answered with the count since
// the last sync), 'p' ping (sent back as is).
//
//   agora-tcp-floor receive
//       listens on 127.0.0.1 (any port), prints "listening PORT", serves one
//       connection until it closes
//   agora-tcp-floor send --port P [--messages N] [--round-trips R] [--size B] [--reps K]
//       one-way: N data frames in batched writes, then a sync; the best rate
//       of K runs. Round trips: R pings, one at a time. Prints the figures
//       (baseline_figures.hpp).
#include <CLI/CLI.hpp>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "baseline_figures.hpp"

namespace {

using bench_clock = std::chrono::steady_clock;

/// A connected TCP socket (blocking, TCP_NODELAY), closed on destruction.
class socket_fd {
 public:
  explicit socket_fd(int fd) : fd_(fd) {
    if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  ~socket_fd() { ::close(fd_); }
  int get() const noexcept { return fd_; }

  void write_all(const char* p, std::size_t n) {
    while (n > 0) {
      const auto w = ::send(fd_, p, n, MSG_NOSIGNAL);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) throw std::runtime_error(std::string("send: ") + std::strerror(errno));
      p += w;
      n -= static_cast<std::size_t>(w);
    }
  }
  /// Appends what one recv gives to `buf`; false at the end of stream.
  bool read_some(std::vector<char>& buf) {
    char chunk[1 << 18];
    for (;;) {
      const auto r = ::recv(fd_, chunk, sizeof chunk, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
      buf.insert(buf.end(), chunk, chunk + r);
      return r > 0;
    }
  }

 private:
  int fd_;
};

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

std::uint32_t get_u32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return ntohl(v);
}

void put_frame(std::vector<char>& out, char kind, std::size_t size, std::uint64_t value = 0) {
  const std::uint32_t len = htonl(static_cast<std::uint32_t>(size));
  const auto at = out.size();
  out.resize(at + 4 + size, 'x');
  std::memcpy(&out[at], &len, 4);
  out[at + 4] = kind;
  if (kind == 's' && size >= 9) std::memcpy(&out[at + 5], &value, 8);
}

/// Reads frames from `s` into `buf` until one whole frame is at its front;
/// that frame's payload range [4, 4 + len). Throws at the end of stream.
std::size_t next_frame(socket_fd& s, std::vector<char>& buf) {
  for (;;) {
    if (buf.size() >= 4) {
      const auto len = get_u32(buf.data());
      if (buf.size() >= 4 + len) return len;
    }
    if (!s.read_some(buf)) throw std::runtime_error("the peer closed the connection");
  }
}

int receive() {
  const auto accept_one = [] {
    socket_fd listener(socket(AF_INET, SOCK_STREAM, 0));
    auto addr = loopback(0);
    socklen_t len = sizeof addr;
    if (bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        listen(listener.get(), 1) != 0 || getsockname(listener.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      throw std::runtime_error(std::string("cannot listen: ") + std::strerror(errno));
    std::printf("listening %u\n", ntohs(addr.sin_port));
    std::fflush(stdout);
    return accept(listener.get(), nullptr, nullptr);
  };
  socket_fd conn(accept_one());

  std::vector<char> in, out;
  std::uint64_t count = 0;
  std::size_t at = 0;  // parse position in `in`
  for (;;) {
    // Every whole frame that came, handled in order.
    while (in.size() - at >= 4 && in.size() - at >= 4 + get_u32(&in[at])) {
      const auto flen = get_u32(&in[at]);
      const char kind = flen > 0 ? in[at + 4] : 'd';
      if (kind == 'd') {
        ++count;
      } else if (kind == 's') {
        put_frame(out, 's', flen, count);
        count = 0;
      } else if (kind == 'p') {
        out.insert(out.end(), in.begin() + static_cast<long>(at), in.begin() + static_cast<long>(at + 4 + flen));
      }
      at += 4 + flen;
    }
    if (!out.empty()) {
      conn.write_all(out.data(), out.size());
      out.clear();
    }
    in.erase(in.begin(), in.begin() + static_cast<long>(at));
    at = 0;
    if (!conn.read_some(in)) return 0;
  }
}

int send(std::uint16_t port, std::size_t messages, std::size_t round_trips, std::size_t size, int reps) {
  if (size < 9) throw std::invalid_argument("--size must be at least 9");
  socket_fd s(socket(AF_INET, SOCK_STREAM, 0));
  auto addr = loopback(port);
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));

  std::vector<char> batch, sync, in;
  const std::size_t per_batch = std::max<std::size_t>(1, (64 << 10) / (4 + size));  // ~64 KiB writes
  for (std::size_t i = 0; i < per_batch; ++i) put_frame(batch, 'd', size);
  put_frame(sync, 's', size);

  double best = 0;
  for (int r = 0; r < reps; ++r) {
    const auto start = bench_clock::now();
    for (std::size_t sent = 0; sent < messages; sent += per_batch) {
      const auto n = std::min(per_batch, messages - sent);
      s.write_all(batch.data(), n * (4 + size));
    }
    s.write_all(sync.data(), sync.size());
    const auto len = next_frame(s, in);
    std::uint64_t got = 0;
    std::memcpy(&got, &in[5], 8);
    in.erase(in.begin(), in.begin() + static_cast<long>(4 + len));
    if (got != messages)
      throw std::runtime_error("the receiver counted " + std::to_string(got) + " of " + std::to_string(messages));
    best = std::max(best, static_cast<double>(messages) /
                              std::chrono::duration<double>(bench_clock::now() - start).count());
  }

  std::vector<char> ping;
  put_frame(ping, 'p', size);
  std::vector<double> rtt_us;
  for (std::size_t i = 0; i < round_trips + round_trips / 10; ++i) {  // the first tenth warms up
    const auto start = bench_clock::now();
    s.write_all(ping.data(), ping.size());
    const auto len = next_frame(s, in);
    const auto took = std::chrono::duration<double, std::micro>(bench_clock::now() - start).count();
    in.erase(in.begin(), in.begin() + static_cast<long>(4 + len));
    if (i >= round_trips / 10) rtt_us.push_back(took);
  }
  agora_bench::print_baseline_figures(best, rtt_us);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agora-tcp-floor: framed TCP between two processes, the floor of the cluster benchmark"};
  app.require_subcommand(1);
  app.add_subcommand("receive", "listen on 127.0.0.1, print \"listening PORT\", serve one connection");
  auto* snd = app.add_subcommand("send", "measure against a receiver; print the figures");
  std::uint16_t port = 0;
  std::size_t messages = 1'000'000, round_trips = 10'000, size = 64;
  int reps = 3;
  snd->add_option("--port", port, "the receiver's port on 127.0.0.1")->required();
  snd->add_option("--messages", messages, "frames per one-way run")->capture_default_str();
  snd->add_option("--round-trips", round_trips, "pings, one at a time")->capture_default_str();
  snd->add_option("--size", size, "payload bytes per frame")->capture_default_str();
  snd->add_option("--reps", reps, "one-way runs; the best is printed")->check(CLI::PositiveNumber)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    return snd->parsed() ? send(port, messages, round_trips, size, reps) : receive();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agora-tcp-floor: %s\n", e.what());
    return 1;
  }
}
