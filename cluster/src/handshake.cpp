#include "handshake.hpp"

#include <fmt/format.h>
#include <stdexcept>

#include "fields.hpp"
#include "frame.hpp"

namespace agora::cluster {

namespace {

void check_params(const handshake_params& p, std::string_view side) {
  if (auto problem = cluster_name_problem(p.cluster))
    throw std::invalid_argument(fmt::format("{}: cluster name {}", side, *problem));
  if (auto problem = identity_problem(p.self))
    throw std::invalid_argument(fmt::format("{}: {}", side, *problem));
  if (!p.random) throw std::invalid_argument(fmt::format("{}: no random source", side));
}

handshake_step failed(std::string reason, std::vector<std::byte> send = {},
                      std::optional<term> peer_refusal = std::nullopt) {
  return {std::move(send), handshake_failed{std::move(reason), std::move(peer_refusal)}};
}

/// Fails and answers with REFUSE(why).
handshake_step refuse(std::string reason, const term& why) {
  return failed(std::move(reason), build(refuse_frame{why}));
}

/// The peer's REFUSE frame ends the handshake; it is not answered.
handshake_step refused_by_peer(std::span<const std::byte> frame) {
  try {
    term why = parse_refuse(frame).reason;
    std::string reason = fmt::format(
        "peer refused the handshake: {} (unauthenticated REFUSE frame)", why.to_string());
    return failed(std::move(reason), {}, std::move(why));
  } catch (const protocol_error& e) {
    return failed(fmt::format("peer sent a malformed REFUSE frame: {}", e.what()));
  }
}

bool is_refuse(std::span<const std::byte> frame) {
  return !frame.empty() && frame[0] == static_cast<std::byte>(frame_type::refuse);
}

std::string describe(const node_identity& n) {
  return fmt::format("node {} (incarnation {}{}{})", n.id, n.incarnation,
                     n.address.empty() ? "" : ", ", n.address);
}

}  // namespace

// ---- dialer -----------------------------------------------------------------

dialer_handshake::dialer_handshake(handshake_params params) : params_(std::move(params)) {
  check_params(params_, "dialer_handshake");
}

std::vector<std::byte> dialer_handshake::start() {
  if (stage_ != stage::idle) throw std::logic_error("dialer_handshake::start: called twice");
  params_.random(nonce_);
  stage_ = stage::awaiting_challenge;
  return build(hello_frame{params_.cluster, params_.self, nonce_});
}

handshake_step dialer_handshake::on_frame(std::span<const std::byte> frame) {
  switch (stage_) {
    case stage::idle:
      throw std::logic_error("dialer_handshake::on_frame: before start()");
    case stage::done:
      throw std::logic_error("dialer_handshake::on_frame: the handshake is over");
    case stage::awaiting_challenge: {
      auto step = on_challenge(frame);
      if (!std::holds_alternative<handshake_pending>(step.outcome)) stage_ = stage::done;
      return step;
    }
    case stage::awaiting_welcome:
      stage_ = stage::done;
      return on_welcome(frame);
  }
  throw std::logic_error("dialer_handshake: unknown stage");
}

handshake_step dialer_handshake::on_challenge(std::span<const std::byte> frame) {
  if (is_refuse(frame)) return refused_by_peer(frame);
  challenge_frame challenge;
  try {
    challenge = parse_challenge(frame);
  } catch (const protocol_error& e) {
    return refuse(e.what(), e.refusal());
  }
  const auto bytes = transcript(
      {params_.cluster, params_.self, nonce_, challenge.node, challenge.nonce});
  if (!equal_in_constant_time(acceptor_mac(params_.secret, bytes), challenge.mac))
    return refuse("peer failed to prove the cluster secret: the MAC of its CHALLENGE does not "
                  "verify (another secret, or an altered frame)",
                  sym("auth_failed"));
  peer_verified_ = true;
  if (challenge.node.id == params_.self.id)
    return refuse(fmt::format("the acceptor, {}, has this node's id", describe(challenge.node)),
                  sym("duplicate_node_id"));
  session_keys keys;
  derive_session_keys(params_.secret, nonce_, challenge.nonce, bytes, keys);
  sealer_.emplace(keys.dialer);
  opener_.emplace(keys.acceptor);
  peer_ = challenge.node;
  stage_ = stage::awaiting_welcome;
  return {build(auth_frame{dialer_mac(params_.secret, bytes)}), handshake_pending{}};
}

handshake_step dialer_handshake::on_welcome(std::span<const std::byte> frame) {
  if (is_refuse(frame)) return refused_by_peer(frame);
  std::vector<op> ops;
  try {
    ops = decode_ops(opener_->open(frame));
  } catch (const protocol_error& e) {
    return failed(fmt::format("the acceptor's first session frame is invalid: {}", e.what()));
  }
  if (auto* r = std::get_if<ops::refuse>(&ops.front()))
    return failed(fmt::format("peer refused the link: {}", r->reason.to_string()), {}, r->reason);
  if (!std::holds_alternative<ops::welcome>(ops.front()))
    return failed(fmt::format("the acceptor's first session frame begins with {}, not with "
                              "welcome or refuse",
                              op_name(ops.front())));
  return {{}, handshake_established{std::move(peer_), std::move(*sealer_), std::move(*opener_),
                                    std::move(ops)}};
}

// ---- acceptor ---------------------------------------------------------------

acceptor_handshake::acceptor_handshake(handshake_params params, admit_function admit,
                                       welcome_function welcome)
    : params_(std::move(params)), admit_(std::move(admit)), welcome_(std::move(welcome)) {
  check_params(params_, "acceptor_handshake");
  if (params_.self.role != node_role::member)
    throw std::invalid_argument("acceptor_handshake: only a member accepts links");
  if (!admit_ || !welcome_)
    throw std::invalid_argument("acceptor_handshake: admit and welcome functions are needed");
}

handshake_step acceptor_handshake::on_frame(std::span<const std::byte> frame) {
  switch (stage_) {
    case stage::done:
      throw std::logic_error("acceptor_handshake::on_frame: the handshake is over");
    case stage::awaiting_hello: {
      auto step = on_hello(frame);
      if (!std::holds_alternative<handshake_pending>(step.outcome)) stage_ = stage::done;
      return step;
    }
    case stage::awaiting_auth:
      stage_ = stage::done;
      return on_auth(frame);
  }
  throw std::logic_error("acceptor_handshake: unknown stage");
}

handshake_step acceptor_handshake::on_hello(std::span<const std::byte> frame) {
  if (is_refuse(frame)) return refused_by_peer(frame);
  hello_frame hello;
  try {
    hello = parse_hello(frame);
  } catch (const protocol_error& e) {
    return refuse(e.what(), e.refusal());
  }
  if (hello.cluster != params_.cluster)
    return refuse(fmt::format("peer is of cluster '{}', this node of '{}'", hello.cluster,
                              params_.cluster),
                  sym("wrong_cluster"));
  if (hello.node.id == params_.self.id)
    return refuse(hello.node.incarnation == params_.self.incarnation
                      ? fmt::format("node {} dialed itself", hello.node.id)
                      : fmt::format("peer {} has this node's id", describe(hello.node)),
                  sym("duplicate_node_id"));
  params_.random(nonce_);
  peer_ = hello.node;
  peer_nonce_ = hello.nonce;
  transcript_ = transcript({params_.cluster, peer_, peer_nonce_, params_.self, nonce_});
  stage_ = stage::awaiting_auth;
  return {build(challenge_frame{params_.self, nonce_, acceptor_mac(params_.secret, transcript_)}),
          handshake_pending{}};
}

handshake_step acceptor_handshake::on_auth(std::span<const std::byte> frame) {
  if (is_refuse(frame)) return refused_by_peer(frame);
  auth_frame auth;
  try {
    auth = parse_auth(frame);
  } catch (const protocol_error& e) {
    return refuse(e.what(), e.refusal());
  }
  if (!equal_in_constant_time(dialer_mac(params_.secret, transcript_), auth.mac))
    return refuse("peer failed to prove the cluster secret: the MAC of its AUTH does not verify "
                  "(another secret, a replayed handshake, or an altered frame)",
                  sym("auth_failed"));
  peer_verified_ = true;
  session_keys keys;
  derive_session_keys(params_.secret, peer_nonce_, nonce_, transcript_, keys);
  handshake_established done{peer_, session_sealer(keys.acceptor), session_opener(keys.dialer), {}};

  std::vector<std::byte> wire;
  session_sealer::begin(wire);
  if (auto why = admit_(peer_)) {
    append_op(ops::refuse{*why}, wire);
    done.sealer.seal(wire);
    return failed(fmt::format("refused {}: {}", describe(peer_), why->to_string()),
                  std::move(wire));
  }
  const std::vector<op> first = welcome_(peer_);
  if (first.empty() || !std::holds_alternative<ops::welcome>(first.front()))
    throw std::logic_error("acceptor_handshake: the first session frame must begin with welcome");
  for (const op& o : first) append_op(o, wire);
  done.sealer.seal(wire);
  return {std::move(wire), std::move(done)};
}

}  // namespace agora::cluster
