// Sessions: a sealed frame opens once, in order, in its own direction; every
// replayed, reordered, dropped, injected, truncated or altered frame is
// refused with a clear error.
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "bytes_util.hpp"
#include "op.hpp"
#include "session.hpp"

using namespace agora;
using namespace agora::cluster;
using namespace agora::cluster::test;

namespace {

std::array<std::byte, session_key_size> key_of(std::uint8_t fill) {
  std::array<std::byte, session_key_size> k;
  k.fill(std::byte{fill});
  return k;
}

/// A sealed frame carrying ping(t), as sent (with the length prefix).
bytes sealed_ping(session_sealer& s, std::int64_t t) {
  bytes wire;
  session_sealer::begin(wire);
  append_op(ops::ping{t}, wire);
  s.seal(wire);
  return wire;
}

/// The frame as the transport delivers it: without the prefix.
std::span<const std::byte> delivered(const bytes& wire) {
  return std::span(wire).subspan(frame_prefix_size);
}

std::int64_t ping_time(std::span<const std::byte> payload) {
  auto ops = decode_ops(payload);
  REQUIRE(ops.size() == 1);
  return std::get<ops::ping>(ops[0]).time;
}

std::string open_error(session_opener& o, std::span<const std::byte> frame) {
  try {
    o.open(frame);
  } catch (const protocol_error& e) {
    return e.what();
  }
  return "opened";
}

const std::string tag_mismatch = "failed authentication: its tag does not match";

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("session: golden frame (tag computed with the openssl command line)") {
  const bytes key = from_hex("36500675e7a2d9216bf0ddd1e25e4171d49001daf7ecb7edb6c96df4c7e06dc8");
  session_sealer s(std::span<const std::byte, session_key_size>(key.data(), session_key_size));
  CHECK(to_hex(sealed_ping(s, 5)) ==
        "00000019" "10" "01e10470696e672a" "a3bda740c77a847e9a9766f0957bd250");
  CHECK(to_hex(sealed_ping(s, 5)) ==
        "00000019" "10" "01e10470696e672a" "27906f410f113166c8d1e466d49e0ae6");  // SEQ 1
  CHECK(s.next_sequence() == 2);
}

TEST_CASE("session: frames open in order and give back their payload") {
  const auto key = key_of(7);
  session_sealer s(key);
  session_opener o(key);
  for (std::int64_t i = 0; i < 100; ++i) {
    const bytes wire = sealed_ping(s, i);
    CHECK(ping_time(o.open(delivered(wire))) == i);
  }
  CHECK(o.next_sequence() == 100);
}

TEST_CASE("session: a replayed, reordered, dropped or injected frame is refused") {
  const auto key = key_of(7);
  session_sealer s(key);
  const bytes f0 = sealed_ping(s, 0), f1 = sealed_ping(s, 1), f2 = sealed_ping(s, 2);

  SUBCASE("replayed") {
    session_opener o(key);
    o.open(delivered(f0));
    CHECK(contains(open_error(o, delivered(f0)), "SESSION frame 1 of this link " + tag_mismatch));
  }
  SUBCASE("reordered") {
    session_opener o(key);
    CHECK(contains(open_error(o, delivered(f1)), tag_mismatch));
    CHECK(o.next_sequence() == 0);  // a refused frame does not advance
    o.open(delivered(f0));
    o.open(delivered(f1));
  }
  SUBCASE("dropped") {
    session_opener o(key);
    o.open(delivered(f0));
    CHECK(contains(open_error(o, delivered(f2)), tag_mismatch));
  }
  SUBCASE("injected: sealed under another key, or the other direction's") {
    session_sealer other(key_of(8));
    session_opener o(key);
    CHECK(contains(open_error(o, delivered(sealed_ping(other, 0))), tag_mismatch));
    session_opener reverse(key_of(8));
    CHECK(contains(open_error(reverse, delivered(f0)), tag_mismatch));
  }
  SUBCASE("injected: a plausible frame with a made-up tag") {
    bytes forged = f0;
    for (std::size_t i = forged.size() - session_tag_size; i < forged.size(); ++i)
      forged[i] = std::byte{0};
    session_opener o(key);
    CHECK(contains(open_error(o, delivered(forged)), tag_mismatch));
  }
}

TEST_CASE("session: every single bit flip is refused") {
  const auto key = key_of(3);
  session_sealer s(key);
  bytes wire;
  session_sealer::begin(wire);
  append_msg(rec("say", "hello", 42), wire);
  append_op(ops::ack{3}, wire);
  s.seal(wire);
  const auto frame = delivered(wire);
  for (std::size_t i = 0; i < frame.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      bytes flipped(frame.begin(), frame.end());
      flipped[i] ^= static_cast<std::byte>(1 << bit);
      session_opener o(key);
      const std::string e = open_error(o, flipped);
      INFO("byte ", i, " bit ", bit, ": ", e);
      CHECK(e != "opened");
    }
  }
  session_opener o(key);
  CHECK(decode_ops(o.open(frame)).size() == 2);
}

TEST_CASE("session: truncated, extended, empty and non-SESSION frames are refused") {
  const auto key = key_of(5);
  session_sealer s(key);
  const bytes wire = sealed_ping(s, 9);
  const auto frame = delivered(wire);
  for (std::size_t n = 0; n < frame.size(); ++n) {
    session_opener o(key);
    CHECK(open_error(o, frame.first(n)) != "opened");
  }
  session_opener o(key);
  bytes longer(frame.begin(), frame.end());
  longer.push_back(std::byte{0});
  CHECK(contains(open_error(o, longer), tag_mismatch));
  CHECK(open_error(o, {}) ==
        "SESSION frame of 0 bytes is shorter than the minimum 19 (type, payload version, an op, "
        "16-byte tag)");
  bytes refuse(frame.begin(), frame.end());
  refuse[0] = std::byte{0x04};
  CHECK(open_error(o, refuse) == "expected a SESSION frame, got REFUSE (0x04)");
  CHECK(ping_time(o.open(frame)) == 9);
}

TEST_CASE("session: seal refuses a frame that was not begun or holds no op") {
  session_sealer s(key_of(1));
  bytes wire;
  CHECK_THROWS_AS(s.seal(wire), std::logic_error);
  session_sealer::begin(wire);
  CHECK_THROWS_AS(s.seal(wire), std::logic_error);
  CHECK(s.next_sequence() == 0);
}

TEST_CASE("session: begin and seal reuse the buffer's capacity") {
  session_sealer s(key_of(1));
  bytes wire;
  wire.reserve(256);
  const std::byte* data = wire.data();
  for (int i = 0; i < 10; ++i) {
    session_sealer::begin(wire);
    append_msg(rec("tick", i), wire);
    s.seal(wire);
    CHECK(wire.data() == data);
  }
}
