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

/// Ping-pong between two event-based actors of a fresh actor system with
/// `threads` scheduler threads (0: one per core): the pinger sends
/// (ping, n), the ponger answers (pong, n) to the sender, the pinger sends
/// the next ping on each pong. Returns the seconds for `round_trips` round
/// trips, timed inside the pinger (first send to last pong); the system's
/// start-up and shutdown are not timed.
double caf_pingpong(std::size_t round_trips, std::size_t threads);

/// A one-way stream with a credit window, the same scheme for agora and
/// CAF: the producer may have at most `window` items not yet credited; it
/// sends at most `burst` items per turn (per handler run), then a message to
/// itself to go on; the consumer counts and sends `credit_every` credit back
/// each time it has counted that many more.
struct stream_params {
  std::size_t items = 0;
  std::size_t burst = 1'000;
  std::size_t credit_every = 1'000;
  std::size_t window = 10'000;
};

/// The stream between two event-based actors of a fresh actor system, one
/// CAF message per item (item, i), credit as (credit, k). Returns the
/// seconds from the producer's first send to the consumer's last receipt.
double caf_stream(const stream_params& p, std::size_t threads);

/// Heap bytes per idle event-based actor (trivial behavior), over `count`
/// actors spawned and initialised, measured with mallinfo2 like agora's.
double caf_idle_actor_bytes(std::size_t count, std::size_t threads);

}  // namespace agora_bench
