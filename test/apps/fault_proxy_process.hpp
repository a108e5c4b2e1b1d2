// For tests that put agora-fault-proxy (test/tools/fault_proxy.cpp) between
// a client and a server: start it as a child process, learn its ports from
// its first line, and change its faults with command lines (over its control
// port, or its stdin). Every wait has a deadline.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

#include "child_process.hpp"
#include "process_util.hpp"

namespace agora_test {

class fault_proxy_process {
 public:
  /// `path --listen 127.0.0.1:0 --to 127.0.0.1:TARGET --control 127.0.0.1:0`;
  /// waits (10 s at most) for "listening 127.0.0.1:N control 127.0.0.1:M".
  fault_proxy_process(const char* path, std::uint16_t target_port)
      : process_({path, "--listen", "127.0.0.1:0", "--to", "127.0.0.1:" + std::to_string(target_port),
                  "--control", "127.0.0.1:0"},
                 {.pipe_stdin = true, .env = {}}) {
    read_banner();
    control_.emplace(control_port_);
  }

  /// Where clients connect instead of the target.
  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t control_port() const noexcept { return control_port_; }

  /// Sends `line` over the control port; the reply line. Throws if none
  /// comes within 10 s.
  std::string command(std::string_view line) {
    control_->send_line(line);
    auto reply = control_->line();
    if (!reply) throw std::runtime_error("no reply from the proxy to '" + std::string(line) + "'");
    return *reply;
  }

  /// The same through the proxy's stdin, the reply from its stdout.
  std::string command_stdin(std::string_view line) {
    if (!process_.write(std::string(line) + "\n")) throw std::runtime_error("cannot write to the proxy's stdin");
    auto reply = process_.line(10s);
    if (!reply) throw std::runtime_error("no reply on stdout to '" + std::string(line) + "'");
    return *reply;
  }

  /// `stats` as numbers by name: connections, accepted, cut, tx_bytes,
  /// tx_dropped, tx_held, rx_bytes, rx_dropped, rx_held.
  std::map<std::string, std::uint64_t> stats() {
    const std::string reply = command("stats");
    if (reply.rfind("ok ", 0) != 0) throw std::runtime_error("stats failed: " + reply);
    std::map<std::string, std::uint64_t> out;
    std::istringstream words(reply.substr(3));
    std::string w;
    while (words >> w) {
      const auto eq = w.find('=');
      if (eq != std::string::npos) out[w.substr(0, eq)] = std::stoull(w.substr(eq + 1));
    }
    return out;
  }

  /// Polls stats until stats()[key] == value; false if it is not so within
  /// `timeout`.
  bool wait_stat(const std::string& key, std::uint64_t value, milliseconds timeout = 10s) {
    const auto deadline = test_clock::now() + timeout;
    for (;;) {
      if (stats()[key] == value) return true;
      if (test_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
  }

  void signal(int sig) const { process_.signal(sig); }
  std::optional<int> wait_exit(milliseconds timeout = 10s) { return process_.wait_exit(timeout); }

 private:
  /// "listening 127.0.0.1:N control 127.0.0.1:M"
  void read_banner() {
    const auto line = process_.line(10s);
    if (!line) throw std::runtime_error("agora-fault-proxy did not say where it listens");
    std::istringstream words(*line);
    std::string listening, at, control, control_at;
    words >> listening >> at >> control >> control_at;
    if (listening != "listening" || control != "control")
      throw std::runtime_error("unexpected first line from agora-fault-proxy: " + *line);
    const auto port_of = [](const std::string& a) {
      return static_cast<std::uint16_t>(std::stoi(a.substr(a.rfind(':') + 1)));
    };
    port_ = port_of(at);
    control_port_ = port_of(control_at);
  }

  agora_apps::child_process process_;  // killed last: members go in reverse order
  std::uint16_t port_ = 0, control_port_ = 0;
  std::optional<client> control_;
};

}  // namespace agora_test
