// A cluster of node processes on 127.0.0.1 for one test: a scratch
// directory with the cluster's secret (64 random hex digits, mode 0600),
// agora-node and agora-cluster-probe processes started by id (each on a port
// of its own choosing, port 0), their status, and their logs for a failed
// check's message. Everything it started is killed when it goes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "node_process.hpp"
#include "scratch_dir.hpp"
#include "status_report.hpp"

namespace agora_test {

/// 64 hex digits from the system's random source (a 256-bit secret).
inline std::string random_secret_hex() {
  std::random_device random;  // /dev/urandom
  const char* digits = "0123456789abcdef";
  std::string hex;
  for (int i = 0; i < 64; ++i) hex += digits[random() % 16];
  return hex + "\n";
}

class test_cluster {
 public:
  test_cluster() : secret_(dir_.write("secret", random_secret_hex(), 0600)) {}
  test_cluster(const test_cluster&) = delete;
  test_cluster& operator=(const test_cluster&) = delete;

  const std::string& secret() const noexcept { return secret_; }
  /// Writes a file (mode 0600) into the scratch directory; its path.
  std::string write(const std::string& name, const std::string& text) { return dir_.write(name, text, 0600); }

  /// agora-node --id ID --listen 127.0.0.1:0 --secret-file S [--seed A]... EXTRA...
  /// (EXTRA's --listen or --secret-file, if any, instead of those).
  node_process& start(std::uint64_t id, const std::vector<std::string>& seeds = {},
                      std::vector<std::string> extra = {}) {
    return launch(id, AGORA_NODE_BIN, node_args(id, seeds, std::move(extra)));
  }

  /// agora-cluster-probe with the same node arguments, then PROBE_ARGS
  /// (--role ...).
  node_process& start_probe(std::uint64_t id, const std::vector<std::string>& seeds,
                            std::vector<std::string> probe_args) {
    return launch(id, AGORA_CLUSTER_PROBE_BIN, node_args(id, seeds, std::move(probe_args)));
  }

  /// The latest process started with `id`.
  node_process& node(std::uint64_t id) {
    auto it = latest_.find(id);
    if (it == latest_.end()) throw std::logic_error("no node " + std::to_string(id));
    return *it->second;
  }

  /// The cluster as node `id` sees it (agora-node status --json); throws
  /// with the reason when it cannot be had.
  status_report status(std::uint64_t id) { return status_at(node(id).address()); }
  status_report status_at(const std::string& address) {
    std::string why;
    auto s = query_status(AGORA_NODE_BIN, address, secret_, &why);
    if (!s) throw std::runtime_error("status of " + address + ": " + why);
    return *s;
  }

  /// Waits until each of `ids` has logged "node M appeared" for every other
  /// one of them (presence demo); false if one does not within `timeout`.
  bool wait_mesh(const std::vector<std::uint64_t>& ids, std::chrono::milliseconds timeout = 10s) {
    for (auto n : ids)
      for (auto m : ids)
        if (n != m && !node(n).wait_for(appeared(m), timeout)) return false;
    return true;
  }

  static std::string appeared(std::uint64_t id) { return "node " + std::to_string(id) + " appeared"; }
  static std::string disappeared(std::uint64_t id) { return "node " + std::to_string(id) + " disappeared: "; }

  /// Every process's output, for a failed check's message.
  std::string logs() const {
    std::string all;
    for (const auto& p : started_) all += p->name() + ":\n" + p->transcript();
    return all;
  }

 private:
  std::vector<std::string> node_args(std::uint64_t id, const std::vector<std::string>& seeds,
                                     std::vector<std::string> extra) const {
    std::vector<std::string> args{"--id", std::to_string(id)};
    const auto given = [&](const char* flag) { return std::find(extra.begin(), extra.end(), flag) != extra.end(); };
    if (!given("--listen")) args.insert(args.end(), {"--listen", "127.0.0.1:0"});
    if (!given("--secret-file")) args.insert(args.end(), {"--secret-file", secret_});
    for (const auto& s : seeds) args.insert(args.end(), {"--seed", s});
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  node_process& launch(std::uint64_t id, const std::string& program, std::vector<std::string> args) {
    const int run = ++runs_[id];
    std::string name = label(id) + (run > 1 ? " (run " + std::to_string(run) + ")" : "");
    started_.push_back(std::make_unique<node_process>(std::move(name), program, std::move(args)));
    latest_[id] = started_.back().get();
    return *started_.back();
  }

  static std::string label(std::uint64_t id) { return "node " + std::to_string(id); }

  scratch_dir dir_;
  std::string secret_;
  std::vector<std::unique_ptr<node_process>> started_;  // killed before the directory goes
  std::map<std::uint64_t, node_process*> latest_;
  std::map<std::uint64_t, int> runs_;  // processes started per id
};

}  // namespace agora_test
