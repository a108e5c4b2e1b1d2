// What the node core needs of the wire (docs/CLUSTER.md "Wire format"): a
// link's handshake, then its session (sealed and opened frames), and the
// ops inside a session payload — writing them into a payload being built,
// and reading a received payload op by op.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "crypto.hpp"
#include "replica.hpp"

namespace agora::cluster {

/// Who is at one end of a link, as the handshake states it.
struct link_identity {
  std::string cluster;
  std::uint64_t id = 0;
  std::uint64_t incarnation = 0;
  bool client = false;
  std::string address;  // where it listens; "" for a client
};

/// Longest frame accepted before authentication.
inline constexpr std::size_t handshake_max_frame = 4096;
/// A payload this large is sealed and sent at once, without waiting for
/// the end of the batch.
inline constexpr std::size_t batch_bytes = 256 * 1024;

struct member_entry {
  std::uint64_t id = 0, incarnation = 0;
  std::string address;
  std::string state;  // "up", "lost", "left"
};

// ---- ops ---------------------------------------------------------------------

struct op_welcome { std::vector<member_entry> members; };
struct op_refuse { std::string why; };
struct op_members { std::vector<member_entry> members; };
struct op_declare { endpoint_decl decl; };
struct op_withdraw { std::uint64_t handle = 0; term why; };
struct op_message { term body; bool feedback = false; };
struct op_ack { std::uint64_t n = 0; };
struct op_ping { std::int64_t t = 0; };
struct op_pong { std::int64_t t = 0; };
struct op_bye { term why; };
struct op_status_req { std::int64_t tag = 0; };
struct op_status { std::int64_t tag = 0; term status; };

using link_op = std::variant<op_welcome, op_refuse, op_members, op_declare, op_withdraw,
                             op_message, op_ack, op_ping, op_pong, op_bye, op_status_req,
                             op_status>;

/// A session payload being built: the version byte, then ops.
class op_buffer {
 public:
  bool empty() const noexcept { return bytes_.size() <= 1; }
  std::size_t size() const noexcept { return bytes_.size(); }
  /// The payload so far; the buffer starts over.
  std::vector<std::byte> take();
  std::vector<std::byte>& bytes() noexcept { return bytes_; }

 private:
  std::vector<std::byte> bytes_{std::byte{1}};
};

void put_members(op_buffer& b, const std::vector<member_entry>& members);
void put_declare(op_buffer& b, const endpoint_decl& d);
void put_withdraw(op_buffer& b, std::uint64_t handle, const term& why);
void put_message(op_buffer& b, const term& body, bool feedback);
void put_ack(op_buffer& b, std::uint64_t n);
void put_ping(op_buffer& b, std::int64_t t);
void put_pong(op_buffer& b, std::int64_t t);
void put_bye(op_buffer& b, const term& why);
void put_status_req(op_buffer& b, std::int64_t tag);
void put_status(op_buffer& b, std::int64_t tag, const term& status);

/// Calls f with each op of a received payload, in order. Throws
/// std::runtime_error saying which op, where and what is wrong.
void for_each_op(std::span<const std::byte> payload, const std::function<void(link_op&&)>& f);

// ---- handshake and session -------------------------------------------------------

struct handshake_outcome {
  enum state_t { pending, established, failed } state = pending;
  std::vector<std::vector<std::byte>> send;  // wire frames, in order
  std::string error;                         // failed: why
  link_identity peer;                        // established
  std::vector<std::byte> welcome;            // established (dialer): the welcome's payload
  static handshake_outcome failed_with(std::string why) {
    handshake_outcome o;
    o.state = failed;
    o.error = std::move(why);
    return o;
  }
};

/// One link's handshake, then its session.
class link_codec {
 public:
  using admit_fn = std::function<std::optional<std::string>(const link_identity&)>;
  using welcome_fn = std::function<std::vector<std::byte>()>;

  static std::unique_ptr<link_codec> dial(link_identity self, std::span<const std::byte> secret,
                                          random_source random);
  static std::unique_ptr<link_codec> accept(link_identity self, std::span<const std::byte> secret,
                                            random_source random, admit_fn admit,
                                            welcome_fn welcome);
  virtual ~link_codec() = default;

  /// Frames to send first (the dialer's HELLO; nothing for the acceptor).
  virtual std::vector<std::vector<std::byte>> start() = 0;
  /// A handshake frame arrived.
  virtual handshake_outcome feed(std::span<const std::byte> frame) = 0;
  /// After `established`: a payload (version byte and ops) as a sealed wire
  /// frame, and a received frame opened (throws std::runtime_error when it
  /// is not the next authentic frame).
  virtual std::vector<std::byte> seal(std::span<const std::byte> payload) = 0;
  virtual std::vector<std::byte> open(std::span<const std::byte> frame) = 0;
};

}  // namespace agora::cluster
