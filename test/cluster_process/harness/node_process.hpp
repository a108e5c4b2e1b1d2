// One cluster node as a child process (agora-node, or agora-cluster-probe,
// which prints the same banner): its standard output read by a thread of
// its own, each line kept with the moment it arrived, so that a test can
// wait for a line and measure when it came (kill -9 at T0, the peer's
// "disappeared" line at T1). Killed (SIGKILL) and reaped when it goes.
#pragma once

#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "child_process.hpp"

namespace agora_test {

using test_clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// A line of output and when the test process read it.
struct log_line {
  std::size_t index = 0;  // among the process's lines, from 0
  test_clock::time_point at{};
  std::string text;
};

class node_process {
 public:
  /// Starts `program args...` and waits (at most `banner_timeout`) for
  /// "... listening on HOST:PORT (incarnation N)". Throws, with what it
  /// printed, if that does not come.
  node_process(std::string name, const std::string& program, std::vector<std::string> args,
               std::chrono::milliseconds banner_timeout = 20s)
      : name_(std::move(name)), child_(with_program(program, std::move(args))) {
    reader_ = std::thread([this] { read_lines(); });
    const auto banner = wait_for(" listening on ", banner_timeout);
    if (!banner) {
      stop();
      throw std::runtime_error(name_ + " did not say where it listens; it printed:\n" + transcript());
    }
    parse_banner(banner->text);
  }
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;
  ~node_process() { stop(); }

  const std::string& name() const noexcept { return name_; }
  /// The address it bound, from its banner.
  const std::string& address() const noexcept { return address_; }
  std::uint16_t port() const { return static_cast<std::uint16_t>(std::stoi(address_.substr(address_.rfind(':') + 1))); }
  std::uint64_t incarnation() const noexcept { return incarnation_; }
  pid_t pid() const noexcept { return child_.pid(); }

  /// How many lines have come so far: wait_for(..., mark()) sees only
  /// those that come after this moment.
  std::size_t mark() const {
    std::lock_guard lock(mutex_);
    return lines_.size();
  }

  /// The first line from index `from` on that contains `part`, waiting at
  /// most `timeout` for it; nullopt if none comes (or the output ends).
  std::optional<log_line> wait_for(const std::string& part, std::chrono::milliseconds timeout,
                                   std::size_t from = 0) const {
    std::unique_lock lock(mutex_);
    const auto deadline = test_clock::now() + timeout;
    for (std::size_t i = from;;) {
      for (; i < lines_.size(); ++i)
        if (lines_[i].text.find(part) != std::string::npos) return lines_[i];
      if (ended_) return std::nullopt;
      if (arrived_.wait_until(lock, deadline) == std::cv_status::timeout && i == lines_.size())
        return std::nullopt;
    }
  }

  /// The lines from `from` on that contain `part`, as they are now.
  std::vector<log_line> lines_with(const std::string& part, std::size_t from = 0) const {
    std::lock_guard lock(mutex_);
    std::vector<log_line> found;
    for (std::size_t i = from; i < lines_.size(); ++i)
      if (lines_[i].text.find(part) != std::string::npos) found.push_back(lines_[i]);
    return found;
  }

  /// Everything it printed so far, for a failed check's message.
  std::string transcript() const {
    std::lock_guard lock(mutex_);
    std::string all;
    for (const auto& l : lines_) all += "  " + l.text + "\n";
    return all;
  }

  void signal(int sig) const { child_.signal(sig); }

  /// Waits at most `timeout` for its exit: the exit code, 128 + the signal
  /// that killed it, or nullopt if it still runs.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) { return child_.wait_exit(timeout); }

 private:
  static std::vector<std::string> with_program(const std::string& program, std::vector<std::string> args) {
    args.insert(args.begin(), program);
    return args;
  }

  void read_lines() {
    for (;;) {
      auto line = child_.line(200ms);
      std::lock_guard lock(mutex_);
      if (line) {
        lines_.push_back({lines_.size(), test_clock::now(), std::move(*line)});
        arrived_.notify_all();
      } else if (!child_.stdout_open() || stopping_) {
        ended_ = true;
        arrived_.notify_all();
        return;
      }
    }
  }

  /// "agora-node 3 listening on 127.0.0.1:4711 (incarnation 1718000000123456)"
  void parse_banner(const std::string& line) {
    const auto at = line.find(" listening on ") + 14;
    const auto space = line.find(' ', at);
    address_ = line.substr(at, space - at);
    const auto inc = line.find("(incarnation ");
    if (inc != std::string::npos) incarnation_ = std::stoull(line.substr(inc + 13));
  }

  void stop() {
    child_.signal(SIGKILL);
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    if (reader_.joinable()) reader_.join();
  }

  std::string name_;
  agora_apps::child_process child_;  // reaped in its destructor, after the reader is joined
  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::vector<log_line> lines_;
  bool ended_ = false, stopping_ = false;
  std::thread reader_;
  std::string address_;
  std::uint64_t incarnation_ = 0;
};

}  // namespace agora_test
