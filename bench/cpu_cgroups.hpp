// CPU-quota cgroups for the benchmarks' child processes: a parent group of
// a unique name, agora-bench-jobs-PID-RANDOM, holding `count` groups that
// may each use `cpus` CPUs (the CFS quota over a 100 ms period). A process
// written into one takes its later children with it. cgroup v2 (where its
// cgroup.controllers lists "cpu") or v1 (a `cpu` hierarchy with
// cpu.cfs_quota_us); making them needs root. Removed when the object goes
// — any process still inside is killed first, since only the processes the
// benchmark started (and their children) are ever put there.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace agora_bench {

class cpu_cgroups {
 public:
  /// What the kernel counted for one group (cpu.stat).
  struct usage {
    long periods = 0;         // quota periods in which the group ran
    long throttled = 0;       // ... and in which it hit the quota
    double throttled_s = 0;   // time it spent throttled
  };

  /// `count` groups of `cpus` CPUs each, or null with `why` said if none
  /// can be made here (no cpu controller, not root, a read-only cgroupfs).
  static std::unique_ptr<cpu_cgroups> make(int count, double cpus, std::string& why);

  cpu_cgroups(const cpu_cgroups&) = delete;
  cpu_cgroups& operator=(const cpu_cgroups&) = delete;
  ~cpu_cgroups();

  /// Moves process `pid` (all its threads) into group `index` (0-based).
  /// Throws if the kernel refuses.
  void place(int index, pid_t pid) const;

  usage stat(int index) const;

  /// "cgroup v1 /sys/fs/cgroup/cpu/agora-bench-jobs-…, 40000/100000 us".
  std::string describe() const;

 private:
  cpu_cgroups(int version, std::filesystem::path parent, long quota_us);

  int version_;
  std::filesystem::path parent_;
  long quota_us_;
  std::vector<std::filesystem::path> groups_;
};

/// CPUs this process may run on (its affinity mask, as `nproc` counts).
int usable_cpus();

}  // namespace agora_bench
