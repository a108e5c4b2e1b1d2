// Baselines measured with CAF 0.17 in the same run as the agora figures.
// This header exposes no CAF type; caf_baselines.cpp is the only bench
// translation unit that includes CAF.
#pragma once

#include <cstddef>
#include <vector>

namespace agora_bench {

/// Fan-out through a CAF local group (`system.groups().get_local(...)`): for
/// each n in `subscribers`, n event-based actors join a fresh group and count;
/// the main thread `anon_send`s `messages_for(n)` ints to the group; the clock
/// stops when every subscriber has counted every message. Best of `reps`
/// seconds per n, in the order of `subscribers`. One actor_system for all.
struct caf_fanout_case {
  std::size_t subscribers;
  std::size_t messages;
};
std::vector<double> caf_group_fanout_seconds(const std::vector<caf_fanout_case>& cases, int reps,
                                             std::size_t threads);

/// Heap bytes per idle event-based actor (trivial behavior), over `count`
/// actors spawned and initialised, measured with mallinfo2 like agora's.
double caf_idle_actor_bytes(std::size_t count, std::size_t threads);

}  // namespace agora_bench
