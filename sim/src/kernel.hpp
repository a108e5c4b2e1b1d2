// The simulation's kernel: virtual time, the agenda, the trace, and the
// table of node incarnations that events are addressed to. An event for a
// node runs only while that incarnation lives; while it is paused, it waits
// with the node (as a stopped process's input waits in its sockets).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string_view>

#include "event_queue.hpp"
#include "trace_log.hpp"

namespace agora::sim::detail {

class host;

/// One incarnation of a node: its id and the kernel's generation number
/// for it (a restart makes a new generation).
struct node_ref {
  std::uint64_t id = 0;
  std::uint64_t generation = 0;
  friend bool operator==(const node_ref&, const node_ref&) = default;
};

/// splitmix64: derives independent streams from the seed.
inline std::uint64_t mix_seed(std::uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class kernel {
 public:
  kernel(std::uint64_t seed, trace_log::sink lines);

  clock::time_point now() const noexcept { return now_; }
  clock::time_point start() const noexcept { return start_; }
  std::uint64_t seed() const noexcept { return seed_; }

  /// An event not addressed to any node (the network's own, faults).
  void at(clock::time_point t, std::function<void()> f) { queue_.at(t, std::move(f)); }
  /// An event for incarnation `n`: dropped if it is gone by then, held
  /// while it is paused, and followed by a run of its VMs.
  void at_node(node_ref n, clock::time_point t, std::function<void()> f);
  /// The same, now, without going through the agenda.
  void run_for_node(node_ref n, std::function<void()> f);

  /// Runs events until the agenda has none due by `t` (or `stop()` holds,
  /// checked after each), then moves now() to `t` (unless stopped early).
  /// Returns whether `stop` ended it.
  bool run_until(clock::time_point t, const std::function<bool()>& stop = {});

  /// The live host of incarnation `n`, if any (not crashed, not replaced).
  host* live(node_ref n) const;
  void enroll(host& h);
  void withdraw(const host& h);

  /// Runs h's VMs until they are idle.
  void settle(host& h);

  trace_log& trace() noexcept { return trace_; }
  void count(std::uint64_t n = 1) noexcept { events_ += n; }
  std::uint64_t events() const noexcept { return events_; }
  /// A random stream of the kernel's own (network jitter).
  std::mt19937_64& network_random() noexcept { return network_random_; }

 private:
  const std::uint64_t seed_;
  event_queue queue_;
  clock::time_point start_, now_;
  trace_log trace_;
  std::uint64_t events_ = 0;
  std::mt19937_64 network_random_;
  std::map<std::uint64_t, host*> live_;  // by id: the current incarnation, if alive
};

}  // namespace agora::sim::detail
