#include "slice.hpp"

#include "vm_access.hpp"

namespace agora::detail {

std::size_t run_slice(agora::vm& v, const slice_bounds& bounds) {
  const vm_core& core = vm_access::core(v);
  std::size_t n = 0;
  while (n < bounds.max_events && core.up_pending() < bounds.max_up_batch && v.step()) ++n;
  return n;
}

}  // namespace agora::detail
