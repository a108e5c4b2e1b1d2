#include "figure_lines.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace agora_bench {

namespace {

std::chrono::milliseconds left_until(std::chrono::steady_clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace

std::string expect_line(agora_apps::child_process& child, const std::string& what, const std::string& prefix,
                        std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto line = child.line(left_until(deadline));
    if (!line) throw std::runtime_error(what + " did not print \"" + prefix + "...\"");
    if (line->rfind(prefix, 0) == 0) return line->substr(prefix.size());
  }
}

baseline_figures read_figures(agora_apps::child_process& client, const std::string& what,
                              std::chrono::milliseconds timeout) {
  std::map<std::string, double> seen;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (seen.size() < 3) {
    auto line = client.line(left_until(deadline));
    if (!line) throw std::runtime_error(what + " ended or stalled before printing its figures");
    const auto space = line->find(' ');
    const auto key = line->substr(0, space);
    if (space != std::string::npos && (key == "msgs_per_s" || key == "rtt_p50_us" || key == "rtt_p99_us"))
      seen[key] = std::stod(line->substr(space + 1));
  }
  return {true, seen["msgs_per_s"], seen["rtt_p50_us"], seen["rtt_p99_us"]};
}

}  // namespace agora_bench
