// The dialer and acceptor state machines against each other and against a
// hand-played peer: the happy path, wrong secrets, another cluster, replayed
// handshakes, admission refusals, and tampered, truncated, oversized and
// garbage frames at every step.
#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>

#include "bytes_util.hpp"
#include "frame.hpp"
#include "handshake.hpp"

using namespace agora;
using namespace agora::cluster;
using namespace agora::cluster::test;

namespace {

cluster_secret secret_of(std::uint8_t fill) { return cluster_secret(bytes(32, std::byte{fill})); }

random_source seeded(std::uint64_t seed) {
  auto rng = std::make_shared<std::mt19937_64>(seed);
  return [rng](std::span<std::byte> out) {
    for (auto& b : out) b = static_cast<std::byte>((*rng)() & 0xff);
  };
}

const node_identity dialer_node{1, 100, node_role::member, "10.0.0.1:7000"};
const node_identity acceptor_node{2, 200, node_role::member, "10.0.0.2:7000"};
const std::vector<member_info> known = {{2, 200, "10.0.0.2:7000", member_state::up},
                                        {3, 300, "10.0.0.3:7000", member_state::lost}};

struct options {
  cluster_secret dialer_secret = secret_of(0x42);
  cluster_secret acceptor_secret = secret_of(0x42);
  std::string dialer_cluster = "prod";
  node_identity dialer = dialer_node;
  node_identity acceptor = acceptor_node;
  std::uint64_t dialer_seed = 1, acceptor_seed = 2;
  std::optional<term> refusal;  // what admit answers
};

struct sides {
  std::vector<node_identity> admitted;  // what admit was asked about
  dialer_handshake dialer;
  acceptor_handshake acceptor;

  explicit sides(const options& o = {})
      : dialer({o.dialer_cluster, o.dialer, o.dialer_secret, seeded(o.dialer_seed)}),
        acceptor({"prod", o.acceptor, o.acceptor_secret, seeded(o.acceptor_seed)},
                 [this, refusal = o.refusal](const node_identity& peer) {
                   admitted.push_back(peer);
                   return refusal;
                 },
                 [](const node_identity&) {
                   return std::vector<op>{ops::welcome{known}, ops::ping{7}};
                 }) {}
};

/// Changes a frame (as delivered, without prefix) in flight; `step` counts
/// the frames from 0 (HELLO, CHALLENGE, AUTH, the acceptor's first SESSION).
using tamper = std::function<void(int step, bytes& frame)>;

struct result {
  handshake_outcome dialer, acceptor;
  std::vector<bytes> frames;  // as delivered, after tampering
};

/// Plays the handshake between the two sides until no frame is left.
result play(sides& s, const tamper& change = {}) {
  result r;
  bytes wire = s.dialer.start();
  bool to_acceptor = true;
  for (int step = 0; !wire.empty(); ++step, to_acceptor = !to_acceptor) {
    bytes frame(wire.begin() + frame_prefix_size, wire.end());
    if (change) change(step, frame);
    r.frames.push_back(frame);
    handshake_outcome& outcome = to_acceptor ? r.acceptor : r.dialer;
    if (!std::holds_alternative<handshake_pending>(outcome)) break;
    handshake_step next = to_acceptor ? s.acceptor.on_frame(frame) : s.dialer.on_frame(frame);
    outcome = std::move(next.outcome);
    wire = std::move(next.send);
  }
  return r;
}

bool established(const handshake_outcome& o) {
  return std::holds_alternative<handshake_established>(o);
}
const handshake_failed& failure(const handshake_outcome& o) {
  REQUIRE(std::holds_alternative<handshake_failed>(o));
  return std::get<handshake_failed>(o);
}
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// Seals `ops` into a frame as delivered (without prefix).
bytes sealed(session_sealer& s, const std::vector<op>& ops) {
  bytes wire;
  session_sealer::begin(wire);
  for (const op& o : ops) append_op(o, wire);
  s.seal(wire);
  return bytes(wire.begin() + frame_prefix_size, wire.end());
}

bytes without_prefix(const bytes& wire) {
  return bytes(wire.begin() + frame_prefix_size, wire.end());
}

}  // namespace

