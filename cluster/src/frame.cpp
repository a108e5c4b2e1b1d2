#include "frame.hpp"

#include <algorithm>
#include <fmt/format.h>

#include "agora/binary.hpp"
#include "agora/cluster/transport.hpp"
#include "fields.hpp"

namespace agora::cluster {

namespace {

constexpr std::string_view hello_fields[] = {"VERSION", "CLUSTER", "ID",     "INC",
                                             "NONCE",   "ROLE",    "ADDRESS"};
constexpr std::string_view challenge_fields[] = {"VERSION", "ID",      "INC",
                                                 "NONCE",   "ADDRESS", "MAC_B"};
constexpr std::string_view auth_fields[] = {"MAC_A"};
constexpr std::string_view refuse_fields[] = {"REASON"};

// Handshake terms are flat but for a REFUSE's REASON.
constexpr decode_limits handshake_limits{.max_size = max_handshake_frame, .max_depth = 8};

term bytes_term(std::span<const std::byte> b) { return term::bytes(b); }

std::vector<std::byte> wire_of(frame_type type, const term& body) {
  std::vector<std::byte> wire(frame_prefix_size + 1);
  wire[frame_prefix_size] = static_cast<std::byte>(type);
  encode(body, wire);
  put_frame_length(wire);
  return wire;
}

void check_built(std::string_view frame, std::string_view field,
                 const std::optional<std::string>& problem) {
  if (problem) throw std::invalid_argument(fmt::format("{}: {} {}", frame, field, *problem));
}

/// The record in a handshake frame of type `expected`.
term body_of(std::span<const std::byte> frame, frame_type expected) {
  const auto type = static_cast<std::uint8_t>(expected);
  if (type_of(frame) != type)
    throw protocol_error(fmt::format("expected a {} frame, got {}", frame_type_name(type),
                                     frame_type_name(type_of(frame))),
                         sym("unexpected_frame"));
  if (frame.size() > max_handshake_frame)
    throw protocol_error(fmt::format("{} frame of {} bytes is longer than the {} bytes allowed "
                                     "before authentication",
                                     frame_type_name(type), frame.size(), max_handshake_frame));
  try {
    return decode(frame.subspan(1), handshake_limits);
  } catch (const decode_error& e) {
    throw protocol_error(fmt::format("{} frame: at byte {}: {}", frame_type_name(type),
                                     e.offset() + 1, e.message()));
  }
}

/// A record `label` whose first field is another protocol version.
void check_version(const term& t, std::string_view label) {
  if (t.is_record(label) && t.size() >= 1 && t[0].is_int() && t[0].as_int() != protocol_version)
    throw protocol_error(fmt::format("{}: unsupported protocol version {} (this node speaks {})",
                                     label, t[0].as_int(), protocol_version),
                         sym("unsupported_version"));
}

template <std::size_t N>
std::array<std::byte, N> fixed_bytes(std::string_view octets) {
  std::array<std::byte, N> out;
  std::transform(octets.begin(), octets.end(), out.begin(),
                 [](char c) { return static_cast<std::byte>(c); });
  return out;
}

}  // namespace

std::uint8_t type_of(std::span<const std::byte> frame) {
  if (frame.empty()) throw protocol_error("empty frame (no type byte)");
  return static_cast<std::uint8_t>(frame[0]);
}

std::vector<std::byte> build(const hello_frame& f) {
  check_built("HELLO", "cluster name", cluster_name_problem(f.cluster));
  check_built("HELLO", "identity:", identity_problem(f.node));
  return wire_of(frame_type::hello,
                 rec("hello", protocol_version, f.cluster, f.node.id, f.node.incarnation,
                     bytes_term(f.nonce), sym(to_string(f.node.role)), f.node.address));
}

std::vector<std::byte> build(const challenge_frame& f) {
  check_built("CHALLENGE", "identity:", identity_problem(f.node));
  if (f.node.role != node_role::member)
    throw std::invalid_argument("CHALLENGE: the acceptor must be a member");
  return wire_of(frame_type::challenge,
                 rec("challenge", protocol_version, f.node.id, f.node.incarnation,
                     bytes_term(f.nonce), f.node.address, bytes_term(f.mac)));
}

std::vector<std::byte> build(const auth_frame& f) {
  return wire_of(frame_type::auth, rec("auth", bytes_term(f.mac)));
}

std::vector<std::byte> build(const refuse_frame& f) {
  check_built("REFUSE", "reason", reason_problem(f.reason));
  return wire_of(frame_type::refuse, rec("refuse", f.reason));
}

hello_frame parse_hello(std::span<const std::byte> frame) {
  const term t = body_of(frame, frame_type::hello);
  check_version(t, "hello");
  const record_fields f(t, "hello", hello_fields);
  f.integer(0, protocol_version);
  hello_frame h;
  h.cluster = f.string(1);
  if (auto p = cluster_name_problem(h.cluster)) f.fail(1, "must be a cluster name; it " + *p);
  h.node.id = f.integer(2, 1);
  h.node.incarnation = f.integer(3, 1);
  h.nonce = fixed_bytes<nonce_size>(f.bytes(4, nonce_size));
  h.node.role = f.one_of(5, {"member", "client"}) == 0 ? node_role::member : node_role::client;
  if (h.node.role == node_role::client) {
    if (!f.string(6).empty()) f.fail(6, "must be \"\" for a client");
  } else {
    h.node.address = f.address(6, false);
  }
  return h;
}

challenge_frame parse_challenge(std::span<const std::byte> frame) {
  const term t = body_of(frame, frame_type::challenge);
  check_version(t, "challenge");
  const record_fields f(t, "challenge", challenge_fields);
  f.integer(0, protocol_version);
  challenge_frame c;
  c.node.id = f.integer(1, 1);
  c.node.incarnation = f.integer(2, 1);
  c.nonce = fixed_bytes<nonce_size>(f.bytes(3, nonce_size));
  c.node.role = node_role::member;
  c.node.address = f.address(4, false);
  c.mac = fixed_bytes<handshake_mac_size>(f.bytes(5, handshake_mac_size));
  return c;
}

auth_frame parse_auth(std::span<const std::byte> frame) {
  const term t = body_of(frame, frame_type::auth);
  const record_fields f(t, "auth", auth_fields);
  return auth_frame{fixed_bytes<handshake_mac_size>(f.bytes(0, handshake_mac_size))};
}

refuse_frame parse_refuse(std::span<const std::byte> frame) {
  const term t = body_of(frame, frame_type::refuse);
  const record_fields f(t, "refuse", refuse_fields);
  return refuse_frame{f.reason(0)};
}

}  // namespace agora::cluster
