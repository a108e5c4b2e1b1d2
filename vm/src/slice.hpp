// How long a VM runs before its executor hands the links' batches over and
// lets other work in (one slice): at most a number of events, and until the
// batch for the parent (or the upper level, the cluster) has grown to a
// bound. A turn may send thousands of messages; without the second bound, a
// slice of such turns would hand over one huge batch at its end, so the
// level above could start on none of it before all were made.
#pragma once

#include <cstddef>

#include "agora/vm.hpp"

namespace agora::detail {

struct slice_bounds {
  std::size_t max_events = 1000;
  /// The slice ends once this many operations wait for the parent.
  std::size_t max_up_batch = 4096;
};

/// Runs one slice of `v` (whose root is a VM hosted by an executor, its
/// nested VMs running elsewhere). Returns the number of events delivered.
std::size_t run_slice(agora::vm& v, const slice_bounds& bounds);

}  // namespace agora::detail