TEST_CASE("handshake: both sides establish, learn each other and share the session keys") {
  sides s;
  CHECK_FALSE(s.dialer.peer_verified());
  result r = play(s);
  REQUIRE(established(r.dialer));
  REQUIRE(established(r.acceptor));
  CHECK(s.dialer.peer_verified());
  CHECK(s.acceptor.peer_verified());
  auto& d = std::get<handshake_established>(r.dialer);
  auto& a = std::get<handshake_established>(r.acceptor);
  CHECK(d.peer == acceptor_node);
  CHECK(a.peer == dialer_node);
  CHECK(s.admitted == std::vector<node_identity>{dialer_node});
  CHECK(d.welcome == std::vector<op>{ops::welcome{known}, ops::ping{7}});
  CHECK(a.welcome.empty());
  CHECK(r.frames.size() == 4);

  // The sessions continue where the welcome left them, in both directions.
  CHECK(a.sealer.next_sequence() == 1);
  CHECK(d.opener.next_sequence() == 1);
  for (int i = 0; i < 3; ++i) {
    CHECK(decode_ops(a.opener.open(sealed(d.sealer, {ops::ack{i}}))) ==
          std::vector<op>{ops::ack{i}});
    CHECK(decode_ops(d.opener.open(sealed(a.sealer, {ops::pong{i}}))) ==
          std::vector<op>{ops::pong{i}});
  }
  // Each direction has its own key: a frame does not open in the other one.
  session_opener& wrong_way = d.opener;
  CHECK_THROWS_AS(wrong_way.open(sealed(d.sealer, {ops::ack{9}})), protocol_error);
}

TEST_CASE("handshake: a client dials without a listening address") {
  options o;
  o.dialer = {7, 700, node_role::client, ""};
  sides s(o);
  result r = play(s);
  REQUIRE(established(r.acceptor));
  CHECK(std::get<handshake_established>(r.acceptor).peer == o.dialer);
}

TEST_CASE("handshake: a wrong secret at the dialer's end is caught by the dialer") {
  options o;
  o.dialer_secret = secret_of(0x43);
  sides s(o);
  result r = play(s);
  const auto& d = failure(r.dialer);
  CHECK(contains(d.reason, "peer failed to prove the cluster secret"));
  CHECK(contains(d.reason, "CHALLENGE"));
  CHECK_FALSE(s.dialer.peer_verified());
  // The dialer told the acceptor, which ends without an answer.
  const auto& a = failure(r.acceptor);
  CHECK(a.peer_refusal == sym("auth_failed"));
  CHECK(contains(a.reason, "peer refused the handshake: auth_failed"));
  CHECK(s.admitted.empty());
  CHECK(r.frames.size() == 3);  // HELLO, CHALLENGE, REFUSE
}

TEST_CASE("handshake: a wrong secret at the dialer's end is caught by the acceptor too") {
  // A dialer that does not check MAC_B (an attacker) still cannot answer it.
  for (bool guess : {false, true}) {
    acceptor_handshake a({"prod", acceptor_node, secret_of(0x42), seeded(2)},
                         [](const node_identity&) { return std::nullopt; },
                         [](const node_identity&) { return std::vector<op>{ops::welcome{}}; });
    const nonce n{};
    handshake_step c = a.on_frame(without_prefix(build(hello_frame{"prod", dialer_node, n})));
    const challenge_frame challenge = parse_challenge(without_prefix(c.send));
    const auto t = transcript({"prod", dialer_node, n, acceptor_node, challenge.nonce});
    const handshake_mac mac = guess ? handshake_mac{} : dialer_mac(secret_of(0x41), t);
    handshake_step end = a.on_frame(without_prefix(build(auth_frame{mac})));
    const auto& f = failure(end.outcome);
    CHECK(contains(f.reason, "peer failed to prove the cluster secret: the MAC of its AUTH"));
    CHECK(parse_refuse(without_prefix(end.send)).reason == sym("auth_failed"));
    CHECK_FALSE(a.peer_verified());
  }
}

