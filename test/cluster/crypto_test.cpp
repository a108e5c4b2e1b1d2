// The primitives against published test vectors (FIPS 180-2, RFC 4231,
// RFC 5869), and the reuse of a keyed HMAC context.
#include <doctest/doctest.h>

#include "bytes_util.hpp"
#include "crypto.hpp"

using namespace agora::cluster;
using namespace agora::cluster::test;

TEST_CASE("crypto: SHA-256 test vectors") {
  CHECK(to_hex(sha256(as_bytes("abc"))) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(to_hex(sha256({})) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("crypto: HMAC-SHA256 test vectors (RFC 4231 cases 1, 2 and 6)") {
  CHECK(to_hex(hmac_sha256_once(bytes(20, std::byte{0x0b}), {as_bytes("Hi There")})) ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(to_hex(hmac_sha256_once(as_bytes("Jefe"), {as_bytes("what do ya want for nothing?")})) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than the block size is hashed first.
  CHECK(to_hex(hmac_sha256_once(
            bytes(131, std::byte{0xaa}),
            {as_bytes("Test Using Larger Than Block-Size Key - Hash Key First")})) ==
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST_CASE("crypto: a keyed HMAC context is reused, and parts are concatenated") {
  hmac_sha256 mac(as_bytes("Jefe"));
  const std::string expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  CHECK(to_hex(mac.mac({as_bytes("what do ya want for nothing?")})) == expected);
  CHECK(to_hex(mac.mac({as_bytes("what do ya "), as_bytes(""), as_bytes("want for nothing?")})) ==
        expected);
  CHECK(to_hex(mac.mac({as_bytes("something else")})) != expected);
  CHECK(to_hex(mac.mac({as_bytes("what do ya want for nothing?")})) == expected);
}

TEST_CASE("crypto: HKDF-SHA256 test vectors (RFC 5869 cases 1 and 3)") {
  bytes okm(42);
  hkdf_sha256(bytes(22, std::byte{0x0b}), from_hex("000102030405060708090a0b0c"),
              from_hex("f0f1f2f3f4f5f6f7f8f9"), okm);
  CHECK(to_hex(okm) ==
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  hkdf_sha256(bytes(22, std::byte{0x0b}), {}, {}, okm);
  CHECK(to_hex(okm) ==
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST_CASE("crypto: constant-time comparison") {
  CHECK(equal_in_constant_time(as_bytes("abc"), as_bytes("abc")));
  CHECK_FALSE(equal_in_constant_time(as_bytes("abc"), as_bytes("abd")));
  CHECK_FALSE(equal_in_constant_time(as_bytes("abc"), as_bytes("ab")));
  CHECK(equal_in_constant_time({}, {}));
}

TEST_CASE("crypto: system random bytes differ from call to call") {
  bytes a(32), b(32);
  system_random_bytes(a);
  system_random_bytes(b);
  CHECK(a != b);
  CHECK(a != bytes(32));
}
