// A program as a child process, its stdout (and, if asked, its stdin) on a
// pipe: read its lines with a deadline, write to it, signal it, wait for its
// exit; killed (SIGKILL) and reaped when the object goes. Shared by the
// tests' fault-proxy helper and the cluster benchmark's baselines. POSIX
// only; no agora headers.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace agora_apps {

/// The path of the executable `name` in PATH, or in /usr/sbin and /sbin
/// (where Debian puts daemons such as mosquitto, and which a non-root PATH
/// lacks); empty if there is none. A name with a '/' is taken as a path.
inline std::string find_program(std::string_view name) {
  const auto executable = [](const std::string& p) {
    struct stat st{};
    return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string_view::npos) return executable(std::string(name)) ? std::string(name) : "";
  const char* path = std::getenv("PATH");
  std::string dirs = std::string(path ? path : "/usr/bin:/bin") + ":/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    auto end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    if (end > start) {
      const std::string candidate = dirs.substr(start, end - start) + "/" + std::string(name);
      if (executable(candidate)) return candidate;
    }
    start = end + 1;
  }
  return "";
}

struct spawn_options {
  bool pipe_stdin = false;       // else stdin is /dev/null
  bool stderr_to_stdout = false;  // else its stderr is ours
  std::string stderr_file{};      // if set, its stderr goes to this file (created or truncated)
  std::vector<std::string> env;  // NAME=VALUE, added to the environment (replacing NAME)
};

class child_process {
 public:
  using clock = std::chrono::steady_clock;
  using milliseconds = std::chrono::milliseconds;

  /// Starts argv[0] (a path, or a name looked up with find_program) with
  /// argv; its stdout on a pipe, its stderr shared with ours (or on the
  /// same pipe: spawn_options::stderr_to_stdout, or in a file:
  /// spawn_options::stderr_file). Throws if it cannot start.
  explicit child_process(std::vector<std::string> argv, spawn_options opt = {}) {
    if (argv.empty()) throw std::invalid_argument("child_process: no program");
    const std::string path = find_program(argv[0]);
    if (path.empty()) throw std::runtime_error("no program '" + argv[0] + "'");
    int out[2], in[2] = {-1, -1};
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (opt.pipe_stdin && pipe2(in, O_CLOEXEC) != 0) {
      ::close(out[0]), ::close(out[1]);
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (opt.pipe_stdin) posix_spawn_file_actions_adddup2(&fa, in[0], 0);  // dup2 keeps 0 and 1 open in the child
    else posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    if (opt.stderr_to_stdout) posix_spawn_file_actions_adddup2(&fa, out[1], 2);
    else if (!opt.stderr_file.empty())
      posix_spawn_file_actions_addopen(&fa, 2, opt.stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    std::vector<std::string> env = with_overrides(opt.env);
    std::vector<char*> argv_p, env_p;
    for (auto& a : argv) argv_p.push_back(a.data());
    argv_p.push_back(nullptr);
    for (auto& e : env) env_p.push_back(e.data());
    env_p.push_back(nullptr);
    const int rc = posix_spawn(&pid_, path.c_str(), &fa, nullptr, argv_p.data(), env_p.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    out_ = out[0];
    if (opt.pipe_stdin) {
      ::close(in[0]);
      in_ = in[1];
    }
    if (rc != 0) {
      pid_ = -1;
      close_pipes();
      throw std::runtime_error("cannot start " + path);
    }
  }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;
  ~child_process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    close_pipes();
  }

  pid_t pid() const noexcept { return pid_; }
  /// False once its stdout has ended (line() saw the end).
  bool stdout_open() const noexcept { return out_ >= 0; }

  /// The next line of its stdout (without "\n"), or nullopt if none is
  /// complete within `timeout` or its stdout closed first.
  std::optional<std::string> line(milliseconds timeout) {
    const auto deadline = clock::now() + timeout;
    for (;;) {
      if (auto eol = buffered_.find('\n'); eol != std::string::npos) {
        std::string l = buffered_.substr(0, eol);
        buffered_.erase(0, eol + 1);
        return l;
      }
      if (out_ < 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, ms_until(deadline)) <= 0) return std::nullopt;
      char buf[4096];
      const auto n = ::read(out_, buf, sizeof buf);
      if (n <= 0) {
        ::close(out_);
        out_ = -1;
        return std::nullopt;
      }
      buffered_.append(buf, static_cast<std::size_t>(n));
    }
  }

  /// Writes all of `text` to its stdin (spawn_options::pipe_stdin); false
  /// if it cannot.
  bool write(std::string_view text) {
    while (!text.empty()) {
      const auto n = ::write(in_, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      text.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  void signal(int sig) const {
    if (pid_ > 0) kill(pid_, sig);  // never kill(-1, ...)
  }

  /// Waits for the exit (at most `timeout`): the exit code, 128 + the
  /// signal that killed it, or nullopt if it is still running.
  std::optional<int> wait_exit(milliseconds timeout) {
    if (pid_ <= 0) return std::nullopt;  // waitpid(-1) would reap any child
    const auto deadline = clock::now() + timeout;
    int status = 0;
    for (;;) {
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) break;
      if (r < 0 || clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(milliseconds(5));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  static int ms_until(clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now()).count();
    return left > 0 ? static_cast<int>(left) : 0;
  }

  static std::vector<std::string> with_overrides(const std::vector<std::string>& overrides) {
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
      const std::string_view entry(*e);
      const auto eq = entry.find('=');
      const auto name = entry.substr(0, eq == std::string_view::npos ? entry.size() : eq + 1);
      bool replaced = false;
      for (const auto& o : overrides) replaced = replaced || o.rfind(name, 0) == 0;
      if (!replaced) env.emplace_back(entry);
    }
    env.insert(env.end(), overrides.begin(), overrides.end());
    return env;
  }

  void close_pipes() {
    if (out_ >= 0) ::close(out_);
    if (in_ >= 0) ::close(in_);
    out_ = in_ = -1;
  }

  pid_t pid_ = -1;
  int out_ = -1, in_ = -1;
  std::string buffered_;  // read from stdout, not yet a whole line
};

}  // namespace agora_apps