TEST_CASE("handshake: another cluster's node is refused") {
  options o;
  o.dialer_cluster = "staging";
  sides s(o);
  result r = play(s);
  const auto& a = failure(r.acceptor);
  CHECK(a.reason == "peer is of cluster 'staging', this node of 'prod'");
  const auto& d = failure(r.dialer);
  CHECK(d.peer_refusal == sym("wrong_cluster"));
  CHECK(d.reason == "peer refused the handshake: wrong_cluster (unauthenticated REFUSE frame)");
}

TEST_CASE("handshake: a recorded handshake replayed to a new acceptor is refused") {
  sides first;
  result recorded = play(first);
  REQUIRE(established(recorded.acceptor));

  options o;
  o.acceptor_seed = 99;  // a fresh nonce, as every acceptor draws
  sides again(o);
  handshake_step challenge = again.acceptor.on_frame(recorded.frames[0]);  // the recorded HELLO
  REQUIRE(std::holds_alternative<handshake_pending>(challenge.outcome));
  handshake_step end = again.acceptor.on_frame(recorded.frames[2]);  // the recorded AUTH
  CHECK(contains(failure(end.outcome).reason, "peer failed to prove the cluster secret"));
  CHECK(again.admitted.empty());
}

TEST_CASE("handshake: a recorded CHALLENGE or welcome is refused by a new dialer") {
  sides first;
  result recorded = play(first);
  REQUIRE(established(recorded.dialer));

  options o;
  o.dialer_seed = 98;
  sides replay_challenge(o);
  replay_challenge.dialer.start();
  handshake_step c = replay_challenge.dialer.on_frame(recorded.frames[1]);
  CHECK(contains(failure(c.outcome).reason, "peer failed to prove the cluster secret"));

  // A new handshake whose welcome is swapped for the recorded one.
  sides replay_welcome(o);
  result r = play(replay_welcome, [&](int step, bytes& f) {
    if (step == 3) f = recorded.frames[3];
  });
  CHECK(contains(failure(r.dialer).reason, "failed authentication: its tag does not match"));
}

TEST_CASE("handshake: admission refused is an authenticated refuse op") {
  for (const term& why : {sym("already_linked"), sym("duplicate_node_id")}) {
    options o;
    o.refusal = why;
    sides s(o);
    result r = play(s);
    const auto& a = failure(r.acceptor);
    CHECK(a.reason == "refused node 1 (incarnation 100, 10.0.0.1:7000): " + why.to_string());
    CHECK(s.acceptor.peer_verified());
    const auto& d = failure(r.dialer);
    CHECK(d.reason == "peer refused the link: " + why.to_string());
    CHECK(d.peer_refusal == why);
    CHECK(r.frames.back()[0] == std::byte{0x10});  // a SESSION frame, not a REFUSE
  }
}

TEST_CASE("handshake: a node that dials itself, or shares its id, is refused") {
  options self;
  self.dialer = acceptor_node;
  sides s(self);
  result r = play(s);
  CHECK(failure(r.acceptor).reason == "node 2 dialed itself");
  CHECK(failure(r.dialer).peer_refusal == sym("duplicate_node_id"));

  options twin;
  twin.dialer = {2, 201, node_role::member, "10.0.0.9:7000"};
  sides t(twin);
  r = play(t);
  CHECK(failure(r.acceptor).reason ==
        "peer node 2 (incarnation 201, 10.0.0.9:7000) has this node's id");
}

namespace {

/// An acceptor played by hand, with the secret: answers a HELLO with a valid
/// CHALLENGE for `as`, then seals what the test wants as its first frame.
struct hand_acceptor {
  cluster_secret secret = secret_of(0x42);
  node_identity as = acceptor_node;
  nonce own{};
  std::vector<std::byte> bytes_of_transcript;
  std::optional<session_sealer> sealer;

