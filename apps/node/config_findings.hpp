// What reading agora-node's configuration found besides the values: where
// each setting was made and the problems (node_config_file.cpp, and
// node_toml_reader.cpp for the file). Internal to apps/node.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace agora::node_app {

/// Longest telemetry interval or time bound, in ms: a day.
inline constexpr std::int64_t max_telemetry_ms = 86'400'000;

/// A setting's name in the layout: "id", "timing.heartbeat_ms".
inline std::string setting_name(std::string_view table, std::string_view key) {
  return table.empty() ? std::string(key) : fmt::format("{}.{}", table, key);
}

/// What reading found besides the values: where each setting was made
/// ("node.toml:7: key ..." or "--listen"), the settings already found wrong
/// (so that validate() does not tell them again), and the problems.
struct findings {
  static constexpr std::size_t no_line = std::numeric_limits<std::size_t>::max();

  std::map<std::string, std::string> origin;
  std::set<std::string> told;
  std::vector<std::pair<std::size_t, std::string>> problems;  // by line in the end

  void add(std::string problem, std::size_t line = no_line) { problems.emplace_back(line, std::move(problem)); }
  void tell(const std::string& setting, std::string problem, std::size_t line = no_line) {
    told.insert(setting);
    add(std::move(problem), line);
  }
  /// The problems in the order of the file (toml++ keeps a table's keys
  /// sorted), those of no line last.
  std::vector<std::string> in_order() {
    std::stable_sort(problems.begin(), problems.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<std::string> out;
    for (auto& p : problems) out.push_back(std::move(p.second));
    return out;
  }
};

}  // namespace agora::node_app
