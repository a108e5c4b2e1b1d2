// The 64-bit mixer behind term hashes and the routing index's tables
// (private to vm/).
#pragma once

#include <cstdint>

namespace agora::detail {

/// splitmix64's finaliser: spreads every input bit over the whole word.
inline std::uint64_t mix(std::uint64_t x) noexcept {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace agora::detail
