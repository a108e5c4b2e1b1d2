#include "crypto.hpp"

#include <climits>
#include <fmt/format.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agora::cluster {

namespace {

[[noreturn]] void openssl_failed(std::string_view what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string detail = "unknown error";
  if (code != 0) {
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    detail = text;
  }
  throw std::runtime_error(fmt::format("OpenSSL: {} failed: {}", what, detail));
}

const unsigned char* data_of(std::span<const std::byte> s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

struct mac_free {
  void operator()(EVP_MAC* m) const noexcept { EVP_MAC_free(m); }
};
struct kdf_free {
  void operator()(EVP_KDF* k) const noexcept { EVP_KDF_free(k); }
};
struct kdf_context_free {
  void operator()(EVP_KDF_CTX* c) const noexcept { EVP_KDF_CTX_free(c); }
};

// OSSL_PARAM wants a char* for the digest name; OpenSSL only reads it.
OSSL_PARAM sha256_digest_param(const char* key) {
  return OSSL_PARAM_construct_utf8_string(key, const_cast<char*>("SHA256"), 0);
}

}  // namespace

sha256_digest sha256(std::span<const std::byte> data) {
  sha256_digest out;
  unsigned int size = 0;
  if (!EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size,
                  EVP_sha256(), nullptr) ||
      size != out.size())
    openssl_failed("SHA-256");
  return out;
}

void hmac_sha256::context_free::operator()(EVP_MAC_CTX* c) const noexcept {
  EVP_MAC_CTX_free(c);
}

hmac_sha256::hmac_sha256(std::span<const std::byte> key) {
  std::unique_ptr<EVP_MAC, mac_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) openssl_failed("fetching HMAC");
  context_.reset(EVP_MAC_CTX_new(mac.get()));
  if (!context_) openssl_failed("creating an HMAC context");
  const OSSL_PARAM params[] = {
      sha256_digest_param(OSSL_MAC_PARAM_DIGEST),
      OSSL_PARAM_construct_end()};
  if (!EVP_MAC_init(context_.get(), data_of(key), key.size(), params))
    openssl_failed("keying HMAC-SHA256");
}

sha256_digest hmac_sha256::mac(std::initializer_list<std::span<const std::byte>> parts) {
  // A null key restarts the MAC with the key already set.
  if (!EVP_MAC_init(context_.get(), nullptr, 0, nullptr)) openssl_failed("HMAC-SHA256 reset");
  for (auto part : parts)
    if (!EVP_MAC_update(context_.get(), data_of(part), part.size()))
      openssl_failed("HMAC-SHA256 update");
  sha256_digest out;
  std::size_t size = 0;
  if (!EVP_MAC_final(context_.get(), reinterpret_cast<unsigned char*>(out.data()), &size,
                     out.size()) ||
      size != out.size())
    openssl_failed("HMAC-SHA256 final");
  return out;
}

sha256_digest hmac_sha256_once(std::span<const std::byte> key,
                               std::initializer_list<std::span<const std::byte>> parts) {
  return hmac_sha256(key).mac(parts);
}

void hkdf_sha256(std::span<const std::byte> key, std::span<const std::byte> salt,
                 std::span<const std::byte> info, std::span<std::byte> out) {
  std::unique_ptr<EVP_KDF, kdf_free> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  if (!kdf) openssl_failed("fetching HKDF");
  std::unique_ptr<EVP_KDF_CTX, kdf_context_free> context(EVP_KDF_CTX_new(kdf.get()));
  if (!context) openssl_failed("creating an HKDF context");
  // OSSL_PARAM takes void*; OpenSSL only reads these buffers. An empty one
  // still needs a pointer: HKDF fails on a null salt.
  std::byte none{};
  auto octets = [&none](const char* name, std::span<const std::byte> s) {
    return OSSL_PARAM_construct_octet_string(
        name, s.empty() ? &none : const_cast<std::byte*>(s.data()), s.size());
  };
  const OSSL_PARAM params[] = {
      sha256_digest_param(OSSL_KDF_PARAM_DIGEST),
      octets(OSSL_KDF_PARAM_KEY, key), octets(OSSL_KDF_PARAM_SALT, salt),
      octets(OSSL_KDF_PARAM_INFO, info), OSSL_PARAM_construct_end()};
  if (!EVP_KDF_derive(context.get(), reinterpret_cast<unsigned char*>(out.data()), out.size(),
                      params))
    openssl_failed("HKDF-SHA256");
}

bool equal_in_constant_time(std::span<const std::byte> a,
                            std::span<const std::byte> b) noexcept {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

void system_random_bytes(std::span<std::byte> out) {
  if (out.size() > static_cast<std::size_t>(INT_MAX))
    throw std::length_error("system_random_bytes: request too large");
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size())) != 1)
    openssl_failed("RAND_bytes");
}

}  // namespace agora::cluster
