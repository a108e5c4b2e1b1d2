// The faults the proxy injects, per direction, and what it counts: shared by
// every connection, changed at run time by control commands.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace agora_tools {

/// tx: client → target; rx: target → client.
enum class direction { tx = 0, rx = 1 };

struct direction_faults {
  std::chrono::milliseconds delay{0};  // added to every chunk read from now on
  bool paused = false;                 // hold what is read (and the end of stream)
  bool blackhole = false;              // drop what is read
};

struct direction_counters {
  std::uint64_t forwarded = 0;  // bytes written to the far side
  std::uint64_t dropped = 0;    // bytes read while blackholed
};

/// The proxy's fault settings and counters, indexed by direction.
struct fault_state {
  std::array<direction_faults, 2> faults{};
  std::array<direction_counters, 2> counters{};
  bool cut = false;  // connections reset, new ones refused

  direction_faults& operator[](direction d) { return faults[static_cast<std::size_t>(d)]; }
  const direction_faults& operator[](direction d) const { return faults[static_cast<std::size_t>(d)]; }
  direction_counters& count(direction d) { return counters[static_cast<std::size_t>(d)]; }
  const direction_counters& count(direction d) const { return counters[static_cast<std::size_t>(d)]; }
};

}  // namespace agora_tools
