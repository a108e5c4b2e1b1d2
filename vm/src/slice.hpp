// How long a VM runs before its executor hands the links' batches over and
// lets other work in (one slice): at most a number of events, until the
// batch for the parent (or the upper level, the cluster) has grown to a
// bound, and for at most a time. A turn may send thousands of messages;
// without the second bound, a slice of such turns would hand over one huge
// batch at its end, so the level above could start on none of it before
// all were made. Without the third, slow turns (a sanitizer build, a
// starved process) keep the thread the VM shares with the node's timers
// for as long as a thousand of them take, and its heartbeats come late.
#pragma once

#include <chrono>
#include <cstddef>

#include "agora/vm.hpp"

namespace agora::detail {

struct slice_bounds {
  std::size_t max_events = 1000;
  /// The slice ends once this many operations wait for the parent.
  std::size_t max_up_batch = 4096;
  /// ... or once it has run this long (looked at every few events).
  std::chrono::microseconds max_time{5000};
};

/// Runs one slice of `v` (whose root is a VM hosted by an executor, its
/// nested VMs running elsewhere). Returns the number of events delivered.
std::size_t run_slice(agora::vm& v, const slice_bounds& bounds);

}  // namespace agora::detail
