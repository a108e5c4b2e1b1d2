#include "trace_log.hpp"

#include <fmt/format.h>

namespace agora::sim::detail {

std::string trace_log::hex() const {
  std::uint64_t h = hash_;  // splitmix64's finaliser: every bit counts
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return fmt::format("{:016x}", h);
}

void trace_log::write(std::chrono::steady_clock::duration since_start, std::string_view text) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(since_start).count();
  lines_(fmt::format("{:>6}.{:06} {}", us / 1'000'000, us % 1'000'000, text));
}

}  // namespace agora::sim::detail
