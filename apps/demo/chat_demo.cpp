// agora-demo: starts agora-chat on a free port and has two scripted clients,
// alice and bob, talk through it over real TCP — what two `nc` sessions
// would show. Exits 0 when the whole conversation went as expected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>

#include "server_process.hpp"

namespace {

using namespace std::chrono_literals;

/// Reads lines from a file descriptor with a deadline.
class line_reader {
 public:
  explicit line_reader(int fd) : fd_(fd) {}
  /// The next line (without "\n"), or throws after `timeout`.
  std::string next(std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (auto eol = buf_.find('\n'); eol != std::string::npos) {
        std::string line = buf_.substr(0, eol);
        buf_.erase(0, eol + 1);
        return line;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) throw std::runtime_error("timed out waiting for a line");
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[4096];
      auto n = read(fd_, chunk, sizeof chunk);
      if (n <= 0) throw std::runtime_error("connection closed");
      buf_.append(chunk, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buf_;
};

/// A telnet-like client that prints what it sends and what it gets.
class client {
 public:
  client(std::string name, std::uint16_t port) : name_(std::move(name)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::runtime_error(name_ + ": cannot connect");
    reader_.emplace(fd_);
  }
  ~client() { leave(); }
  void say(const std::string& line) {
    std::printf("%-6s> %s\n", name_.c_str(), line.c_str());
    std::string l = line + "\n";
    if (write(fd_, l.data(), l.size()) != static_cast<ssize_t>(l.size()))
      throw std::runtime_error(name_ + ": write failed");
  }
  /// Waits for `expected` (lines in between are shown too).
  void hears(const std::string& expected) {
    for (;;) {
      std::string line = reader_->next();
      std::printf("%-6s< %s\n", name_.c_str(), line.c_str());
      if (line == expected) return;
    }
  }
  void leave() {
    if (fd_ < 0) return;
    std::printf("%-6s  (disconnects)\n", name_.c_str());
    close(fd_);
    fd_ = -1;
  }

 private:
  std::string name_;
  int fd_ = -1;
  std::optional<line_reader> reader_;
};

}  // namespace

int main() {
  try {
    agora_apps::server_process server(AGORA_CHAT_BIN, {});
    std::printf("%s\n", server.banner().c_str());
    client alice("alice", server.port());
    alice.say("alice");
    client bob("bob", server.port());
    bob.say("bob");
    alice.hears("* bob arrived");
    bob.hears("* alice arrived");
    alice.say("hello bob");
    bob.hears("alice: hello bob");
    alice.hears("alice: hello bob");
    bob.say("hi alice, bye for now");
    alice.hears("bob: hi alice, bye for now");
    bob.leave();
    alice.hears("* bob departed");
    alice.leave();
    server.signal(SIGTERM);
    const int code = server.wait_exit().value_or(-1);
    std::printf("agora-chat stopped on SIGTERM with exit code %d\n", code);
    return code;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agora-demo: %s\n", e.what());
    return 1;
  }
}
