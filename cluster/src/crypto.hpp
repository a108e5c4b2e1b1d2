// The cryptographic primitives of the cluster links, over OpenSSL 3's EVP
// APIs: SHA-256, HMAC-SHA256 with a context keyed once and reused,
// HKDF-SHA256, constant-time comparison and random bytes. Nothing here is
// hand-made crypto; failures of OpenSSL itself throw std::runtime_error.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <openssl/types.h>
#include <span>

namespace agora::cluster {

inline constexpr std::size_t sha256_size = 32;
using sha256_digest = std::array<std::byte, sha256_size>;

sha256_digest sha256(std::span<const std::byte> data);

/// HMAC-SHA256 under one key for many messages: the key is set once, when
/// constructed, and every mac() reuses the keyed context (our code allocates
/// nothing per call; OpenSSL 3.0's HMAC itself duplicates the digest state
/// on each reset, two small allocations inside libcrypto, which 3.5 removes).
class hmac_sha256 {
 public:
  explicit hmac_sha256(std::span<const std::byte> key);

  /// HMAC of the concatenation of `parts`.
  sha256_digest mac(std::initializer_list<std::span<const std::byte>> parts);

 private:
  struct context_free {
    void operator()(EVP_MAC_CTX* c) const noexcept;
  };
  std::unique_ptr<EVP_MAC_CTX, context_free> context_;
};

/// HMAC-SHA256 of the concatenation of `parts` under `key`, for one-off MACs.
sha256_digest hmac_sha256_once(std::span<const std::byte> key,
                               std::initializer_list<std::span<const std::byte>> parts);

/// HKDF-SHA256 (extract and expand) of `key` with `salt` and `info`, filling
/// `out` (at most 255 * 32 bytes).
void hkdf_sha256(std::span<const std::byte> key, std::span<const std::byte> salt,
                 std::span<const std::byte> info, std::span<std::byte> out);

/// Equal contents, compared in time independent of the contents (the sizes
/// are not secret: different sizes compare unequal at once).
bool equal_in_constant_time(std::span<const std::byte> a, std::span<const std::byte> b) noexcept;

/// Fills `out` with random bytes. The handshakes take their randomness from
/// such a function, so that a simulation can seed it.
using random_source = std::function<void(std::span<std::byte> out)>;

/// The production random_source: OpenSSL's RAND_bytes (throws if it fails).
void system_random_bytes(std::span<std::byte> out);

}  // namespace agora::cluster
