// agora-udp-floor: the floor of the dns benchmark's CPU figure — what
// answering a datagram costs on this machine when the answer costs
// nothing. It reads queries in batches (recvmmsg), turns each into a reply
// by setting QR in place (the question echoed, no records: dnsperf counts
// it as answered) and sends the batch back (sendmmsg), sleeping in
// epoll_wait in between: the kernel's work for each answer and nothing
// else. A DNS server's CPU per answer can only be this plus its own work.
//
//   agora-udp-floor --port P
//       serves 127.0.0.1:P until SIGTERM
#include <CLI/CLI.hpp>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace {

constexpr unsigned batch = 32;
constexpr std::size_t slot = 4096;

struct batch_buffers {
  std::array<std::array<char, slot>, batch> data{};
  std::array<mmsghdr, batch> headers{};
  std::array<iovec, batch> vectors{};
  std::array<sockaddr_storage, batch> names{};

  void prepare() {
    for (unsigned i = 0; i < batch; ++i) {
      vectors[i] = {data[i].data(), slot};
      headers[i] = mmsghdr{};
      headers[i].msg_hdr.msg_iov = &vectors[i];
      headers[i].msg_hdr.msg_iovlen = 1;
      headers[i].msg_hdr.msg_name = &names[i];
      headers[i].msg_hdr.msg_namelen = sizeof names[i];
    }
  }
};

int serve(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  const int rcvbuf = 4 << 20;  // as agora-dns and unbound in the benchmark
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  local.sin_port = htons(port);
  local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    std::fprintf(stderr, "agora-udp-floor: cannot bind 127.0.0.1:%u: %s\n", port, std::strerror(errno));
    return 1;
  }
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  epoll_event want{};
  want.events = EPOLLIN | EPOLLET;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &want);
  std::printf("serving 127.0.0.1:%u\n", port);
  std::fflush(stdout);
  static batch_buffers b;  // large: not on the stack
  for (;;) {
    epoll_event ready{};
    if (epoll_wait(ep, &ready, 1, -1) < 0 && errno != EINTR) return 1;
    for (;;) {
      b.prepare();
      const int n = recvmmsg(fd, b.headers.data(), batch, MSG_DONTWAIT, nullptr);
      if (n <= 0) break;
      for (int i = 0; i < n; ++i) {
        const unsigned len = b.headers[i].msg_len;
        if (len >= 12) b.data[i][2] = static_cast<char>(b.data[i][2] | 0x80);  // QR: a reply
        b.vectors[i].iov_len = len;
      }
      sendmmsg(fd, b.headers.data(), static_cast<unsigned>(n), 0);
      if (static_cast<unsigned>(n) < batch) break;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agora-udp-floor: answers DNS queries at no cost of its own (the dns benchmark's floor)"};
  std::uint16_t port = 0;
  app.add_option("--port", port, "UDP port on 127.0.0.1")->required();
  CLI11_PARSE(app, argc, argv);
  return serve(port);
}
