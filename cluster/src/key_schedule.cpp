#include "key_schedule.hpp"

#include <algorithm>
#include <openssl/crypto.h>

#include "agora/binary.hpp"
#include "crypto.hpp"

namespace agora::cluster {

namespace {

std::span<const std::byte> text_bytes(std::string_view s) {
  return std::as_bytes(std::span<const char>(s.data(), s.size()));
}

}  // namespace

std::vector<std::byte> transcript(const handshake_facts& f) {
  return encode(rec("transcript", protocol_version, f.cluster, f.dialer.id, f.dialer.incarnation,
                    term::bytes(f.dialer_nonce), sym(to_string(f.dialer.role)), f.dialer.address,
                    f.acceptor.id, f.acceptor.incarnation, term::bytes(f.acceptor_nonce),
                    f.acceptor.address));
}

handshake_mac acceptor_mac(const cluster_secret& secret, std::span<const std::byte> transcript) {
  return hmac_sha256_once(secret.bytes(), {text_bytes("agora/1 acceptor"), transcript});
}

handshake_mac dialer_mac(const cluster_secret& secret, std::span<const std::byte> transcript) {
  return hmac_sha256_once(secret.bytes(), {text_bytes("agora/1 dialer"), transcript});
}

session_keys::~session_keys() {
  OPENSSL_cleanse(dialer.data(), dialer.size());
  OPENSSL_cleanse(acceptor.data(), acceptor.size());
}

void derive_session_keys(const cluster_secret& secret, const nonce& dialer_nonce,
                         const nonce& acceptor_nonce, std::span<const std::byte> transcript,
                         session_keys& out) {
  std::array<std::byte, 2 * nonce_size> salt;
  std::copy(dialer_nonce.begin(), dialer_nonce.end(), salt.begin());
  std::copy(acceptor_nonce.begin(), acceptor_nonce.end(), salt.begin() + nonce_size);

  constexpr std::string_view label = "agora/1 session";
  const sha256_digest hash = sha256(transcript);
  std::array<std::byte, label.size() + sha256_size> info;
  std::copy_n(text_bytes(label).begin(), label.size(), info.begin());
  std::copy(hash.begin(), hash.end(), info.begin() + label.size());

  std::array<std::byte, 2 * session_key_size> okm;
  hkdf_sha256(secret.bytes(), salt, info, okm);
  std::copy_n(okm.begin(), session_key_size, out.dialer.begin());
  std::copy_n(okm.begin() + session_key_size, session_key_size, out.acceptor.begin());
  OPENSSL_cleanse(okm.data(), okm.size());
}

}  // namespace agora::cluster