  bytes challenge(std::span<const std::byte> hello_wire) {
    const hello_frame h = parse_hello(hello_wire.subspan(frame_prefix_size));
    own.fill(std::byte{0x77});
    bytes_of_transcript = transcript({"prod", h.node, h.nonce, as, own});
    session_keys keys;
    derive_session_keys(secret, h.nonce, own, bytes_of_transcript, keys);
    sealer.emplace(keys.acceptor);
    return without_prefix(
        build(challenge_frame{as, own, acceptor_mac(secret, bytes_of_transcript)}));
  }
};

}  // namespace

TEST_CASE("handshake: the dialer refuses an acceptor with its own id, even with the secret") {
  dialer_handshake d({"prod", dialer_node, secret_of(0x42), seeded(1)});
  hand_acceptor a;
  a.as = {1, 555, node_role::member, "10.0.0.5:7000"};
  handshake_step s = d.on_frame(a.challenge(d.start()));
  CHECK(failure(s.outcome).reason ==
        "the acceptor, node 1 (incarnation 555, 10.0.0.5:7000), has this node's id");
  CHECK(parse_refuse(without_prefix(s.send)).reason == sym("duplicate_node_id"));
}

TEST_CASE("handshake: the acceptor's first session frame must begin with welcome or refuse") {
  dialer_handshake d({"prod", dialer_node, secret_of(0x42), seeded(1)});
  hand_acceptor a;
  handshake_step auth = d.on_frame(a.challenge(d.start()));
  REQUIRE(std::holds_alternative<handshake_pending>(auth.outcome));
  handshake_step s = d.on_frame(sealed(*a.sealer, {ops::ping{1}, ops::welcome{}}));
  CHECK(failure(s.outcome).reason ==
        "the acceptor's first session frame begins with ping, not with welcome or refuse");
  CHECK(s.send.empty());
}

TEST_CASE("handshake: tampering with any bit of any frame never establishes both sides") {
  sides reference;
  const result clean = play(reference);
  for (int step = 0; step < 4; ++step) {
    for (std::size_t i = 0; i < clean.frames[static_cast<std::size_t>(step)].size(); ++i) {
      for (int bit = 0; bit < 8; ++bit) {
        sides s;
        result r = play(s, [&](int at, bytes& f) {
          if (at == step) f[i] ^= static_cast<std::byte>(1 << bit);
        });
        INFO("frame ", step, " byte ", i, " bit ", bit);
        REQUIRE_FALSE((established(r.dialer) && established(r.acceptor)));
        if (step < 3) REQUIRE_FALSE(established(r.acceptor));
        if (step < 3) REQUIRE(s.admitted.empty());
      }
    }
  }
}

TEST_CASE("handshake: truncated frames at every step fail cleanly") {
  sides reference;
  const result clean = play(reference);
  for (int step = 0; step < 4; ++step) {
    for (std::size_t n = 0; n < clean.frames[static_cast<std::size_t>(step)].size(); ++n) {
      sides s;
      result r = play(s, [&](int at, bytes& f) {
        if (at == step) f.resize(n);
      });
      INFO("frame ", step, " cut to ", n);
      REQUIRE_FALSE(established(r.dialer));
      if (step < 3) REQUIRE_FALSE(established(r.acceptor));
    }
  }
}

TEST_CASE("handshake: oversized frames before the session are refused with the limit") {
  for (int step = 0; step < 3; ++step) {
    sides s;
    result r = play(s, [&](int at, bytes& f) {
      if (at == step) f.resize(max_handshake_frame + 1, std::byte{0});
    });
    const handshake_failed& f = failure(step == 1 ? r.dialer : r.acceptor);
    INFO(f.reason);
    CHECK(contains(f.reason, "frame of 4097 bytes is longer than the 4096 bytes allowed before "
                             "authentication"));
  }
}

