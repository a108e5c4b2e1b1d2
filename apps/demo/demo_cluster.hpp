// The cluster demo's five agora-node processes on 127.0.0.1: each on a port
// of its own choosing (port 0, learnt from its banner), nodes 2..5 seeded
// with node 1, the majority guard on (--cluster-size 5), one slot each and
// /bin/sh allowed as the jobs' interpreter. Waits with deadlines for what
// they report; stops them in order (SIGTERM), and kills whatever is left
// (SIGKILL) when the object goes, on every path.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "demo_node.hpp"
#include "demo_signals.hpp"

namespace agora_demo {

using namespace std::chrono_literals;
using demo_clock = std::chrono::steady_clock;

class demo_cluster {
 public:
  demo_cluster(std::string node_program, std::string secret_file, std::string scratch)
      : program_(std::move(node_program)), secret_(std::move(secret_file)), scratch_(std::move(scratch)) {}

  /// Starts node `id` and waits (at most `timeout`) for its banner; its address.
  const std::string& start(std::uint64_t id, std::chrono::milliseconds timeout = 20s) {
    std::vector<std::string> args{"--id", std::to_string(id), "--listen", "127.0.0.1:0", "--secret-file", secret_,
                                  "--cluster-size", "5", "--slots", "1", "--allow-interpreter", "sh=/bin/sh",
                                  "--scratch", scratch_ + "/node-" + std::to_string(id)};
    if (id != 1) args.insert(args.end(), {"--seed", node(1).address()});
    auto& n = *nodes_.emplace(id, std::make_unique<demo_node>(id, program_, std::move(args))).first->second;
    wait_until([&] { return !n.address().empty(); }, timeout,
               [&] { return "node " + std::to_string(id) + " did not say where it listens"; });
    return n.address();
  }

  demo_node& node(std::uint64_t id) const {
    auto it = nodes_.find(id);
    if (it == nodes_.end()) throw std::logic_error("no node " + std::to_string(id));
    return *it->second;
  }

  /// The ids of the nodes not killed.
  std::vector<std::uint64_t> alive() const {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, n] : nodes_)
      if (!n->exited()) ids.push_back(id);
    return ids;
  }

  /// The leader every node alive reports, if they all report the same one.
  std::optional<leader_seen> agreed_leader() const {
    std::optional<leader_seen> agreed;
    for (auto id : alive()) {
      const auto& l = node(id).leader();
      if (!l || (agreed && *agreed != *l)) return std::nullopt;
      agreed = l;
    }
    return agreed;
  }

  /// Waits (at most `timeout`) until every node alive reports the same
  /// leader, other than `not_this` (0: any).
  leader_seen wait_leader(std::chrono::milliseconds timeout, std::uint64_t not_this = 0) {
    wait_until([&] { return agreed_leader() && agreed_leader()->id != not_this; }, timeout,
               [&] { return std::string("the nodes did not agree on a leader"); });
    return *agreed_leader();
  }

  /// kill -9 of node `id`, reaped.
  void kill(std::uint64_t id) {
    node(id).signal(SIGKILL);
    node(id).wait_exit(5s);
  }

  /// Reads every node's output, then calls `also` (if any); sleeps a little.
  void pump(const std::function<void()>& also = {}) {
    throw_if_interrupted();
    for (auto& [id, n] : nodes_)
      if (!n->exited()) n->read();
    if (also) also();
    std::this_thread::sleep_for(20ms);
  }

  /// Pumps until `done()`; throws with `what()` and the nodes' last lines
  /// after `timeout`.
  void wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                  const std::function<std::string()>& what, const std::function<void()>& also = {}) {
    const auto deadline = demo_clock::now() + timeout;
    for (;;) {
      pump(also);
      if (done()) return;
      if (demo_clock::now() > deadline)
        throw std::runtime_error(what() + " within " + std::to_string(timeout.count() / 1000) + " s\n" + logs());
    }
  }

  /// SIGTERM to every node alive, then waits (at most `timeout` in all) for
  /// each to exit; the exit codes by id (nullopt: still running, then killed
  /// when the object goes).
  std::map<std::uint64_t, std::optional<int>> stop(std::chrono::milliseconds timeout = 10s) {
    const auto ids = alive();
    for (auto id : ids) node(id).signal(SIGTERM);
    const auto deadline = demo_clock::now() + timeout;
    std::map<std::uint64_t, std::optional<int>> codes;
    for (auto id : ids) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - demo_clock::now());
      codes[id] = node(id).wait_exit(std::max(left, 0ms));
    }
    return codes;
  }

  /// Every node's last lines, for an error message.
  std::string logs() const {
    std::string s;
    for (const auto& [id, n] : nodes_) s += "  node " + std::to_string(id) + "'s last lines:\n" + n->tail();
    return s;
  }

 private:
  std::string program_, secret_, scratch_;
  std::map<std::uint64_t, std::unique_ptr<demo_node>> nodes_;  // child_process: SIGKILL + reap when it goes
};

}  // namespace agora_demo
