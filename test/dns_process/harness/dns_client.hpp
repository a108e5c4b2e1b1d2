// A DNS client for the tests, built on the project's codec: one query (or
// raw bytes) to HOST:PORT over UDP or TCP (with the 2-byte length prefix),
// with a deadline. Each call uses a fresh socket, so a late reply to an
// earlier query is never taken for this one's. The reply comes back as
// received (the first datagram over UDP, whatever its ID): tests check
// answers exactly, bad ones included.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "codec/message.hpp"
#include "codec/query.hpp"
#include "codec/result.hpp"

namespace dns_process {

enum class transport { udp, tcp };
std::string to_string(transport t);

using bytes = std::vector<std::byte>;

struct query_spec {
  std::string name;  // "www.example.test." (the final dot optional)
  agora::dns::rr_type type = agora::dns::rr_type::a;
  std::optional<std::uint16_t> edns_size = agora::dns::default_edns_size;  // nullopt: no OPT
  bool rd = true;
  std::optional<std::uint16_t> id;  // nullopt: a random one
  transport via = transport::udp;
};

/// NAME TYPE with the defaults (RD, EDNS 1232, a random ID) over `via`.
inline query_spec ask(std::string name, agora::dns::rr_type type = agora::dns::rr_type::a,
                      transport via = transport::udp) {
  query_spec q;
  q.name = std::move(name);
  q.type = type;
  q.via = via;
  return q;
}

/// A decoded reply and the bytes it came in.
struct dns_reply {
  agora::dns::message msg;
  bytes wire;
};

/// The reply, or why there is none: "timeout: no reply from 127.0.0.1:53
/// over UDP within 1000 ms", "decode error: at byte 12: ...", "connection
/// refused", "connection closed after 0 of 2 bytes".
using query_result = agora::dns::result<dns_reply, std::string>;
using raw_result = agora::dns::result<bytes, std::string>;

class dns_client {
 public:
  dns_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout = std::chrono::milliseconds(2000));

  /// Builds the query (make_query), sends it, decodes the reply.
  query_result query(const query_spec& q) const;
  /// Sends `q` as it is (encoded by the codec), decodes the reply.
  query_result exchange(const agora::dns::message& q, transport via) const;
  /// Sends `wire` as it is (over TCP after the length prefix); the reply's
  /// bytes (without the prefix), or the error.
  raw_result send_raw(std::span<const std::byte> wire, transport via) const;

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  raw_result over_udp(std::span<const std::byte> wire) const;
  raw_result over_tcp(std::span<const std::byte> wire) const;
  std::string timeout_error(transport via) const;

  std::string host_;
  std::uint16_t port_;
  std::chrono::milliseconds timeout_;
};

}  // namespace dns_process
