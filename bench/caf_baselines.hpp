// Baselines measured with CAF 0.17 in the same run as the agora figures.
// This header exposes no CAF type; caf_baselines.cpp is the only bench
// translation unit that includes CAF.
#pragma once

#include <cstddef>
#include <memory>

namespace agora_bench {

/// Fan-out through CAF local groups (`system.groups().get_local(...)`), one
/// actor system for the whole benchmark. Each run(): n event-based actors
/// join a fresh group (untimed); then, timed, the calling thread
/// `anon_send`s `messages` ints to the group, in bursts of `batch` messages
/// (0: all at once), waiting after each burst until every subscriber has
/// counted all of it. Returns the timed seconds.
class caf_group_fanout {
 public:
  explicit caf_group_fanout(std::size_t threads);
  ~caf_group_fanout();
  caf_group_fanout(const caf_group_fanout&) = delete;
  caf_group_fanout& operator=(const caf_group_fanout&) = delete;

  double run(std::size_t subscribers, std::size_t messages, std::size_t batch = 0);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// Heap bytes per idle event-based actor (trivial behavior), over `count`
/// actors spawned and initialised, measured with mallinfo2 like agora's.
double caf_idle_actor_bytes(std::size_t count, std::size_t threads);

}  // namespace agora_bench
