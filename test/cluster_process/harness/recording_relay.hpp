// A TCP relay on 127.0.0.1 that forwards every connection it accepts to a
// target port and records what the client of the first one sent: put it in
// front of a node, let a real node dial it, and the test has the bytes of a
// real handshake to replay. One thread, poll(); stopped and joined (every
// socket closed) when it goes.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace agora_test {

class recording_relay {
 public:
  explicit recording_relay(std::uint16_t target_port) : target_port_(target_port) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(listener_, 16) != 0 ||
        getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      if (listener_ >= 0) ::close(listener_);
      throw std::runtime_error("recording_relay: cannot listen on 127.0.0.1");
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  recording_relay(const recording_relay&) = delete;
  recording_relay& operator=(const recording_relay&) = delete;
  ~recording_relay() {
    stop_ = true;
    thread_.join();
    for (const auto& p : pairs_) close_pair(p);
    ::close(listener_);
  }

  std::uint16_t port() const noexcept { return port_; }

  /// What the first connection's client has sent so far.
  std::string recorded() const {
    std::lock_guard lock(mutex_);
    return recorded_;
  }

  /// Waits until `enough(recorded())`; false if that is not so within `timeout`.
  bool wait_recorded(const std::function<bool(const std::string&)>& enough, std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!enough(recorded())) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

 private:
  struct pair {
    int client = -1, target = -1;
    bool first = false;  // the connection whose client is recorded
  };

  static sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static void close_pair(const pair& p) {
    if (p.client >= 0) ::close(p.client);
    if (p.target >= 0) ::close(p.target);
  }

  static bool write_all(int fd, const char* data, std::size_t n) {
    while (n > 0) {
      const auto w = ::send(fd, data, n, MSG_NOSIGNAL);
      if (w <= 0) return false;
      data += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  }

  void accept_one() {
    pair p;
    p.client = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (p.client < 0) return;
    p.target = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const sockaddr_in to = loopback(target_port_);
    if (p.target < 0 || connect(p.target, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
      close_pair(p);
      return;
    }
    p.first = !any_accepted_;
    any_accepted_ = true;
    pairs_.push_back(p);
  }

  /// Moves what `from` has to `to`; false when the connection is over.
  bool forward(int from, int to, bool record) {
    char buf[65536];
    const auto n = ::recv(from, buf, sizeof buf, 0);
    if (n <= 0) return false;
    if (record) {
      std::lock_guard lock(mutex_);
      recorded_.append(buf, static_cast<std::size_t>(n));
    }
    return write_all(to, buf, static_cast<std::size_t>(n));
  }

  void run() {
    while (!stop_) {
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      for (const auto& p : pairs_) {
        fds.push_back({p.client, POLLIN, 0});
        fds.push_back({p.target, POLLIN, 0});
      }
      if (poll(fds.data(), fds.size(), 50) <= 0) continue;
      std::vector<pair> live;
      for (std::size_t i = 0; i < pairs_.size(); ++i) {
        const auto& p = pairs_[i];
        const auto ready = [&](std::size_t k) { return fds[k].revents & (POLLIN | POLLHUP | POLLERR); };
        bool open = true;
        if (ready(1 + 2 * i)) open = forward(p.client, p.target, p.first);
        if (open && ready(2 + 2 * i)) open = forward(p.target, p.client, false);
        if (open) live.push_back(p);
        else close_pair(p);
      }
      pairs_ = std::move(live);
      if (fds[0].revents & POLLIN) accept_one();
    }
  }

  std::uint16_t target_port_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<pair> pairs_;  // the relay thread's, until it is joined
  bool any_accepted_ = false;
  mutable std::mutex mutex_;
  std::string recorded_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace agora_test
