// Pinning the calling thread to one CPU, so that a load generator and the
// server it drives do not fight over a core (each gets its own), the same
// way for agora and for its baseline.
#pragma once

#include <sched.h>

namespace agora_bench {

/// Pins the calling thread (and the threads and processes it starts later)
/// to `cpu`; false if the system refused.
inline bool pin_to_cpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return sched_setaffinity(0, sizeof set, &set) == 0;
}

/// Lets the calling thread run on every CPU again.
inline void unpin(int cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < cpus; ++i) CPU_SET(i, &set);
  sched_setaffinity(0, sizeof set, &set);
}

/// Lets the calling thread run on every CPU again when it goes out of
/// scope, if `active` (a bench that pins only with 2 CPUs or more).
struct unpin_at_exit {
  bool active;
  int cpus;
  unpin_at_exit(bool a, int n) : active(a), cpus(n) {}
  unpin_at_exit(const unpin_at_exit&) = delete;
  unpin_at_exit& operator=(const unpin_at_exit&) = delete;
  ~unpin_at_exit() {
    if (active) unpin(cpus);
  }
};

}  // namespace agora_bench
