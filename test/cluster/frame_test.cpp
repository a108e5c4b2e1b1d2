// The handshake frames: built and parsed back; every field's rule enforced
// on both sides; truncated, oversized, mistyped and garbage frames refused.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "agora/binary.hpp"
#include "bytes_util.hpp"
#include "frame.hpp"

using namespace agora;
using namespace agora::cluster;
using namespace agora::cluster::test;

namespace {

nonce filled(std::uint8_t b) {
  nonce n;
  n.fill(std::byte{b});
  return n;
}

const hello_frame a_hello{"prod", {3, 1700000000000001, node_role::member, "10.0.0.3:7000"},
                          filled(0xa5)};
const challenge_frame a_challenge{{4, 99, node_role::member, "[::1]:7004"}, filled(1), filled(2)};

/// The frame as delivered by the transport (without the length prefix).
bytes delivered(const bytes& wire) { return bytes(wire.begin() + frame_prefix_size, wire.end()); }

/// A frame of `type` holding `body`.
bytes frame_of(frame_type type, const term& body) {
  bytes f = {static_cast<std::byte>(type)};
  encode(body, f);
  return f;
}

template <class Parse>
std::string rejection(Parse parse, const bytes& frame, std::string* refusal = nullptr) {
  try {
    parse(frame);
  } catch (const protocol_error& e) {
    if (refusal) *refusal = e.refusal().to_string();
    return e.what();
  }
  return "accepted";
}

std::string hello_rejection(const term& body) {
  return rejection(parse_hello, frame_of(frame_type::hello, body));
}

term hello_term(const term& version, const term& cluster, const term& id, const term& inc,
                const term& nonce, const term& role, const term& address) {
  return rec("hello", version, cluster, id, inc, nonce, role, address);
}

const term good_nonce = term::bytes(std::string(32, 'n'));

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("frames: each frame round-trips and carries its length prefix") {
  const bytes wire = build(a_hello);
  CHECK(wire.size() == frame_prefix_size + std::to_integer<std::size_t>(wire[3]));
  CHECK(wire[0] == std::byte{0});
  CHECK(parse_hello(delivered(wire)) == a_hello);

  hello_frame client = a_hello;
  client.node.role = node_role::client;
  client.node.address = "";
  CHECK(parse_hello(delivered(build(client))) == client);

  CHECK(parse_challenge(delivered(build(a_challenge))) == a_challenge);
  const auth_frame auth{filled(0x5a)};
  CHECK(parse_auth(delivered(build(auth))) == auth);
  for (const term& why : {sym("wrong_cluster"), rec("unsupported_version", 1)}) {
    const refuse_frame r{why};
    CHECK(parse_refuse(delivered(build(r))) == r);
  }
}

TEST_CASE("frames: golden AUTH frame") {
  // length 42, AUTH, binary version, auth/1, 32 bytes
  CHECK(to_hex(build(auth_frame{filled(0xab)})) ==
        "0000002a" "03" "01" "e104" "61757468" "7f20" + repeat("ab", 32));
}

TEST_CASE("frames: our own invalid fields are not built") {
  hello_frame h = a_hello;
  h.cluster = "no spaces";
  CHECK_THROWS_AS(build(h), std::invalid_argument);
  h = a_hello;
  h.node.id = 0;
  CHECK_THROWS_AS(build(h), std::invalid_argument);
  h = a_hello;
  h.node.role = node_role::client;  // with an address
  CHECK_THROWS_AS(build(h), std::invalid_argument);
  h = a_hello;
  h.node.address = "nowhere";
  CHECK_THROWS_AS(build(h), std::invalid_argument);
  challenge_frame c = a_challenge;
  c.node.role = node_role::client;
  c.node.address = "";
  CHECK_THROWS_AS(build(c), std::invalid_argument);
  CHECK_THROWS_AS(build(refuse_frame{42}), std::invalid_argument);
}

TEST_CASE("frames: every HELLO field is checked") {
  const term one = protocol_version;
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, good_nonce, sym("member"), "h:1")) ==
        "accepted");
  CHECK(hello_rejection(hello_term(one, "a b", 3, 5, good_nonce, sym("member"), "h:1")) ==
        "hello: field 2 (CLUSTER) must be a cluster name; it has a character other than "
        "letters, digits, '.', '-' and '_', got \"a b\"");
  CHECK(hello_rejection(hello_term(one, sym("prod"), 3, 5, good_nonce, sym("member"), "h:1")) ==
        "hello: field 2 (CLUSTER) must be a string, got prod");
  CHECK(hello_rejection(hello_term(one, "prod", 0, 5, good_nonce, sym("member"), "h:1")) ==
        "hello: field 3 (ID) must be an integer >= 1, got 0");
  CHECK(hello_rejection(hello_term(one, "prod", 3, -5, good_nonce, sym("member"), "h:1")) ==
        "hello: field 4 (INC) must be an integer >= 1, got -5");
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, term::bytes(std::string(31, 'n')),
                                   sym("member"), "h:1")) ==
        "hello: field 5 (NONCE) must be 32 bytes, got #x\"" + repeat("6e", 30) + "6... (66 "
        "characters)");
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, std::string(32, 'n'), sym("member"),
                                   "h:1"))
            .starts_with("hello: field 5 (NONCE) must be 32 bytes, got \"nnnn"));
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, good_nonce, sym("boss"), "h:1")) ==
        "hello: field 6 (ROLE) must be one of member, client, got boss");
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, good_nonce, sym("member"), "")) ==
        "hello: field 7 (ADDRESS) must be an address \"host:port\"; it is not \"host:port\" (no "
        "':'), got \"\"");
  CHECK(hello_rejection(hello_term(one, "prod", 3, 5, good_nonce, sym("client"), "h:1")) ==
        "hello: field 7 (ADDRESS) must be \"\" for a client, got \"h:1\"");
  CHECK(hello_rejection(rec("hello", one, "prod", 3)) ==
        "hello takes 7 fields (VERSION, CLUSTER, ID, INC, NONCE, ROLE, ADDRESS), got 3");
  CHECK(hello_rejection(rec("helo", one)) ==
        "expected hello(VERSION, CLUSTER, ID, INC, NONCE, ROLE, ADDRESS), got helo(1)");
  CHECK(hello_rejection(hello_term("1", "prod", 3, 5, good_nonce, sym("member"), "h:1")) ==
        "hello: field 1 (VERSION) must be an integer >= 1, got \"1\"");
}

