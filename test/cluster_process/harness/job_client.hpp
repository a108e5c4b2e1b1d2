// `agora-node submit` and `agora-node cancel` as child processes (docs/
// JOBS.md): a command whose stdout and stderr are read, line by line, by a
// thread of its own while it runs, each line kept with the moment it came;
// submit's JSON lines read into part results; the check that every part
// came exactly once; and the processes of a job found by a marker in their
// command line (/proc/*/cmdline), so that a test can see them go on every
// node (all the nodes run on this machine).
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "node_process.hpp"

extern char** environ;

namespace agora_test {

/// A command left running, both its outputs read by a thread into lines.
/// Killed (SIGKILL) and reaped when it goes, if it still runs.
class command_process {
 public:
  command_process(std::string name, const std::string& program, std::vector<std::string> args)
      : name_(std::move(name)) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    if (pipe2(err, O_CLOEXEC) != 0) {
      ::close(out[0]), ::close(out[1]);
      throw std::runtime_error("pipe failed");
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    args.insert(args.begin(), program);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, program.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(out[0]);
      ::close(err[0]);
      pid_ = -1;
      throw std::runtime_error("cannot start " + program);
    }
    started_ = test_clock::now();
    reader_ = std::thread([this, o = out[0], e = err[0]] { read(o, e); });
  }
  command_process(const command_process&) = delete;
  command_process& operator=(const command_process&) = delete;
  ~command_process() {
    {
      std::lock_guard lock(mutex_);
      if (pid_ > 0) kill(pid_, SIGKILL);
    }
    reap(std::chrono::hours(1));
    if (reader_.joinable()) reader_.join();
  }

  const std::string& name() const noexcept { return name_; }
  pid_t pid() const noexcept { return pid_; }
  test_clock::time_point started() const noexcept { return started_; }

  void signal(int sig) const {
    std::lock_guard lock(mutex_);
    if (pid_ > 0) kill(pid_, sig);  // never kill(-1, ...)
  }

