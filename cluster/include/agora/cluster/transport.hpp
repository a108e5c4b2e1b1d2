// agora::cluster::transport — the seam under the cluster's links: listen,
// connect, send a frame, a frame arrived, a connection came up or went down.
//
// A frame on the wire is a 4-byte big-endian length, then that many bytes.
// The caller of send() hands over the whole frame, length prefix included
// (so the node core can build it in place, with no copy); a transport hands
// arriving frames to its events without the prefix. Authentication,
// heartbeats and membership live above this seam (node_core), so the same
// cluster code runs over TCP (tcp_transport) and over the simulated network.
//
// Threading: every call and every event happens on one thread (the
// ground's I/O thread; in the simulation, the simulator's). No event is
// delivered from inside a call: what a call causes (on_closed after close(),
// or after connect() to a malformed address) comes later. Calls may be made
// from inside an event, stop() included.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "agora/term.hpp"

namespace agora::cluster {

/// A connection, named by its transport; never reused by that transport.
using conn_id = std::uint64_t;

/// Limits a transport enforces per connection.
struct conn_limits {
  /// Longest frame accepted from the peer (without the prefix); a longer
  /// announced length ends the connection with too_long("...").
  std::size_t max_frame = 4096;
};

class transport_events {
 public:
  /// A peer connected to our listener (and, with TLS, completed the
  /// handshake). `peer` is "host:port" ("[v6]:port"). A connection that
  /// fails before this point is logged by the transport, never reported.
  virtual void on_accepted(conn_id c, const std::string& peer) = 0;
  /// An outgoing connection from connect() is established.
  virtual void on_connected(conn_id c) = 0;
  /// A whole frame arrived (without its length prefix). `frame` points into
  /// the transport's read buffer: valid only during the call.
  virtual void on_frame(conn_id c, std::span<const std::byte> frame) = 0;
  /// Bytes left the send queue; `queued` is what is still waiting.
  virtual void on_sent(conn_id c, std::size_t queued) = 0;
  /// The connection is gone (or an outgoing one never came up). Reasons:
  /// `eof`, `reset`, `refused`, `timeout`, `closed` (by us), too_long("..."),
  /// error("..."). No event for c follows. After close(c), this is the only
  /// event c still gets, always with `closed`.
  virtual void on_closed(conn_id c, const term& why) = 0;

 protected:
  ~transport_events() = default;
};

class transport {
 public:
  virtual ~transport() = default;
  /// Where events go; call once, before anything else.
  virtual void start(transport_events& events) = 0;
  /// Listens on "host:port" (port 0: any free one) and returns the address
  /// actually bound. Throws std::runtime_error naming the address.
  virtual std::string listen(const std::string& address) = 0;
  /// Dials "host:port"; on_connected or on_closed follows (on_closed with
  /// error("...") for a malformed address).
  virtual conn_id connect(const std::string& address) = 0;
  /// Queues one frame: `wire` holds the 4-byte length prefix and the frame.
  /// Frames sent before on_connected go out once the connection is up. A
  /// connection that is closing or gone (or unknown) drops the frame. Throws
  /// std::invalid_argument, and queues nothing, when the prefix does not
  /// give the length of what follows it.
  virtual void send(conn_id c, std::vector<std::byte> wire) = 0;
  /// An empty buffer to build a frame in, perhaps with the capacity of one
  /// already written (so a stream of frames need not allocate each).
  virtual std::vector<std::byte> spare_buffer() { return {}; }
  /// Bytes queued and not yet written (0 for a connection that is gone).
  virtual std::size_t queued(conn_id c) const = 0;
  /// Applies from the next frame parsed, even one already received (so a
  /// limit raised inside on_frame covers the frame after it).
  virtual void set_limits(conn_id c, const conn_limits& limits) = 0;
  /// Closes c: with `flush`, after what is queued has been written (within a
  /// bounded time); otherwise (or when c is not up yet) at once. Nothing more
  /// is delivered for c; later on_closed(c, closed) follows. Without flush it
  /// also cuts short a flushing close. Ignored for a connection already gone.
  virtual void close(conn_id c, bool flush) = 0;
  /// Stops listening and closes every connection (flushing what is queued,
  /// within a bounded time, which goes on after stop() returns). No event
  /// follows, from any connection; later calls change nothing.
  virtual void stop() = 0;
};

/// Writes the 4-byte big-endian length prefix into wire[0..4) for the
/// frame that follows it. Throws std::length_error when `wire` has no room
/// for the prefix or the frame is too long for one.
inline void put_frame_length(std::vector<std::byte>& wire) {
  if (wire.size() < 4 || wire.size() - 4 > std::numeric_limits<std::uint32_t>::max())
    throw std::length_error("put_frame_length: a wire frame holds 4 to 2^32 + 3 bytes");
  const auto n = static_cast<std::uint32_t>(wire.size() - 4);
  wire[0] = std::byte(n >> 24);
  wire[1] = std::byte(n >> 16);
  wire[2] = std::byte(n >> 8);
  wire[3] = std::byte(n);
}

}  // namespace agora::cluster
