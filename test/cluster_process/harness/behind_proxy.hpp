// A node reached only through an agora-fault-proxy of its own: it listens on
// a free port and advertises the proxy's (--advertise), so every member
// dials it there — the first time and after any loss. Two nodes set up so
// have every link between them pass through one of their proxies, whichever
// of them dials: faults set on both proxies cut the pair off.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "fault_proxy_process.hpp"
#include "test_cluster.hpp"

namespace agora_test {

/// A port on 127.0.0.1 that nothing listened on a moment ago.
inline std::uint16_t free_loopback_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  const bool ok = fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0;
  if (fd >= 0) ::close(fd);
  if (!ok) throw std::runtime_error("no free port on 127.0.0.1");
  return ntohs(a.sin_port);
}

struct proxied_node {
  std::unique_ptr<fault_proxy_process> proxy;
  node_process* node = nullptr;

  /// The address the node advertises: its proxy's.
  std::string address() const { return "127.0.0.1:" + std::to_string(proxy->port()); }
  /// A fault command; throws unless the proxy says "ok".
  void fault(const std::string& command) const {
    const auto reply = proxy->command(command);
    if (reply.rfind("ok", 0) != 0) throw std::runtime_error("proxy: " + command + ": " + reply);
  }
};

/// Starts node `id` behind a proxy of its own. The port is chosen free a
/// moment before the node binds it: if another process took it meanwhile,
/// the node cannot start, and another port is tried.
inline proxied_node start_behind_proxy(test_cluster& c, std::uint64_t id, const std::vector<std::string>& seeds,
                                       const std::vector<std::string>& extra = {}) {
  for (int attempt = 1;; ++attempt) {
    const auto port = free_loopback_port();
    proxied_node p{std::make_unique<fault_proxy_process>(AGORA_FAULT_PROXY_BIN, port), nullptr};
    std::vector<std::string> args{"--listen", "127.0.0.1:" + std::to_string(port), "--advertise", p.address()};
    args.insert(args.end(), extra.begin(), extra.end());
    try {
      p.node = &c.start(id, seeds, args);
      return p;
    } catch (const std::runtime_error&) {
      if (attempt == 3) throw;
    }
  }
}

}  // namespace agora_test
