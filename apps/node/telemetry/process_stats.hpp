// What the kernel says about this process and the machine (/proc): resident
// memory and the load average. Unreadable or odd files give nullopt, never
// an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace agora::node_app {

struct process_stats {
  std::optional<std::uint64_t> rss_bytes;  // /proc/self/statm
  std::optional<double> load1;             // /proc/loadavg, the 1-minute average
};

process_stats read_process_stats();

/// The readers' parsers, for the tests: "size resident ..." pages, and
/// "0.52 0.58 0.59 1/467 12345".
std::optional<std::uint64_t> rss_from_statm(std::string_view text, std::uint64_t page_size);
std::optional<double> load1_from_loadavg(std::string_view text);

}  // namespace agora::node_app