TEST_CASE("frames: another protocol version is refused as unsupported_version") {
  std::string refusal;
  // A later version may have other fields: only VERSION is read.
  CHECK(rejection(parse_hello, frame_of(frame_type::hello, rec("hello", 2, "x")), &refusal) ==
        "hello: unsupported protocol version 2 (this node speaks 1)");
  CHECK(refusal == "unsupported_version");
  CHECK(rejection(parse_challenge, frame_of(frame_type::challenge, rec("challenge", 7)),
                  &refusal) == "challenge: unsupported protocol version 7 (this node speaks 1)");
  CHECK(refusal == "unsupported_version");
}

TEST_CASE("frames: CHALLENGE, AUTH and REFUSE fields are checked") {
  const term one = protocol_version;
  const term mac = term::bytes(std::string(32, 'm'));
  auto challenge = [](const term& body) {
    return rejection(parse_challenge, frame_of(frame_type::challenge, body));
  };
  CHECK(challenge(rec("challenge", one, 4, 9, good_nonce, "h:1", mac)) == "accepted");
  CHECK(challenge(rec("challenge", one, 4, 9, good_nonce, "", mac)).starts_with(
      "challenge: field 5 (ADDRESS) must be an address"));
  CHECK(challenge(rec("challenge", one, 4, 9, good_nonce, "h:1",
                      term::bytes(std::string(33, 'm')))) ==
        "challenge: field 6 (MAC_B) must be 32 bytes, got #x\"" + repeat("6d", 30) + "6... (70 "
        "characters)");
  CHECK(rejection(parse_auth, frame_of(frame_type::auth, rec("auth", 1))) ==
        "auth: field 1 (MAC_A) must be 32 bytes, got 1");
  CHECK(rejection(parse_auth, frame_of(frame_type::auth, rec("auth", mac, mac))) ==
        "auth takes 1 fields (MAC_A), got 2");
  CHECK(rejection(parse_refuse, frame_of(frame_type::refuse, rec("refuse", 42))) ==
        "refuse: field 1 (REASON) is not a valid reason: it is not a symbol or a record, got 42");
}

TEST_CASE("frames: wrong type, empty, oversized, truncated and trailing bytes are refused") {
  const bytes hello = delivered(build(a_hello));
  std::string refusal;
  CHECK(rejection(parse_challenge, hello, &refusal) ==
        "expected a CHALLENGE (0x02) frame, got HELLO (0x01)");
  CHECK(refusal == "unexpected_frame");
  CHECK(rejection(parse_hello, {}, &refusal) == "empty frame (no type byte)");
  CHECK(refusal == "malformed");

  bytes big = frame_of(frame_type::hello, rec("hello", 1, std::string(5000, 'x')));
  CHECK(rejection(parse_hello, big) ==
        fmt::format("HELLO (0x01) frame of {} bytes is longer than the 4096 bytes allowed before "
                    "authentication",
                    big.size()));

  for (std::size_t n = 1; n < hello.size(); ++n) {
    const bytes cut(hello.begin(), hello.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK(rejection(parse_hello, cut) != "accepted");
  }
  CHECK(rejection(parse_hello, bytes{std::byte{0x01}}) ==
        "HELLO (0x01) frame: at byte 1: unexpected end of input, expected the version byte");
  bytes trailing = hello;
  trailing.push_back(std::byte{0});
  CHECK(rejection(parse_hello, trailing) ==
        fmt::format("HELLO (0x01) frame: at byte {}: 1 trailing byte after the term",
                    hello.size()));
}

TEST_CASE("frames: garbage and mutations never crash a parser") {
  std::mt19937_64 rng(5);
  const bytes samples[] = {delivered(build(a_hello)), delivered(build(a_challenge)),
                           delivered(build(auth_frame{filled(9)})),
                           delivered(build(refuse_frame{rec("why", 1, "x")}))};
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    bytes f;
    if (i % 2 == 0) {
      f.resize(rng() % 80);
      for (auto& b : f) b = static_cast<std::byte>(rng());
    } else {
      f = samples[rng() % 4];
      for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k)
        f[rng() % f.size()] ^= static_cast<std::byte>(1 + rng() % 255);
    }
    for (auto parse : {+[](std::span<const std::byte> s) { (void)parse_hello(s); },
                       +[](std::span<const std::byte> s) { (void)parse_challenge(s); },
                       +[](std::span<const std::byte> s) { (void)parse_auth(s); },
                       +[](std::span<const std::byte> s) { (void)parse_refuse(s); }}) {
      try {
        parse(f);
        ++accepted;
      } catch (const protocol_error&) {
      }
    }
  }
  CHECK(accepted > 0);  // mutated MACs and nonces still parse: the MAC check catches them
}