  /// Waits at most `timeout` for its exit and for the end of both its
  /// outputs: the exit code (128 + the signal that killed it), or nullopt
  /// if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    const auto code = reap(timeout);
    if (!code) return std::nullopt;
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, std::chrono::seconds(5), [&] { return ended_; });  // what it wrote last
    return code;
  }
  /// When it was seen to exit (wait_exit), else nullopt.
  std::optional<test_clock::time_point> exited_at() const {
    std::lock_guard lock(mutex_);
    return exited_at_;
  }

  std::vector<log_line> out() const {
    std::lock_guard lock(mutex_);
    return out_;
  }
  std::vector<log_line> err() const {
    std::lock_guard lock(mutex_);
    return err_;
  }
  std::string err_text() const {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& l : err_) all += l.text + "\n";
    return all;
  }

  /// The first stderr line that contains `part`, waiting at most `timeout`.
  std::optional<log_line> wait_err(const std::string& part, std::chrono::milliseconds timeout) const {
    return wait_in(err_, part, timeout);
  }
  /// The first stdout line that contains `part`, waiting at most `timeout`.
  std::optional<log_line> wait_out(const std::string& part, std::chrono::milliseconds timeout) const {
    return wait_in(out_, part, timeout);
  }

  /// Both outputs, for a failed check's message.
  std::string transcript() const {
    std::lock_guard lock(mutex_);
    std::string all = name_ + " stdout:\n";
    for (const auto& l : out_) all += "  " + l.text + "\n";
    all += name_ + " stderr:\n";
    for (const auto& l : err_) all += "  " + l.text + "\n";
    return all;
  }

 private:
  std::optional<log_line> wait_in(const std::vector<log_line>& lines, const std::string& part,
                                  std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    const auto deadline = test_clock::now() + timeout;
    for (std::size_t i = 0;;) {
      for (; i < lines.size(); ++i)
        if (lines[i].text.find(part) != std::string::npos) return lines[i];
      if (ended_) return std::nullopt;
      if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout && i == lines.size()) return std::nullopt;
    }
  }

  std::optional<int> reap(std::chrono::milliseconds timeout) {
    const auto deadline = test_clock::now() + timeout;
    for (;;) {
      {
        std::lock_guard lock(mutex_);
        if (pid_ <= 0) return code_;  // waitpid(-1) would reap any child
        int status = 0;
        const pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
          pid_ = -1;
          exited_at_ = test_clock::now();
          code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          return code_;
        }
        if (r < 0) return std::nullopt;
      }
      if (test_clock::now() > deadline) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void read(int out, int err) {
    pollfd fds[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
    std::string partial[2];
    std::vector<log_line>* into[2] = {&out_, &err_};
    int open = 2;
    while (open > 0) {
      if (poll(fds, 2, 200) < 0 && errno != EINTR) break;
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        char buf[4096];
        const auto n = ::read(fds[i].fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        std::lock_guard lock(mutex_);
        if (n <= 0) {
          if (!partial[i].empty()) into[i]->push_back({into[i]->size(), test_clock::now(), std::move(partial[i])});
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open;
        } else {
          partial[i].append(buf, static_cast<std::size_t>(n));
          for (auto eol = partial[i].find('\n'); eol != std::string::npos; eol = partial[i].find('\n')) {
            into[i]->push_back({into[i]->size(), test_clock::now(), partial[i].substr(0, eol)});
            partial[i].erase(0, eol + 1);
          }
        }
        arrived_.notify_all();
      }
    }
    for (auto& f : fds)
      if (f.fd >= 0) ::close(f.fd);
    std::lock_guard lock(mutex_);
    ended_ = true;
    arrived_.notify_all();
  }

  std::string name_;
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  pid_t pid_ = -1;
  std::optional<int> code_;
  std::optional<test_clock::time_point> exited_at_;
  test_clock::time_point started_{};
  std::vector<log_line> out_, err_;
  bool ended_ = false;
  std::thread reader_;
};

/// One line of submit's stdout: {"part":I,"node":N,"attempt":A,"result":"..."}.
struct part_result {
  std::int64_t part = -1;
  std::uint64_t node = 0;
  std::int64_t attempt = 0;
  std::string result;
};

/// The line read, or nullopt if it is not such a line.
inline std::optional<part_result> read_part_result(const std::string& line) {
  try {
    const auto j = nlohmann::json::parse(line);
    if (!j.is_object() || j.size() != 4) return std::nullopt;
    return part_result{j.at("part").get<std::int64_t>(), j.at("node").get<std::uint64_t>(),
                       j.at("attempt").get<std::int64_t>(), j.at("result").get<std::string>()};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// What a submit printed on stdout, by part; `problems` tells every line
/// that is not a part result, a part out of range, and a part printed more
/// than once (the one-acceptor rule broken).
struct submit_results {
  std::map<std::int64_t, part_result> parts;
  std::vector<std::string> problems;

  /// Every part of 0..n-1 exactly once, and nothing else.
  bool each_once(std::int64_t n) const { return problems.empty() && static_cast<std::int64_t>(parts.size()) == n; }
  std::string describe(std::int64_t n) const {
    std::string d = std::to_string(parts.size()) + " of " + std::to_string(n) + " parts";
    for (const auto& p : problems) d += "; " + p;
    return d;
  }
};

inline submit_results read_results(const command_process& submit, std::int64_t parts) {
  submit_results r;
  for (const auto& line : submit.out()) {
    const auto p = read_part_result(line.text);
    if (!p) {
      r.problems.push_back("not a part result: " + line.text);
    } else if (p->part < 0 || p->part >= parts) {
      r.problems.push_back("part out of range: " + line.text);
    } else if (auto [it, fresh] = r.parts.emplace(p->part, *p); !fresh) {
      r.problems.push_back("part " + std::to_string(p->part) + " printed twice: " + line.text);
    }
  }
  return r;
}

/// The job id submit printed first on stderr ("agora-node submit: job j-… ("),
/// waiting at most `timeout` for it; "" if none came.
inline std::string wait_job_id(const command_process& submit, std::chrono::milliseconds timeout = 20s) {
  const std::string tag = "agora-node submit: job ";
  const auto line = submit.wait_err(tag, timeout);
  if (!line) return "";
  const auto at = line->text.find(tag) + tag.size();
  return line->text.substr(at, line->text.find(' ', at) - at);
}

/// A marker no other process on the machine has in its command line.
inline std::string unique_marker(const std::string& prefix) {
  std::random_device r;
  std::ostringstream m;
  m << prefix << "-" << std::hex << r() << r();
  return m.str();
}

/// The pids of the processes whose command line (NULs read as spaces)
/// contains `marker`, but not those of `program` (submit's own command
/// line carries the job's arguments).
inline std::vector<pid_t> processes_with(const std::string& marker, const std::string& program = AGORA_NODE_BIN) {
  std::vector<pid_t> found;
  DIR* proc = opendir("/proc");
  if (!proc) return found;
  while (const dirent* e = readdir(proc)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    // read(2), not a stream: a process that ends meanwhile makes the read
    // fail (ESRCH), which libstdc++'s filebuf turns into an exception.
    const int fd = ::open((std::string("/proc/") + e->d_name + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    std::string cmdline;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) cmdline.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (cmdline.empty()) continue;  // a zombie, a kernel thread, or gone meanwhile
    const std::string argv0 = cmdline.substr(0, cmdline.find('\0'));
    if (argv0 == program) continue;
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(marker) != std::string::npos) found.push_back(static_cast<pid_t>(pid));
  }
  closedir(proc);
  return found;
}

/// Waits until `enough(count)` holds for the processes with `marker`; when
/// it did, or nullopt if not within `timeout`.
template <class Enough>
std::optional<test_clock::time_point> wait_processes(const std::string& marker, Enough enough,
                                                     std::chrono::milliseconds timeout) {
  const auto deadline = test_clock::now() + timeout;
  for (;;) {
    const auto now = test_clock::now();
    if (enough(processes_with(marker).size())) return now;
    if (now > deadline) return std::nullopt;
    std::this_thread::sleep_for(20ms);
  }
}

/// A script for /bin/sh whose part runs a `sleep` named after its first
/// argument (a symlink "$HOME/sleep-MARKER", so the marker is the sleep's
/// argv[0]), logs "started" on stderr, and then either waits for it
/// (`background` false) or leaves it running and exits 0 at once.
inline std::string marked_sleep_script(bool background) {
  std::string s =
      "#!/bin/sh\n"
      "ln -s \"$(command -v sleep)\" \"$HOME/sleep-$1\" || exit 9\n"
      "echo started >&2\n";
  if (background) s += "\"$HOME/sleep-$1\" 3600 &\necho \"part $AGORA_PART\"\nexit 0\n";
  else s += "\"$HOME/sleep-$1\" 3600\n";
  return s;
}

/// The parts a node logged as started ("job J part P: started", the
/// script's stderr line), from its line `from` on.
inline std::vector<std::int64_t> parts_started(const node_process& n, const std::string& job, std::size_t from = 0) {
  std::vector<std::int64_t> parts;
  const std::string tag = "job " + job + " part ";
  for (const auto& l : n.lines_with(": started", from)) {
    const auto at = l.text.find(tag);
    if (at == std::string::npos) continue;
    parts.push_back(std::stoll(l.text.substr(at + tag.size())));
  }
  return parts;
}

}  // namespace agora_test

namespace agora_test {

/// Kills (SIGKILL) whatever still runs with `marker` when it goes: a test
/// that fails midway leaves no `sleep 3600` behind.
class marked_cleanup {
 public:
  explicit marked_cleanup(std::string marker) : marker_(std::move(marker)) {}
  marked_cleanup(const marked_cleanup&) = delete;
  marked_cleanup& operator=(const marked_cleanup&) = delete;
  ~marked_cleanup() {
    for (const auto pid : processes_with(marker_)) kill(pid, SIGKILL);
  }

 private:
  std::string marker_;
};

}  // namespace agora_test