TEST_CASE("handshake: garbage and frames of the wrong type at every step fail cleanly") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 3000; ++round) {
    const int step = round % 4;
    sides s;
    result r = play(s, [&](int at, bytes& f) {
      if (at != step) return;
      f.resize(rng() % 120);
      for (auto& b : f) b = static_cast<std::byte>(rng());
      if (!f.empty() && rng() % 2) f[0] = std::byte{static_cast<std::uint8_t>(1 + rng() % 4)};
    });
    REQUIRE_FALSE(established(r.dialer));
  }
  // A well-formed frame out of turn.
  sides s;
  bytes hello = without_prefix(s.dialer.start());
  handshake_step wrong = s.dialer.on_frame(hello);
  CHECK(failure(wrong.outcome).reason == "expected a CHALLENGE (0x02) frame, got HELLO (0x01)");
  CHECK(parse_refuse(without_prefix(wrong.send)).reason == sym("unexpected_frame"));
  handshake_step early = s.acceptor.on_frame(without_prefix(build(auth_frame{})));
  CHECK(failure(early.outcome).reason == "expected a HELLO (0x01) frame, got AUTH (0x03)");
}

TEST_CASE("handshake: a REFUSE is not answered, even a malformed one") {
  sides s;
  handshake_step r = s.acceptor.on_frame(without_prefix(build(refuse_frame{sym("bored")})));
  CHECK(failure(r.outcome).peer_refusal == sym("bored"));
  CHECK(r.send.empty());

  sides t;
  t.dialer.start();
  handshake_step m = t.dialer.on_frame(bytes{std::byte{0x04}, std::byte{0x01}, std::byte{0x22}});
  CHECK(contains(failure(m.outcome).reason, "peer sent a malformed REFUSE frame"));
  CHECK(m.send.empty());
}

TEST_CASE("handshake: misuse is a logic error, bad parameters are refused") {
  sides s;
  CHECK_THROWS_AS(s.dialer.on_frame(bytes{}), std::logic_error);  // before start
  s.dialer.start();
  CHECK_THROWS_AS(s.dialer.start(), std::logic_error);
  result r;
  sides t;
  r = play(t);
  CHECK_THROWS_AS(t.dialer.on_frame(r.frames[3]), std::logic_error);
  CHECK_THROWS_AS(t.acceptor.on_frame(r.frames[0]), std::logic_error);

  CHECK_THROWS_AS(dialer_handshake({"no spaces", dialer_node, secret_of(1), seeded(1)}),
                  std::invalid_argument);
  CHECK_THROWS_AS(dialer_handshake({"prod", {0, 1, node_role::member, "h:1"}, secret_of(1),
                                    seeded(1)}),
                  std::invalid_argument);
  CHECK_THROWS_AS(dialer_handshake({"prod", dialer_node, secret_of(1), nullptr}),
                  std::invalid_argument);
  auto admit = [](const node_identity&) -> std::optional<term> { return std::nullopt; };
  auto no_welcome = [](const node_identity&) { return std::vector<op>{ops::ping{1}}; };
  CHECK_THROWS_AS(acceptor_handshake({"prod", {5, 5, node_role::client, ""}, secret_of(1),
                                      seeded(1)},
                                     admit, no_welcome),
                  std::invalid_argument);
  CHECK_THROWS_AS(acceptor_handshake({"prod", acceptor_node, secret_of(1), seeded(1)}, nullptr,
                                     no_welcome),
                  std::invalid_argument);

  // A welcome function that does not begin with welcome is the caller's bug.
  dialer_handshake d({"prod", dialer_node, secret_of(1), seeded(1)});
  acceptor_handshake a({"prod", acceptor_node, secret_of(1), seeded(2)}, admit, no_welcome);
  handshake_step c = a.on_frame(without_prefix(d.start()));
  handshake_step auth = d.on_frame(without_prefix(c.send));
  CHECK_THROWS_AS(a.on_frame(without_prefix(auth.send)), std::logic_error);
}
