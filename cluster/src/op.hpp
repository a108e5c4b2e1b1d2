// The ops of a SESSION frame's payload (docs/CLUSTER.md, "Ops"): typed,
// appended to a payload, and read back one by one with every field checked.
//
//   payload = 0x01 op op ...     (the binary version byte, then one or more
//                                 ops, each an agora binary term without
//                                 version byte)
//
// msg and fb are the hot path: append_msg / append_fb write the record's tag
// and label and then the body straight into the frame, byte for byte what
// encoding the record term msg(BODY) would give, with no record built.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "agora/binary.hpp"
#include "agora/event.hpp"
#include "agora/term.hpp"

namespace agora::cluster {

enum class member_state : std::uint8_t { up, lost, left };

/// member(ID, INC, ADDRESS, STATE): a member node as the sender knows it.
struct member_info {
  std::int64_t id = 0;           // >= 1
  std::int64_t incarnation = 0;  // >= 1
  std::string address;           // "host:port"
  member_state state = member_state::up;

  bool operator==(const member_info&) const = default;
};

namespace ops {

/// welcome(MEMBERS): the acceptor's first op.
struct welcome {
  std::vector<member_info> members;
  bool operator==(const welcome&) const = default;
};
/// refuse(REASON): the acceptor will not keep this link.
struct refuse {
  term reason;
  bool operator==(const refuse&) const = default;
};
/// members([member(...), ...]): who the sender knows.
struct members {
  std::vector<member_info> list;
  bool operator==(const members&) const = default;
};
/// declare(H, ROLE, INTEREST, FLAGS, TOPIC): endpoint H appears.
/// FLAGS: bit 0 presence, bit 1 absence, bit 2 message handler.
struct declare {
  std::int64_t handle = 0;  // >= 0
  agora::role role = agora::role::subscriber;
  agora::interest interest = agora::interest::participant;
  bool presence = false, absence = false, message = false;
  term topic;  // a pattern
  bool operator==(const declare&) const = default;
};
/// withdraw(H, REASON): endpoint H goes.
struct withdraw {
  std::int64_t handle = 0;
  term reason;
  bool operator==(const withdraw&) const = default;
};
/// msg(BODY): a message for the receiver's matching subscribers.
struct msg {
  term body;  // concrete
  bool operator==(const msg&) const = default;
};
/// fb(BODY): feedback for the receiver's matching publishers.
struct fb {
  term body;  // concrete
  bool operator==(const fb&) const = default;
};
/// ack(N): the sender has applied N declares from the receiver.
struct ack {
  std::int64_t count = 0;  // >= 0
  bool operator==(const ack&) const = default;
};
/// ping(T) / pong(T): T is the pinger's clock in microseconds.
struct ping {
  std::int64_t time = 0;  // >= 0
  bool operator==(const ping&) const = default;
};
struct pong {
  std::int64_t time = 0;  // >= 0
  bool operator==(const pong&) const = default;
};
/// bye(REASON): orderly leave.
struct bye {
  term reason;
  bool operator==(const bye&) const = default;
};
/// status_req(TAG) / status(TAG, STATUS): a client asks for the cluster.
struct status_req {
  std::int64_t tag = 0;  // >= 0
  bool operator==(const status_req&) const = default;
};
struct status {
  std::int64_t tag = 0;  // >= 0
  term report;           // concrete
  bool operator==(const status&) const = default;
};

}  // namespace ops

using op = std::variant<ops::welcome, ops::refuse, ops::members, ops::declare, ops::withdraw,
                        ops::msg, ops::fb, ops::ack, ops::ping, ops::pong, ops::bye,
                        ops::status_req, ops::status>;

/// The op's name on the wire ("declare").
std::string_view op_name(const op& o) noexcept;

/// The op as a term. Throws std::invalid_argument when a field breaks its
/// rule (a bug of the sender: the peer would end the link).
term to_term(const op& o);

/// The op a term stands for; throws protocol_error naming the op, the field
/// and the rule.
op op_from_term(const term& t);

/// Appends o's encoding (without version byte) to a payload. Throws
/// std::invalid_argument as to_term() does.
void append_op(const op& o, std::vector<std::byte>& payload);

/// msg(body) / fb(body) appended without building the record; `body` must
/// be concrete (std::invalid_argument otherwise).
void append_msg(const term& body, std::vector<std::byte>& payload);
void append_fb(const term& body, std::vector<std::byte>& payload);

/// Reads a payload op by op. Throws protocol_error, whose text says which op
/// (counting from 1), at which byte of the payload it starts, and what is
/// wrong with it.
class op_reader {
 public:
  /// Checks the payload's version byte and that it holds an op. `payload`
  /// must outlive the reader.
  explicit op_reader(std::span<const std::byte> payload, const decode_limits& limits = {});

  /// The next op, or nothing at the end of the payload.
  std::optional<op> next();

 private:
  std::span<const std::byte> payload_;
  decode_limits limits_;
  std::size_t offset_ = 1;
  std::size_t count_ = 0;
};

/// Every op of a payload, in order (op_reader in one go).
std::vector<op> decode_ops(std::span<const std::byte> payload, const decode_limits& limits = {});

}  // namespace agora::cluster
