// Unpredictable numbers for what spoofing defences rest on (RFC 5452):
// upstream query IDs and 0x20 case patterns, from OpenSSL's CSPRNG. (Source
// ports come from the kernel: every upstream query binds port 0.)
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace agora::dns {

/// What one upstream query needs: its ID and, with 0x20, its name's case.
struct query_randomness {
  std::uint16_t id = 0;
  std::array<std::uint64_t, 4> case_bits{};
};

/// Bytes from RAND_bytes, drawn a block at a time and handed out once
/// each. A RAND_bytes call costs microseconds of locking and DRBG set-up
/// however few bytes it returns, so one call per block rather than two per
/// query. Owned by one actor (not thread-safe). A copy starts empty, so two
/// pools never hand out the same bytes; used bytes are wiped.
class random_pool {
 public:
  random_pool() = default;
  random_pool(const random_pool&) noexcept {}
  random_pool& operator=(const random_pool&) noexcept;
  ~random_pool();

  query_randomness next_query();

 private:
  /// Throws std::runtime_error when OpenSSL cannot produce secure bytes:
  /// no query may go out with predictable numbers.
  void take(void* out, std::size_t n);

  std::array<unsigned char, 4096> block_{};
  std::size_t used_ = block_.size();
};

}  // namespace agora::dns
