#include "proxy/secure_random.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace agora::dns {

random_pool& random_pool::operator=(const random_pool& other) noexcept {
  if (this != &other) {
    OPENSSL_cleanse(block_.data(), block_.size());
    used_ = block_.size();
  }
  return *this;
}

random_pool::~random_pool() { OPENSSL_cleanse(block_.data(), block_.size()); }

void random_pool::take(void* out, std::size_t n) {
  auto* to = static_cast<unsigned char*>(out);
  while (n > 0) {
    if (used_ == block_.size()) {
      if (RAND_bytes(block_.data(), static_cast<int>(block_.size())) != 1)
        throw std::runtime_error("OpenSSL RAND_bytes failed: no secure random numbers");
      used_ = 0;
    }
    const std::size_t k = std::min(n, block_.size() - used_);
    std::memcpy(to, block_.data() + used_, k);
    OPENSSL_cleanse(block_.data() + used_, k);
    used_ += k;
    to += k;
    n -= k;
  }
}

query_randomness random_pool::next_query() {
  query_randomness r;
  take(&r.id, sizeof r.id);
  take(r.case_bits.data(), sizeof r.case_bits);
  return r;
}

}  // namespace agora::dns
