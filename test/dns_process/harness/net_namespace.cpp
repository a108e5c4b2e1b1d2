#include "net_namespace.hpp"

#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "socket_fd.hpp"

namespace dns_process {

namespace {

std::string namespace_link(const std::string& path) {
  std::array<char, 128> target{};
  const auto n = ::readlink(path.c_str(), target.data(), target.size() - 1);
  if (n < 0) return "unknown (" + path + ": " + std::strerror(errno) + ")";
  return std::string(target.data(), static_cast<std::size_t>(n));
}

std::string skip_line(const std::string& why) { return "skipped: cannot create a network namespace (" + why + ")"; }

/// Sets IFF_UP on `lo` (what `ip link set lo up` does), with an ioctl on
/// a socket of the namespace: no program needed.
std::optional<std::string> loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("socket: ") + std::strerror(errno);
  const socket_fd sock(fd);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) return std::string("SIOCGIFFLAGS lo: ") + std::strerror(errno);
  req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
  if (::ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) return std::string("SIOCSIFFLAGS lo: ") + std::strerror(errno);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> enter_new_net_namespace() {
  if (::unshare(CLONE_NEWNET) != 0) {
    const int e = errno;
    std::string why = std::string("unshare(CLONE_NEWNET): ") + std::strerror(e);
    if (e == EPERM) why += ::geteuid() == 0 ? "; root, but not permitted here (a container?)" : "; needs root";
    return skip_line(why);
  }
  // From here the thread is in the new namespace; a failure leaves it
  // there, but the thread is the caller's own and ends with its job.
  if (auto e = loopback_up()) return skip_line("the namespace's loopback stays down: " + *e);
  return std::nullopt;
}

std::string current_net_namespace() { return namespace_link("/proc/thread-self/ns/net"); }

std::string process_net_namespace() { return namespace_link("/proc/self/ns/net"); }

bool in_own_net_namespace() { return current_net_namespace() != process_net_namespace(); }

}  // namespace dns_process
