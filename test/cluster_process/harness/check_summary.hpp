// The summary line of agora-cluster-probe --role check (probe_roles.hpp):
// per sender and subscriber, what it received, the first number, the
// numbers skipped and those that came out of order.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "node_process.hpp"

namespace agora_test {

struct sender_tally {
  std::vector<std::int64_t> received, first, gaps, disorder;  // one entry per subscriber
};

struct check_summary {
  bool complete = false;
  std::int64_t subscribers = 0, count = 0;
  std::map<std::int64_t, sender_tally> senders;

  /// Every subscriber got 0 .. count-1 from `sender`, in order, each once.
  bool all_in_order_from(std::int64_t sender) const {
    auto it = senders.find(sender);
    if (it == senders.end()) return false;
    const auto& t = it->second;
    if (static_cast<std::int64_t>(t.received.size()) != subscribers) return false;
    for (std::size_t j = 0; j < t.received.size(); ++j)
      if (t.received[j] != count || t.first[j] != 0 || t.gaps[j] != 0 || t.disorder[j] != 0) return false;
    return true;
  }
};

/// Waits for the check role's summary line on `checker`; nullopt if none
/// comes within `timeout` (or it does not parse).
inline std::optional<check_summary> wait_check_summary(const node_process& checker, std::chrono::milliseconds timeout) {
  const std::string tag = "check summary: ";
  const auto line = checker.wait_for(tag, timeout);
  if (!line) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(line->text.substr(line->text.find(tag) + tag.size()));
    check_summary s;
    s.complete = j.at("complete").get<bool>();
    s.subscribers = j.at("subscribers").get<std::int64_t>();
    s.count = j.at("count").get<std::int64_t>();
    for (const auto& [from, t] : j.at("senders").items())
      s.senders[std::stoll(from)] = {t.at("received").get<std::vector<std::int64_t>>(),
                                     t.at("first").get<std::vector<std::int64_t>>(),
                                     t.at("gaps").get<std::vector<std::int64_t>>(),
                                     t.at("disorder").get<std::vector<std::int64_t>>()};
    return s;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace agora_test
