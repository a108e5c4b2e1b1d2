// The key schedule against values computed independently with the openssl
// command line (dgst -mac HMAC, kdf HKDF) from the transcript's bytes, which
// are written out here by hand from the WIRE.md rules.
#include <doctest/doctest.h>

#include "bytes_util.hpp"
#include "key_schedule.hpp"

using namespace agora::cluster;
using namespace agora::cluster::test;

namespace {

cluster_secret counting_secret() {
  bytes key;
  for (int i = 0; i < 32; ++i) key.push_back(static_cast<std::byte>(i));
  return cluster_secret(key);
}

nonce filled(std::byte b) {
  nonce n;
  n.fill(b);
  return n;
}

const node_identity dialer{1, 1000, node_role::member, "127.0.0.1:7001"};
const node_identity acceptor{2, 2000, node_role::member, "127.0.0.1:7002"};

}  // namespace

TEST_CASE("key schedule: transcript bytes") {
  const nonce a = filled(std::byte{0x11}), b = filled(std::byte{0x22});
  CHECK(to_hex(transcript({"test", dialer, a, acceptor, b})) ==
        "01eb0a7472616e736372697074"  // version, transcript/11
        "22" "4474657374" "22" "3fd00f"  // 1, "test", 1, 1000
        "7f20" + std::string(64, '1') +  // NONCE_A
        "866d656d626572" "4e3132372e302e302e313a37303031"  // member, "127.0.0.1:7001"
        "24" "3fa01f"  // 2, 2000
        "7f20" + std::string(64, '2') +  // NONCE_B
        "4e3132372e302e302e313a37303032");
}

TEST_CASE("key schedule: MACs and session keys match the openssl command line") {
  const nonce a = filled(std::byte{0x11}), b = filled(std::byte{0x22});
  const cluster_secret secret = counting_secret();
  const auto t = transcript({"test", dialer, a, acceptor, b});
  CHECK(to_hex(acceptor_mac(secret, t)) ==
        "5f4c5cf8e2f7a650adee6ef6b939b8e03952446a0a4ff44657a2a6a9b6ec931e");
  CHECK(to_hex(dialer_mac(secret, t)) ==
        "c6d70e9d15303b327efffdc1997ce6c58ee8cec71fb1a6f71b60eacbb885006a");
  session_keys keys;
  derive_session_keys(secret, a, b, t, keys);
  CHECK(to_hex(keys.dialer) == "36500675e7a2d9216bf0ddd1e25e4171d49001daf7ecb7edb6c96df4c7e06dc8");
  CHECK(to_hex(keys.acceptor) ==
        "46f79735b43674df8e5d129caa3488a8e847e85a89c5e50082a4dc1d4b399947");
}

TEST_CASE("key schedule: every input changes the result") {
  const nonce a = filled(std::byte{0x11}), b = filled(std::byte{0x22});
  const cluster_secret secret = counting_secret();
  const auto t = transcript({"test", dialer, a, acceptor, b});
  const auto mac = acceptor_mac(secret, t);
  CHECK(dialer_mac(secret, t) != mac);  // the labels separate the two directions

  node_identity other = dialer;
  other.incarnation += 1;
  CHECK(acceptor_mac(secret, transcript({"test", other, a, acceptor, b})) != mac);
  CHECK(acceptor_mac(secret, transcript({"tesu", dialer, a, acceptor, b})) != mac);
  CHECK(acceptor_mac(secret, transcript({"test", dialer, b, acceptor, a})) != mac);
  bytes key(32, std::byte{0});
  key[31] = std::byte{0x1f};
  key[0] = std::byte{0x01};
  CHECK(acceptor_mac(cluster_secret(key), t) != mac);

  session_keys k1, k2;
  derive_session_keys(secret, a, b, t, k1);
  derive_session_keys(secret, b, a, t, k2);  // the nonces are the salt
  CHECK(k1.dialer != k2.dialer);
  CHECK(k1.dialer != k1.acceptor);
}
