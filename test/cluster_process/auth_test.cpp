// Authentication across processes: a node with another secret is refused,
// both sides say so, and it never appears on the others; a handshake
// recorded from a real dialer and replayed to a node is refused (the
// acceptor's fresh nonce makes the recorded AUTH worthless).
#include <doctest/doctest.h>

#include "raw_frames.hpp"
#include "recording_relay.hpp"
#include "test_cluster.hpp"

using namespace agora_test;

TEST_CASE("wrong secret: refused with a clear message on both sides, and the node never appears on the others") {
  test_cluster c;
  INFO(c.logs());
  const auto& seed = c.start(1);
  c.start(2, {seed.address()});
  REQUIRE(c.wait_mesh({1, 2}));
  const auto mark1 = c.node(1).mark(), mark2 = c.node(2).mark();

  const auto other_secret = c.write("other-secret", random_secret_hex());
  auto& stranger = c.start(9, {seed.address()}, {"--secret-file", other_secret});
  // The dialer finds that the acceptor does not prove its secret...
  const std::string dialer_says = "handshake with " + seed.address() + " failed: peer failed to prove the cluster secret";
  const auto dialer_side = stranger.wait_for(dialer_says, 10s);
  REQUIRE(dialer_side);
  // ... and tells it, which the acceptor logs. It tries again (with backoff)
  // and is refused again.
  const auto first = c.node(1).wait_for("refused by the peer: auth_failed", 10s, mark1);
  REQUIRE(first);
  CHECK(c.node(1).wait_for("refused by the peer: auth_failed", 10s, first->index + 1));
  CHECK(stranger.wait_for(dialer_says, 10s, dialer_side->index + 1));

  for (std::uint64_t id : {1, 2}) {
    CAPTURE(id);
    CHECK(c.node(id).lines_with(test_cluster::appeared(9)).empty());
    const auto s = c.status(id);
    CHECK_FALSE(s.members.contains(9));
    CHECK_FALSE(s.links.contains(9));
    CHECK(s.in_state("up") == std::vector<std::uint64_t>{1, 2});
  }
  CHECK(c.node(2).lines_with("node 9", mark2).empty());  // never even told of it
  CHECK(stranger.lines_with(" appeared").empty());
  CHECK(stranger.lines_with("linked to").empty());
}

TEST_CASE("a replayed handshake: the bytes of a real dialer's HELLO and AUTH, sent again, are refused") {
  test_cluster c;
  INFO(c.logs());
  auto& target = c.start(1);
  // Node 2 joins through a relay that records what it sends to node 1.
  recording_relay relay(target.port());
  auto& recorded_dialer = c.start(2, {"127.0.0.1:" + std::to_string(relay.port())});
  REQUIRE(c.wait_mesh({1, 2}));
  REQUIRE(relay.wait_recorded([](const std::string& b) { return whole_frames(b).size() >= 2; }, 5s));
  const auto frames = whole_frames(relay.recorded());
  REQUIRE(type_of(frames[0]) == frame_type::hello);
  REQUIRE(type_of(frames[1]) == frame_type::auth);

  // The recorded node is gone: no link could be the reason for a refusal.
  recorded_dialer.signal(SIGKILL);
  REQUIRE(c.node(1).wait_for(test_cluster::disappeared(2), 5s));
  const auto mark = target.mark();

  client replay(target.port());
  REQUIRE(replay.send(frames[0]) == client::outcome::done);
  const auto challenge = read_frame(replay, 5s);
  REQUIRE(challenge);
  CHECK(type_of(*challenge) == frame_type::challenge);  // with the acceptor's fresh nonce
  REQUIRE(replay.send(frames[1]) == client::outcome::done);
  const auto answer = read_frame(replay, 5s);
  REQUIRE(answer);
  CHECK(type_of(*answer) == frame_type::refuse);  // no SESSION frame: no welcome
  CHECK(replay.wait_closed(5s));

  const auto refused = target.wait_for("handshake from 127.0.0.1:", 5s, mark);
  REQUIRE(refused);
  CHECK(refused->text.find("AUTH does not verify") != std::string::npos);
  CHECK(target.lines_with(test_cluster::appeared(2), mark).empty());
  const auto s = c.status(1);
  CHECK(s.members.at(2).state == "lost");
  CHECK(s.links.empty());
}
