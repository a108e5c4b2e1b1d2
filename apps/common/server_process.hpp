// A server program of apps/ (agora-echo, agora-chat) as a child process:
// `path --host 127.0.0.1 --port 0 args...`, its port learnt from its banner
// ("NAME: listening on HOST:PORT", apps::announce). Shared by the demo, the
// program tests and the echo benchmark. POSIX only; no agora headers.
#pragma once

#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace agora_apps {

using namespace std::chrono_literals;
using process_clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

/// Milliseconds left until `deadline` (0 when it has passed).
inline int ms_left(process_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - process_clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

/// A server program as a child process: `path --host 127.0.0.1 --port 0
/// args...`, its stdout on a pipe; the constructor waits (10 s at most) for
/// "...: listening on HOST:PORT" and throws if it does not come.
class server_process {
 public:
  server_process(const char* path, std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    args.insert(args.begin(), {path, "--host", "127.0.0.1", "--port", "0"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, path, &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    out_ = fds[0];
    if (rc != 0) {
      close(out_);
      throw std::runtime_error(std::string("cannot start ") + path);
    }
    try {
      read_port();
    } catch (...) {
      kill_now();  // the destructor does not run when a constructor throws
      throw;
    }
  }
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;
  ~server_process() { kill_now(); }

  std::uint16_t port() const noexcept { return port_; }
  /// The line that said where it listens ("NAME: listening on HOST:PORT").
  const std::string& banner() const noexcept { return banner_; }
  pid_t pid() const noexcept { return pid_; }
  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);  // never kill(-1, ...)
  }

  /// Waits for the exit (at most `timeout`): the exit code, 128 + the
  /// signal that killed it, or nullopt if it is still running.
  std::optional<int> wait_exit(milliseconds timeout = 10s) {
    if (pid_ <= 0) return std::nullopt;  // waitpid(-1) would reap any child
    const auto deadline = process_clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0 || process_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(10ms);
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  /// Still running (not exited, not killed)?
  bool running() { return pid_ > 0 && !wait_exit(0ms); }

  /// Resident set size in KiB (VmRSS in /proc/PID/status), 0 if unknown.
  std::size_t rss_kib() const {
    std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
    std::string key;
    while (in >> key) {
      if (key == "VmRSS:") {
        std::size_t kib = 0;
        in >> kib;
        return kib;
      }
      in.ignore(1 << 16, '\n');
    }
    return 0;
  }

 private:
  void kill_now() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (out_ >= 0) close(out_);
    out_ = -1;
  }

  void read_port() {
    const auto deadline = process_clock::now() + 10s;
    std::string text;
    const std::string key = "listening on ";
    for (;;) {
      if (auto at = text.find(key); at != std::string::npos) {
        if (auto eol = text.find('\n', at); eol != std::string::npos) {
          const auto bol = text.rfind('\n', at);
          banner_ = text.substr(bol == std::string::npos ? 0 : bol + 1, eol - (bol == std::string::npos ? 0 : bol + 1));
          const std::string addr = text.substr(at + key.size(), eol - at - key.size());
          port_ = static_cast<std::uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
          return;
        }
      }
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, ms_left(deadline)) <= 0)
        throw std::runtime_error("the server did not say where it listens; output: " + text);
      char buf[512];
      const auto n = read(out_, buf, sizeof buf);
      if (n <= 0) throw std::runtime_error("the server exited before listening; output: " + text);
      text.append(buf, static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  std::uint16_t port_ = 0;
  std::string banner_;
};

}  // namespace agora_apps
