// agora::udp — UDP sockets as a driver in the ground VM, bound by interest.
// The protocol is in docs/TCP.md, section "UDP"; in short:
//
//   BIND = udp.bind(HOST, PORT, MAX)   HOST an IP literal ("127.0.0.1", "::",
//                                      ...), PORT 0..65535 (0: ephemeral),
//                                      MAX 1..65507 bytes, both directions
//        | udp.bind(HOST, PORT, MAX, TAG)  the same; TAG, any term, makes it
//                                      another socket (several sockets on
//                                      ephemeral ports: one per DNS query)
//   udp.datagram(BIND, PEER, BYTES)    driver → subscribers; PEER = peer(HOST, PORT)
//   udp.datagrams(BIND, [udp.datagram(BIND, PEER, BYTES), ...])
//                                      driver → subscribers of this form: the
//                                      datagrams one wake-up read, in order (a
//                                      busy server's turns and hops per
//                                      datagram divided by the batch)
//   udp.truncated(BIND, PEER, N)       driver → subscribers, just before the
//                                      datagram it concerns: N bytes came in,
//                                      the datagram carries the first MAX
//   udp.socket(BIND, bound(PORT))      published while the socket is bound
//   udp.socket(BIND, failed("what"))   published while binding has failed
//   udp.send(BIND, PEER, BYTES)        anyone → driver: send from BIND's socket
//   udp.sends([udp.send(BIND, PEER, BYTES), ...])   anyone → driver: each, in order
//   udp.error(BIND, PEER, "what")      driver → subscribers: a send was refused
//                                      or failed, or a receive failed (PEER is
//                                      `unknown` then)
//   get_udp_stats(R) / udp_stats(R, sockets, received, truncated, sent,
//                                refused, errors, ignored)
//
// The socket of BIND is bound while some actor subscribes to
// udp.datagram(BIND, _, _) or udp.datagrams(BIND, _) with that concrete
// BIND (the driver publishes both with interest `everything` and counts
// the flows);
// it is closed when the last such subscriber goes. Messages that do not
// have the shapes above are ignored with one line on the driver's log.
//
//   ... in a turn<S>, at any depth:
//   const term b = agora::udp::bind_on("127.0.0.1", 5300, 1500);
//   agora::udp::on_datagram(t, b, [](turn<S>& t, const agora::udp::datagram& d) {
//     agora::udp::send(t, d.bind, d.peer, d.bytes);   // echo
//   });
//
// Spawn one driver per ground: g.spawn(agora::udp::driver(g)). The port (its
// io_context) must outlive the driver actor; the driver's I/O work runs on
// a strand unless the port is serial, so the port may run its io_context
// on several threads. It receives with recvmmsg and sends with sendmmsg:
// see docs/TCP.md, "UDP".
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/drivers/detail/stats_query.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::udp {

/// The largest UDP payload over IPv4 (65,535 − 8 − 20): the ceiling of MAX.
inline constexpr std::size_t max_datagram = 65'507;

struct driver_options {
  std::string name = "agora.udp";
  /// Bytes of datagrams accepted for sending but not yet handed to the
  /// kernel, per socket; a send beyond this is refused with udp.error.
  std::size_t max_pending_bytes = 1 << 20;
  /// SO_RCVBUF asked for every socket (the kernel caps it at
  /// net.core.rmem_max); 0 keeps the system's default. A server taking
  /// bursts of datagrams wants a few MiB, or the kernel drops them.
  std::size_t receive_buffer_bytes = 0;
  /// Receives one line per ignored message or failed bind; empty: the
  /// port's sink (io_port::log(): the ground's, stderr unless configured).
  log_sink log{};
};

/// The driver actor: spawn it once in the ground VM (the VM `port` posts
/// into).
actor_spec driver(io_port& port, driver_options options = {});

// ---- the protocol's terms -----------------------------------------------------

/// udp.bind(HOST, PORT, MAX).
inline term bind_on(std::string_view host, std::uint16_t port, std::size_t max = max_datagram) {
  return rec("udp.bind", term(host), static_cast<std::int64_t>(port), static_cast<std::int64_t>(max));
}
/// udp.bind(HOST, PORT, MAX, TAG): a socket of its own, told apart by TAG.
inline term bind_tagged(std::string_view host, std::uint16_t port, std::size_t max, term tag) {
  return rec("udp.bind", term(host), static_cast<std::int64_t>(port), static_cast<std::int64_t>(max),
             std::move(tag));
}
/// peer(HOST, PORT).
inline term peer(std::string_view host, std::uint16_t port) {
  return rec("peer", term(host), static_cast<std::int64_t>(port));
}
/// What keeps BIND's socket open: udp.datagram(BIND, _, _).
inline term datagram_topic(term bind) { return rec("udp.datagram", std::move(bind), _, _); }
/// Keeps BIND's socket open as well, and takes its datagrams in batches:
/// udp.datagrams(BIND, _).
inline term datagrams_topic(term bind) { return rec("udp.datagrams", std::move(bind), _); }
/// udp.socket(BIND, _): subscribe to learn bound(PORT) or failed("what").
inline term socket_topic(term bind) { return rec("udp.socket", std::move(bind), _); }
/// udp.error(BIND, _, _).
inline term error_topic(term bind) { return rec("udp.error", std::move(bind), _, _); }
/// udp.truncated(BIND, _, _).
inline term truncated_topic(term bind) { return rec("udp.truncated", std::move(bind), _, _); }
inline term send_message(term bind, term peer, term bytes) {
  return rec("udp.send", std::move(bind), std::move(peer), std::move(bytes));
}

/// A received datagram, read from udp.datagram(BIND, peer(HOST, PORT), BYTES).
/// Views into the message: valid during the handler.
struct datagram {
  const term& bind;
  const term& peer;  // peer(HOST, PORT): pass it to send() to answer
  std::string_view host;
  std::uint16_t port;
  std::string_view bytes;
};
/// Reads a udp.datagram message body; nullopt if it has another shape.
std::optional<datagram> read_datagram(const term& body);

/// Reads the items of a udp.datagrams(BIND, LIST) message body into `out`
/// (cleared first; views into the message, valid during the handler).
/// False if the body has another shape; malformed items are skipped.
bool read_datagrams(const term& body, std::vector<datagram>& out);

/// Sends collected in a turn, handed to the driver as one message,
/// udp.sends([...]): one hop and one driver turn however many there are.
class send_batch {
 public:
  void add(const term& bind, const term& peer, std::string_view bytes);
  bool empty() const noexcept { return items_.empty(); }
  std::size_t size() const noexcept { return items_.size(); }
  /// Sends what was added (nothing if nothing was) and starts afresh.
  void send(turn_base& t);

 private:
  std::vector<term> items_;
};

/// The figures of a udp_stats(R, ...) reply.
struct stats {
  std::int64_t sockets = 0;    // sockets bound now
  std::int64_t received = 0;   // datagrams delivered
  std::int64_t truncated = 0;  // of which cut to MAX
  std::int64_t sent = 0;       // datagrams handed to the kernel
  std::int64_t refused = 0;    // sends refused (not bound, too long, bad peer, queue full)
  std::int64_t errors = 0;     // socket errors on send or receive
  std::int64_t ignored = 0;    // malformed messages and flows
};
std::optional<stats> read_stats(const term& reply);

// ---- helpers --------------------------------------------------------------------

/// Subscribes, in the ground VM, to the datagrams of `bind` (which binds its
/// socket); f(t, const datagram&) runs for each. Returns the endpoint:
/// remove it (t.remove) to let go of the socket.
template <class S, class F>
endpoint_id on_datagram(turn<S>& t, term bind, F f) {
  static_assert(std::invocable<F&, turn<S>&, const datagram&>,
                "datagram handler must be callable as f(agora::turn<S>&, const agora::udp::datagram&)");
  return t.at_ground().subscribe(
      datagram_topic(std::move(bind)),
      {.on_message = [f = std::move(f)](turn<S>& t, const message& m) mutable {
        if (auto d = read_datagram(m.body())) f(t, *d);
      }});
}

/// Subscribes, in the ground VM, to the datagrams of `bind` in batches
/// (which binds its socket): f(t, std::span<const datagram>) runs once per
/// udp.datagrams message. Returns the endpoint: remove it to let go.
template <class S, class F>
endpoint_id on_datagrams(turn<S>& t, term bind, F f) {
  static_assert(std::invocable<F&, turn<S>&, std::span<const datagram>>,
                "batch handler must be callable as f(agora::turn<S>&, std::span<const agora::udp::datagram>)");
  return t.at_ground().subscribe(
      datagrams_topic(std::move(bind)),
      {.on_message = [f = std::move(f)](turn<S>& t, const message& m) mutable {
        std::vector<datagram> batch;
        if (read_datagrams(m.body(), batch)) f(t, std::span<const datagram>(batch));
      }});
}

/// Subscribes, in the ground VM, to the truncation notices of `bind`:
/// f(t, peer, n) with n the datagram's real size; the truncated datagram
/// itself follows. Does not keep the socket bound.
template <class S, class F>
endpoint_id on_truncated(turn<S>& t, term bind, F f) {
  static_assert(std::invocable<F&, turn<S>&, const term&, std::int64_t>,
                "handler must be callable as f(agora::turn<S>&, const agora::term& peer, std::int64_t n)");
  return t.at_ground().subscribe(
      truncated_topic(std::move(bind)),
      {.on_message = [f = std::move(f)](turn<S>& t, const message& m) mutable {
        const term& b = m.body();
        if (b.is_record("udp.truncated", 3) && b[2].is_int()) f(t, b[1], b[2].as_int());
      }});
}

/// Asks the driver for its figures; on_reply(t, stats) runs once when they
/// come back. `reply_id` must be unique among pending queries.
template <class S, class F>
endpoint_id query_stats(turn<S>& t, term reply_id, F on_reply) {
  static_assert(std::invocable<F&, turn<S>&, const stats&>,
                "on_reply must be callable as f(agora::turn<S>&, const agora::udp::stats&)");
  term reply_topic = rec("udp_stats", reply_id, _, _, _, _, _, _, _);
  return drivers_detail::query_stats(t, std::move(reply_topic),
                                     rec("get_udp_stats", std::move(reply_id)), read_stats,
                                     std::move(on_reply));
}

/// Sends `bytes` from the socket of `bind` to peer(host, port).
void send(turn_base& t, const term& bind, std::string_view host, std::uint16_t port,
          std::string_view bytes);
/// Sends `bytes` from the socket of `bind` to `peer` (a peer(HOST, PORT) term,
/// e.g. datagram::peer).
void send(turn_base& t, const term& bind, const term& peer, std::string_view bytes);

}  // namespace agora::udp
