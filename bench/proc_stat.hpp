// A process's CPU time and start time from /proc/PID/stat (Linux), for
// the dns benchmark: the CPU a daemon spends on a measured run, and a
// (pid, start time) pair that names a process even if its pid is reused.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string_view>

namespace agora_bench {

struct proc_times {
  double cpu_s = 0;                   // utime + stime, every thread, in seconds
  unsigned long long start_ticks = 0;  // since boot, in clock ticks
  pid_t parent = 0;
};

/// A /proc/PID/stat line read; `ticks_per_second` is sysconf(_SC_CLK_TCK).
std::optional<proc_times> parse_proc_stat(std::string_view line, long ticks_per_second);

/// What /proc/PID/stat says, or nullopt if there is no such process (or
/// the file does not read as expected).
std::optional<proc_times> read_proc_times(pid_t pid);

}  // namespace agora_bench
