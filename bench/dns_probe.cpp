#include "dns_probe.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <random>
#include <thread>
#include <variant>
#include <vector>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "loopback_port.hpp"

namespace agora_bench {

namespace {

namespace dns = agora::dns;

std::string dotted(const std::array<std::uint8_t, 4>& a) { return fmt::format("{}.{}.{}.{}", a[0], a[1], a[2], a[3]); }

/// A UDP socket connected to 127.0.0.1:port (replies from elsewhere are
/// not delivered to it), closed when it goes.
class udp_socket {
 public:
  explicit udp_socket(std::uint16_t port) : fd_(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    auto to = loopback_address(port);
    ok_ = fd_ >= 0 && connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
  }
  udp_socket(const udp_socket&) = delete;
  udp_socket& operator=(const udp_socket&) = delete;
  ~udp_socket() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const noexcept { return ok_; }
  int fd() const noexcept { return fd_; }

 private:
  int fd_;
  bool ok_ = false;
};

}  // namespace

namespace {

/// One exchange with 127.0.0.1:port about `host` A: its reply (with QR, to
/// that question), or what went wrong.
std::variant<dns::message, std::string> exchange(std::uint16_t port, const dns::name& qname,
                                                 std::chrono::milliseconds timeout) {
  std::random_device rd;
  const auto id = static_cast<std::uint16_t>(rd());
  const auto query = dns::make_query(id, qname, dns::rr_type::a);
  const auto wire = dns::encode(query);
  udp_socket s(port);
  if (!s.ok() || send(s.fd(), wire.data(), wire.size(), 0) != static_cast<ssize_t>(wire.size()))
    return fmt::format("cannot send to 127.0.0.1:{}", port);
  // Replies with another ID (a late answer to an earlier probe) are
  // skipped; a few at most.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (int datagrams = 0; datagrams < 16; ++datagrams) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{s.fd(), POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return fmt::format("no reply within {} ms", timeout.count());
    std::vector<std::byte> buf(65535);
    const auto n = recv(s.fd(), buf.data(), buf.size(), 0);
    if (n < 0) return fmt::format("no reply (recv failed: port {} closed?)", port);
    buf.resize(static_cast<std::size_t>(n));
    auto reply = dns::decode(buf);
    if (!reply) return "a reply that does not decode: " + reply.error().describe();
    if (reply->header.id != id) continue;
    if (!reply->header.qr) return "a reply without QR";
    if (auto why = dns::question_mismatch(query, *reply)) return "a reply to another question: " + *why;
    return std::move(*reply);
  }
  return "only replies with other IDs";
}

}  // namespace

std::optional<std::string> dns_address_problem(std::uint16_t port, const std::string& host,
                                               std::array<std::uint8_t, 4> expected,
                                               std::chrono::milliseconds timeout) {
  const auto qname = dns::name::from_text(host);
  if (!qname) return "bad name " + host;
  auto got_reply = exchange(port, *qname, timeout);
  if (auto* problem = std::get_if<std::string>(&got_reply)) return std::move(*problem);
  const auto& reply = std::get<dns::message>(got_reply);
  if (reply.full_rcode() != dns::rcode::noerror) return fmt::format("rcode {}", static_cast<int>(reply.full_rcode()));
  std::vector<std::string> got;
  for (const auto& rr : reply.answers)
    if (rr.type == dns::rr_type::a)
      if (const auto a = rr.a_address()) got.push_back(dotted(*a) + (rr.owner == *qname ? "" : " (other owner)"));
  if (got.size() == 1 && got[0] == dotted(expected)) return std::nullopt;
  return fmt::format("answered [{}], not {}", fmt::join(got, ", "), dotted(expected));
}

std::optional<std::string> wait_for_reply(std::uint16_t port, const std::string& host,
                                          std::chrono::milliseconds patience) {
  const auto qname = dns::name::from_text(host);
  if (!qname) return "bad name " + host;
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    auto got = exchange(port, *qname, std::chrono::milliseconds(500));
    if (std::holds_alternative<dns::message>(got)) return std::nullopt;
    if (std::chrono::steady_clock::now() > deadline) return std::get<std::string>(std::move(got));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

std::optional<std::string> wait_for_address(std::uint16_t port, const std::string& host,
                                            std::array<std::uint8_t, 4> expected,
                                            std::chrono::milliseconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    auto problem = dns_address_problem(port, host, expected, std::chrono::milliseconds(500));
    if (!problem || std::chrono::steady_clock::now() > deadline) return problem;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace agora_bench
