// Test harness for tcp_transport: an event recorder that notices events
// delivered from inside a call or after a connection's end, a node (a
// transport with its recorder and log), a bounded io_context runner, frames
// built from text, and plain POSIX sockets for the other end. Loopback
// addresses only; time appears only as generous upper bounds.
#pragma once

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agora/cluster/tcp_transport.hpp"

namespace transport_test {

using namespace agora::cluster;
using namespace std::chrono_literals;
using sclock = std::chrono::steady_clock;

inline std::vector<std::byte> wire_of(std::string_view text) {
  std::vector<std::byte> wire(4);
  const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
  wire.insert(wire.end(), bytes, bytes + text.size());
  put_frame_length(wire);
  return wire;
}

/// A frame of n bytes whose content depends on n and seed (to check it).
inline std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + seed * 7 + n) % 251);
  return s;
}

struct recorder final : transport_events {
  std::vector<std::pair<conn_id, std::string>> accepted;
  std::vector<conn_id> connected;
  std::map<conn_id, std::vector<std::string>> frames;
  std::map<conn_id, std::vector<std::size_t>> sent;  // `queued` of each on_sent
  std::map<conn_id, std::string> closed;             // the reason, as text
  std::vector<std::string> order;                    // "frame 3", "closed 3 eof", ...
  /// Runs for each frame, after it is recorded (may call the transport).
  std::function<void(conn_id, std::span<const std::byte>)> frame_hook;
  bool in_call = false;
  int reentrant = 0;          // events delivered from inside a call
  int after_end = 0;          // events after on_closed, or after close() other than on_closed
  std::set<conn_id> closing;  // close() was called

  void on_accepted(conn_id c, const std::string& peer) override {
    note(c, false);
    accepted.emplace_back(c, peer);
    order.push_back("accepted " + std::to_string(c));
  }
  void on_connected(conn_id c) override {
    note(c, false);
    connected.push_back(c);
    order.push_back("connected " + std::to_string(c));
  }
  void on_frame(conn_id c, std::span<const std::byte> frame) override {
    note(c, false);
    frames[c].emplace_back(reinterpret_cast<const char*>(frame.data()), frame.size());
    order.push_back("frame " + std::to_string(c));
    if (frame_hook) frame_hook(c, frame);
  }
  void on_sent(conn_id c, std::size_t queued) override {
    note(c, false);
    sent[c].push_back(queued);
  }
  void on_closed(conn_id c, const agora::term& why) override {
    note(c, true);
    closed[c] = why.to_string();
    order.push_back("closed " + std::to_string(c) + " " + why.to_string());
  }

  std::string reason(conn_id c) const {
    auto it = closed.find(c);
    return it == closed.end() ? std::string() : it->second;
  }
  std::size_t frame_count() const {
    std::size_t n = 0;
    for (auto& [c, f] : frames) n += f.size();
    return n;
  }

 private:
  void note(conn_id c, bool closing_event) {
    if (in_call) ++reentrant;
    if (closed.count(c) || (closing.count(c) && !closing_event)) ++after_end;
  }
};

/// A transport with its recorder and log; every call through it is marked
/// as "inside a call" for the recorder.
struct node {
  explicit node(boost::asio::io_context& io, tcp_transport_options options = {})
      : lines(std::make_shared<std::vector<std::string>>()),
        transport(io, with_log(std::move(options), lines)) {
    transport.start(events);
  }

  recorder events;
  std::shared_ptr<std::vector<std::string>> lines;
  tcp_transport transport;

  template <class F>
  auto call(F f) {
    events.in_call = true;
    struct reset {
      bool& flag;
      ~reset() { flag = false; }
    } guard{events.in_call};
    return f(transport);
  }
  std::string listen(const std::string& address = "127.0.0.1:0") {
    return call([&](tcp_transport& t) { return t.listen(address); });
  }
  conn_id connect(const std::string& address) {
    return call([&](tcp_transport& t) { return t.connect(address); });
  }
  void send(conn_id c, std::string_view text) {
    call([&](tcp_transport& t) { t.send(c, wire_of(text)); });
  }
  void close(conn_id c, bool flush) {
    events.closing.insert(c);
    call([&](tcp_transport& t) { t.close(c, flush); });
  }
  void stop() {
    call([&](tcp_transport& t) { t.stop(); });
  }
  bool logged(std::string_view part) const {
    for (auto& l : *lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  }

 private:
  static tcp_transport_options with_log(tcp_transport_options o,
                                        std::shared_ptr<std::vector<std::string>> lines) {
    o.log = [lines](std::string_view line) { lines->emplace_back(line); };
    return o;
  }
};

/// Runs io until done() or the bound passes; false if it passed.
template <class Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds bound = 10s) {
  const auto deadline = sclock::now() + bound;
  while (!done()) {
    if (sclock::now() > deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_for(10ms);
  }
  return true;
}

/// Runs io for a while (to see that something does NOT happen).
inline void run_for(boost::asio::io_context& io, std::chrono::milliseconds d) {
  const auto deadline = sclock::now() + d;
  while (sclock::now() < deadline) {
    if (io.stopped()) io.restart();
    io.run_one_for(5ms);
  }
}

/// Runs io until it has no work left (every drain finished), within a bound.
inline bool run_to_idle(boost::asio::io_context& io, std::chrono::milliseconds bound = 10s) {
  io.restart();
  const auto deadline = sclock::now() + bound;
  while (!io.stopped()) {
    if (sclock::now() > deadline) return false;
    io.run_one_for(10ms);
  }
  return true;
}

inline std::uint16_t port_of(const std::string& address) {
  return static_cast<std::uint16_t>(std::stoi(address.substr(address.rfind(':') + 1)));
}

// ---- plain POSIX sockets ------------------------------------------------------

inline sockaddr_in v4(const char* host, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, host, &a.sin_addr);
  return a;
}

/// A port nothing listens on (bound, then let go).
inline std::uint16_t unused_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  auto a = v4("127.0.0.1", 0);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

/// A blocking client socket (optionally bound to a local address first).
struct raw_client {
  int fd = -1;
  raw_client(std::uint16_t port, const char* from = nullptr) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (from) {
      auto local = v4(from, 0);
      ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local);
    }
    auto a = v4("127.0.0.1", port);
    connected = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  }
  ~raw_client() {
    if (fd >= 0) ::close(fd);
  }
  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  bool connected = false;

  void send_bytes(std::string_view bytes) const {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const auto n = ::send(fd, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  void send_frame(std::string_view text) const {
    const auto w = wire_of(text);
    send_bytes({reinterpret_cast<const char*>(w.data()), w.size()});
  }
  /// Closes with RST.
  void reset() {
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);
    fd = -1;
  }
  void close() {
    ::close(fd);
    fd = -1;
  }
};

}  // namespace transport_test
