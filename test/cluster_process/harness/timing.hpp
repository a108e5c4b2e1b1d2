// Measured times: from an action (a signal, a proxy command) to the line it
// caused, and a note of each on standard output (ctest -V shows them) so
// that a run on a loaded machine tells how close it came to a bound.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "node_process.hpp"

namespace agora_test {

inline std::chrono::milliseconds since(test_clock::time_point t0, const log_line& l) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(l.at - t0);
}

inline void report_timing(const std::string& what, std::chrono::milliseconds took) {
  std::printf("[timing] %s: %lld ms\n", what.c_str(), static_cast<long long>(took.count()));
  std::fflush(stdout);
}

}  // namespace agora_test
