// Five agora-node members with the majority guard (--cluster-size 5), the
// cluster of the election's process tests, and the check that every one of
// some members reports the same leader in the same epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "leader_reports.hpp"
#include "test_cluster.hpp"

namespace agora_test {

/// agora-node's arguments for a member of the five (`debug`: log at debug,
/// which shows the elector's role changes).
inline std::vector<std::string> member_of_five(bool debug = false) {
  std::vector<std::string> args{"--cluster-size", "5"};
  if (debug) args.insert(args.end(), {"--log-level", "debug"});
  return args;
}

/// (Re)starts member `id`, seeded with node 1 (unless it is node 1).
inline node_process& start_member(test_cluster& c, std::uint64_t id, bool debug = false) {
  if (id == 1) return c.start(1, {}, member_of_five(debug));
  return c.start(id, {c.node(1).address()}, member_of_five(debug));
}

/// Starts members 1..5, each as soon as the one before printed its banner
/// (the harness's "at once": node 1 first, as the others' seed). `debug`:
/// the ids that log at debug.
inline void start_five(test_cluster& c, const std::set<std::uint64_t>& debug = {}) {
  for (std::uint64_t id = 1; id <= 5; ++id) start_member(c, id, debug.contains(id));
}

/// Waits (at most `timeout` each) until every one of `ids` reports node
/// `leader`, in a line after its mark in `from` (no mark: any line); the
/// epoch they all report it in. nullopt, with the reason in `why`, if one
/// does not report it in time or they name different epochs.
inline std::optional<std::uint64_t> wait_all_report(test_cluster& c, const std::vector<std::uint64_t>& ids,
                                                    std::uint64_t leader, std::chrono::milliseconds timeout,
                                                    const std::map<std::uint64_t, std::size_t>& from,
                                                    std::string& why) {
  std::optional<std::uint64_t> epoch;
  for (auto id : ids) {
    const auto mark = from.contains(id) ? from.at(id) : 0;
    const auto r = wait_leader(c.node(id), leader, timeout, mark);
    if (!r) {
      why = "node " + std::to_string(id) + " does not report node " + std::to_string(leader) + " as leader";
      return std::nullopt;
    }
    if (epoch && *epoch != r->epoch) {
      why = "node " + std::to_string(id) + " reports node " + std::to_string(leader) + " in epoch " +
            std::to_string(r->epoch) + ", another member in epoch " + std::to_string(*epoch);
      return std::nullopt;
    }
    epoch = r->epoch;
  }
  return epoch;
}

/// The marks of `ids` now: what each prints from here on.
inline std::map<std::uint64_t, std::size_t> marks(test_cluster& c, const std::vector<std::uint64_t>& ids) {
  std::map<std::uint64_t, std::size_t> m;
  for (auto id : ids) m[id] = c.node(id).mark();
  return m;
}

/// One leader per epoch in everything `ids` (their latest processes) logged.
inline std::string epoch_conflicts(test_cluster& c, const std::vector<std::uint64_t>& ids) {
  epoch_ledger ledger;
  for (auto id : ids)
    if (!ledger.add(c.node(id))) return ledger.conflict();
  return "";
}

}  // namespace agora_test
