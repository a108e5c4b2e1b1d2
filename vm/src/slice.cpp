#include "slice.hpp"

#include "vm_access.hpp"

namespace agora::detail {

std::size_t run_slice(agora::vm& v, const slice_bounds& bounds) {
  using clock = std::chrono::steady_clock;
  constexpr std::size_t events_between_clock_reads = 16;
  const vm_core& core = vm_access::core(v);
  const auto until = clock::now() + bounds.max_time;
  std::size_t n = 0;
  while (n < bounds.max_events && core.up_pending() < bounds.max_up_batch && v.step()) {
    ++n;
    if (n % events_between_clock_reads == 0 && clock::now() >= until) break;
  }
  return n;
}

}  // namespace agora::detail
