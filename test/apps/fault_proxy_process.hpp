// For tests that put agora-fault-proxy (test/tools/fault_proxy.cpp) between
// a client and a server: start it as a child process, learn its ports from
// its first line, and change its faults with command lines (over its control
// port, or its stdin). Every wait has a deadline.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "process_util.hpp"

namespace agora_test {

class fault_proxy_process {
 public:
  /// `path --listen 127.0.0.1:0 --to 127.0.0.1:TARGET --control 127.0.0.1:0`;
  /// waits (10 s at most) for "listening 127.0.0.1:N control 127.0.0.1:M".
  fault_proxy_process(const char* path, std::uint16_t target_port) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]);
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);  // dup2 clears O_CLOEXEC on 0 and 1
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    std::vector<std::string> args = {path, "--listen", "127.0.0.1:0", "--to",
                                     "127.0.0.1:" + std::to_string(target_port), "--control", "127.0.0.1:0"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, path, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      pid_ = -1;
      close_pipes();
      throw std::runtime_error(std::string("cannot start ") + path);
    }
    try {
      read_banner();
      control_.emplace(control_port_);
    } catch (...) {
      kill_now();  // the destructor does not run when a constructor throws
      throw;
    }
  }
  fault_proxy_process(const fault_proxy_process&) = delete;
  fault_proxy_process& operator=(const fault_proxy_process&) = delete;
  ~fault_proxy_process() { kill_now(); }

  /// Where clients connect instead of the target.
  std::uint16_t port() const noexcept { return port_; }
  std::uint16_t control_port() const noexcept { return control_port_; }
  pid_t pid() const noexcept { return pid_; }

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
    const std::string text = std::string(line) + "\n";
    if (::write(stdin_, text.data(), text.size()) != static_cast<ssize_t>(text.size()))
      throw std::runtime_error("cannot write to the proxy's stdin");
    auto reply = stdout_line(test_clock::now() + 10s);
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

  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);  // never kill(-1, ...)
  }

  /// Waits for the exit (at most `timeout`): the exit code, 128 + the
  /// signal that killed it, or nullopt if it is still running.
  std::optional<int> wait_exit(milliseconds timeout = 10s) {
    if (pid_ <= 0) return std::nullopt;
    const auto deadline = test_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0 || test_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  std::optional<std::string> stdout_line(test_clock::time_point deadline) {
    for (;;) {
      if (auto eol = out_.find('\n'); eol != std::string::npos) {
        std::string l = out_.substr(0, eol);
        out_.erase(0, eol + 1);
        return l;
      }
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, ms_left(deadline)) <= 0) return std::nullopt;
      char buf[512];
      const auto n = ::read(stdout_, buf, sizeof buf);
      if (n <= 0) return std::nullopt;
      out_.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// "listening 127.0.0.1:N control 127.0.0.1:M"
  void read_banner() {
    const auto line = stdout_line(test_clock::now() + 10s);
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

  void close_pipes() {
    if (stdin_ >= 0) ::close(stdin_);
    if (stdout_ >= 0) ::close(stdout_);
    stdin_ = stdout_ = -1;
  }

  void kill_now() {
    control_.reset();
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    close_pipes();
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1;
  std::string out_;  // read from stdout, not yet a whole line
  std::uint16_t port_ = 0, control_port_ = 0;
  std::optional<client> control_;
};

}  // namespace agora_test
