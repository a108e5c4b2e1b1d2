#include "proxy/secure_random.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace agora::dns {

namespace {

void fill(void* p, int n) {
  // RAND_bytes fails only when the CSPRNG cannot be seeded: no query may
  // go out with predictable numbers then.
  if (RAND_bytes(static_cast<unsigned char*>(p), n) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secure random numbers");
}

}  // namespace

std::uint16_t random_query_id() {
  std::uint16_t id = 0;
  fill(&id, sizeof id);
  return id;
}

std::array<std::uint64_t, 4> random_case_bits() {
  std::array<std::uint64_t, 4> bits{};
  fill(bits.data(), sizeof bits);
  return bits;
}

}  // namespace agora::dns
