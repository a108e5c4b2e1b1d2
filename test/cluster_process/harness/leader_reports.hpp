// The election as agora-node logs it: at info, "leader: node M (epoch E)"
// whenever the leader a node sees changes ("leader: none" when it sees none);
// with --log-level debug, the elector's own state after every change,
// "election: ROLE in epoch E (newest known N)". Tests wait for these lines;
// they never sleep in their place.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node_process.hpp"

namespace agora_test {

/// A "leader: node M (epoch E)" line.
struct leader_report {
  std::uint64_t id = 0, epoch = 0;
  log_line line;
};

/// What a node logs when it sees node `id` lead: the line's start.
inline std::string leader_is(std::uint64_t id) { return "leader: node " + std::to_string(id) + " (epoch "; }

/// The leader a line reports; nullopt for "leader: none" and other lines.
inline std::optional<leader_report> read_leader_report(const log_line& l) {
  const auto at = l.text.find("leader: node ");
  if (at == std::string::npos) return std::nullopt;
  const auto epoch_at = l.text.find(" (epoch ", at);
  if (epoch_at == std::string::npos) return std::nullopt;
  try {
    return leader_report{std::stoull(l.text.substr(at + 13)), std::stoull(l.text.substr(epoch_at + 8)), l};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

/// Waits at most `timeout` for `n` to report node `id` as leader in a line
/// from index `from` on; that report.
inline std::optional<leader_report> wait_leader(const node_process& n, std::uint64_t id,
                                                std::chrono::milliseconds timeout, std::size_t from = 0) {
  const auto line = n.wait_for(leader_is(id), timeout, from);
  if (!line) return std::nullopt;
  return read_leader_report(*line);
}

/// Every leader line of `n` from `from` on, "leader: none" included: how
/// often the leader it sees changed.
inline std::vector<log_line> leader_changes(const node_process& n, std::size_t from = 0) {
  return n.lines_with("info: leader: ", from);
}

/// Records the (epoch -> leader) pairs that processes reported and says
/// whether two leaders were ever reported for one epoch.
class epoch_ledger {
 public:
  /// Adds every leader line `n` printed; false (and `conflict()` says
  /// which) if one names another leader for an epoch already recorded.
  bool add(const node_process& n) {
    for (const auto& line : n.lines_with("leader: node ")) {
      const auto r = read_leader_report(line);
      if (!r) continue;
      const auto [it, fresh] = leaders_.emplace(r->epoch, r->id);
      if (!fresh && it->second != r->id) {
        conflict_ = n.name() + " reports node " + std::to_string(r->id) + " in epoch " + std::to_string(r->epoch) +
                    ", led by node " + std::to_string(it->second) + " as others saw it";
        return false;
      }
    }
    return true;
  }
  const std::string& conflict() const noexcept { return conflict_; }

 private:
  std::map<std::uint64_t, std::uint64_t> leaders_;
  std::string conflict_;
};

}  // namespace agora_test
