#include "proc_stat.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace agora_bench {

std::optional<proc_times> parse_proc_stat(std::string_view line, long ticks_per_second) {
  // "PID (comm) S PPID ...": comm may hold spaces and ')', so split after
  // the last ')'. Fields from there: 3 state, 4 ppid, 14 utime, 15 stime,
  // 22 starttime (proc(5), 1-based).
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest{std::string(line.substr(close + 1))};
  std::vector<std::string> f;
  for (std::string token; f.size() < 20 && rest >> token;) f.push_back(std::move(token));
  if (f.size() < 20) return std::nullopt;
  try {
    if (ticks_per_second <= 0) return std::nullopt;
    const double tick = static_cast<double>(ticks_per_second);
    proc_times t;
    t.parent = static_cast<pid_t>(std::stol(f[1]));
    t.cpu_s = static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) / tick;
    t.start_ticks = std::stoull(f[19]);
    return t;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<proc_times> read_proc_times(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  return parse_proc_stat(line, sysconf(_SC_CLK_TCK));
}

}  // namespace agora_bench
