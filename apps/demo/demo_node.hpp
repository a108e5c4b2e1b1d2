// One agora-node of the cluster demo as a child process: its output (stdout
// and stderr on one pipe) read without blocking, what the demo needs kept —
// the leader it reports last ("leader: node N (epoch E)"), the parts it
// starts (each part's script says "started" on stderr, which the node logs
// as "job J part P: started"), the last lines for an error message. Killed
// (SIGKILL) and reaped when the object goes.
#pragma once

#include <cstdint>
#include <cstdio>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"

namespace agora_demo {

struct leader_seen {
  std::uint64_t id = 0;
  std::string epoch;
  bool operator==(const leader_seen&) const = default;
};

class demo_node {
 public:
  demo_node(std::uint64_t id, const std::string& program, std::vector<std::string> args)
      : id_(id), child_(with_program(program, std::move(args)), {.stderr_to_stdout = true, .env = {}}) {}

  std::uint64_t id() const noexcept { return id_; }
  pid_t pid() const noexcept { return child_.pid(); }
  /// HOST:PORT from its banner; empty until it came.
  const std::string& address() const noexcept { return address_; }
  /// The leader it reported last; nullopt before any, or after "leader: none".
  const std::optional<leader_seen>& leader() const noexcept { return leader_; }
  /// Parts it said it started, in order (each once).
  const std::vector<int>& started() const noexcept { return started_; }
  bool exited() const noexcept { return exit_code_.has_value(); }

  /// Reads what it printed since the last call, without waiting.
  void read() {
    while (auto line = child_.line(agora_apps::child_process::milliseconds(0))) take(*line);
  }

  void signal(int sig) const { child_.signal(sig); }
  /// Its exit status once it exited (see child_process::wait_exit).
  std::optional<int> wait_exit(agora_apps::child_process::milliseconds timeout) {
    if (!exit_code_) exit_code_ = child_.wait_exit(timeout);
    return exit_code_;
  }

  /// Its last lines, indented, for an error message.
  std::string tail() const {
    std::string s;
    for (const auto& l : tail_) s += "    " + l + "\n";
    return s;
  }

 private:
  static std::vector<std::string> with_program(const std::string& program, std::vector<std::string> args) {
    args.insert(args.begin(), program);
    return args;
  }

  void take(const std::string& line) {
    tail_.push_back(line);
    if (tail_.size() > 12) tail_.pop_front();
    // "agora-node 3 listening on 127.0.0.1:4711 (incarnation 1718000000123456)"
    if (auto at = line.find(" listening on "); at != std::string::npos && address_.empty()) {
      at += 14;
      address_ = line.substr(at, line.find(' ', at) - at);
    }
    // "agora-node 3: info: leader: node 5 (epoch 1796132564609694)" or "...: leader: none"
    if (auto at = line.find(": leader: "); at != std::string::npos) {
      const std::string what = line.substr(at + 10);
      leader_.reset();
      unsigned long long id = 0;
      char epoch[32] = {};
      if (std::sscanf(what.c_str(), "node %llu (epoch %31[0-9])", &id, epoch) == 2) leader_ = leader_seen{id, epoch};
    }
    // "agora-node 3: info: job j-... part 4: started"
    if (line.ends_with(": started")) {
      const auto at = line.rfind(" part ");
      int part = -1;
      if (at != std::string::npos && std::sscanf(line.c_str() + at, " part %d:", &part) == 1) started_.push_back(part);
    }
  }

  std::uint64_t id_;
  agora_apps::child_process child_;
  std::string address_;
  std::optional<leader_seen> leader_;
  std::vector<int> started_;
  std::deque<std::string> tail_;
  std::optional<int> exit_code_;
};

}  // namespace agora_demo
