// The answer check the dns benchmark runs on each daemon, against a fake
// server in the test: right, wrong, failing, silent and stray replies.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "dns_probe.hpp"
#include "loopback_port.hpp"

using namespace agora_bench;
namespace dns = agora::dns;
using namespace std::chrono_literals;

namespace {

enum class behaviour { right, wrong_address, servfail, silent, stray_id_first, two_addresses };

/// A UDP server on 127.0.0.1 answering every A query as told, on a thread
/// of its own until the object goes.
class fake_server {
 public:
  explicit fake_server(behaviour b) : b_(b), fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    auto a = loopback_address(0);
    socklen_t len = sizeof a;
    REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~fake_server() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      std::vector<std::byte> buf(4096);
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const auto n = recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n <= 0) continue;
      buf.resize(static_cast<std::size_t>(n));
      auto q = dns::decode(buf);
      if (!q || q->questions.size() != 1 || b_ == behaviour::silent) continue;
      dns::message r;
      r.header = q->header;
      r.header.qr = true;
      r.questions = q->questions;
      const auto& qname = q->questions[0].qname;
      if (b_ == behaviour::servfail) r.set_rcode(dns::rcode::servfail);
      else r.answers.push_back(dns::make_a(qname, 60, {10, 0, 0, b_ == behaviour::wrong_address ? std::uint8_t(9) : std::uint8_t(7)}));
      if (b_ == behaviour::two_addresses) r.answers.push_back(dns::make_a(qname, 60, {10, 0, 0, 8}));
      if (b_ == behaviour::stray_id_first) {
        auto stray = r;
        stray.header.id = static_cast<std::uint16_t>(r.header.id + 1);
        stray.answers = {dns::make_a(qname, 60, {1, 2, 3, 4})};
        send_to(stray, from);
      }
      send_to(r, from);
    }
  }
  void send_to(const dns::message& m, const sockaddr_in& to) {
    const auto wire = dns::encode(m);
    sendto(fd_, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
  }

  behaviour b_;
  int fd_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

const std::array<std::uint8_t, 4> expected{10, 0, 0, 7};

}  // namespace

TEST_CASE("dns probe: the right address is no problem") {
  fake_server s(behaviour::right);
  CHECK_FALSE(dns_address_problem(s.port(), "h7.agora-bench.", expected, 2000ms));
  CHECK_FALSE(wait_for_address(s.port(), "h7.agora-bench.", expected, 2000ms));
}

TEST_CASE("dns probe: a reply with another ID is skipped, the right one after it counts") {
  fake_server s(behaviour::stray_id_first);
  CHECK_FALSE(dns_address_problem(s.port(), "h7.agora-bench.", expected, 2000ms));
}

TEST_CASE("dns probe: a wrong address, an extra address, SERVFAIL and silence are told apart") {
  {
    fake_server s(behaviour::wrong_address);
    const auto p = dns_address_problem(s.port(), "h7.agora-bench.", expected, 2000ms);
    REQUIRE(p);
    CHECK(*p == "answered [10.0.0.9], not 10.0.0.7");
  }
  {
    fake_server s(behaviour::two_addresses);
    const auto p = dns_address_problem(s.port(), "h7.agora-bench.", expected, 2000ms);
    REQUIRE(p);
    CHECK(*p == "answered [10.0.0.7, 10.0.0.8], not 10.0.0.7");
  }
  {
    fake_server s(behaviour::servfail);
    const auto p = wait_for_address(s.port(), "h7.agora-bench.", expected, 300ms);  // asks again, still wrong
    REQUIRE(p);
    CHECK(*p == "rcode 2");
  }
  {
    fake_server s(behaviour::silent);
    const auto p = dns_address_problem(s.port(), "h7.agora-bench.", expected, 100ms);
    REQUIRE(p);
    CHECK(*p == "no reply within 100 ms");
  }
}

TEST_CASE("dns probe: nobody on the port, or a name that is not one, is a problem, not a crash") {
  const auto port = free_loopback_port();  // free for UDP a moment ago: nobody answers
  const auto p = dns_address_problem(port, "h7.agora-bench.", expected, 300ms);
  REQUIRE(p);
  CHECK(p->find("no reply") == 0);
  const auto bad = dns_address_problem(port, std::string(300, 'a') + ".", expected, 100ms);
  REQUIRE(bad);
  CHECK(bad->find("bad name") == 0);
}

TEST_CASE("dns probe: wait_for_reply takes any reply to the question, and says when none comes") {
  {
    fake_server s(behaviour::servfail);
    CHECK_FALSE(wait_for_reply(s.port(), "h7.agora-bench.", 2000ms));
  }
  {
    fake_server s(behaviour::silent);
    const auto p = wait_for_reply(s.port(), "h7.agora-bench.", 300ms);
    REQUIRE(p);
    CHECK(*p == "no reply within 500 ms");
  }
  CHECK(wait_for_reply(free_loopback_port(), "not a name..", 100ms) == "bad name not a name..");
}
