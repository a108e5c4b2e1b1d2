// Alerts from successive samples, each told once when its condition begins
// (and, for some, once when it ends): a member lost, a link slower than the
// bound, resident memory past the bound, an election that took long (no
// leader for longer than the bound after one was seen).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agora/log.hpp"
#include "node_sample.hpp"
#include "telemetry_settings.hpp"

namespace agora::node_app {

struct alert {
  log_level level = log_level::warn;
  std::string text;
};

class alert_watch {
 public:
  explicit alert_watch(const telemetry_settings& s) : settings_(s) {}
  /// The alerts that `s`, taken at `now`, raises.
  std::vector<alert> check(const node_sample& s, std::chrono::steady_clock::time_point now);

 private:
  telemetry_settings settings_;
  std::map<std::uint64_t, std::string> member_states_;
  std::set<std::uint64_t> slow_links_;
  bool memory_over_ = false;
  bool leader_seen_ = false;
  std::optional<std::chrono::steady_clock::time_point> leaderless_since_;
  bool leaderless_told_ = false;
};

}  // namespace agora::node_app
