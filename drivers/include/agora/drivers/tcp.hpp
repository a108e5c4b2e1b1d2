// agora::tcp — TCP as a driver in the ground VM. The protocol (topics,
// reasons, credit, closing) is in docs/TCP.md; this header has the driver,
// builders for its terms and helpers that make servers and clients short.
//
// An echo server:
//
//   auto echo = actor<>{{}, "echo"}.on_start([](turn<>& t) {
//     tcp::on_accept(t, tcp::listen_on("127.0.0.1", 5999, tcp::lines(4096)),
//                    [](turn<>& t, const term& conn, const term& /*peer*/) {
//                      tcp::on_data(t, conn, [](turn<>& t, const term& conn, std::string_view line) {
//                        tcp::write(t, conn, line);
//                      });
//                    });
//   });
//   agora::ground g;
//   g.spawn(tcp::driver(g));
//   return g.run(echo);
//
// Every helper acts at the ground (t.at_ground()), where the driver lives,
// so the same code works in an actor of a nested VM — for instance one
// nested VM per connection.
//
// Spawn one driver per ground, before the actors that use it. The port (its
// io_context) must outlive the driver actor. When the driver stops, its
// connections close gracefully in the background, each within
// drain_timeout; the ground runs its io_context until they are done.
#pragma once

#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::tcp {

struct driver_options {
  std::string name = "agora.tcp";
  /// A connection with no byte read or written for this long closes with
  /// reason `timeout`. Zero (the default): no idle timeout.
  std::chrono::milliseconds idle_timeout{0};
  /// Bytes queued for one connection (not yet taken by the kernel) beyond
  /// which it closes with `too_slow`. From half of it (counting what the
  /// application may still write for messages it has not handled), the
  /// connection is not read until its writes drain (see docs/TCP.md).
  std::size_t write_limit = std::size_t{1} << 20;
  /// How long a graceful close may take: writing what is queued, then
  /// waiting for the peer to close its side; also at the driver's stop.
  /// Keep it below the ground's shutdown_timeout, which bounds how long the
  /// ground waits for those closes.
  std::chrono::milliseconds drain_timeout{2000};
  /// An outgoing connection attempt that takes longer fails ("timed out").
  std::chrono::milliseconds connect_timeout{10000};
  /// Receives one line per refused connection, accept error, failed bind,
  /// malformed request, ...; empty: the port's sink (io_port::log(): the
  /// ground's, stderr unless configured).
  log_sink log{};
};

/// The driver actor: spawn it once in the ground VM (the VM `port` posts
/// into). Its I/O runs on the port's io_context (a strand per connection,
/// one for listeners and connectors); its turns only post to it.
actor_spec driver(io_port& port, driver_options options = {});

// ---- terms --------------------------------------------------------------------

/// Framings: chunks of at most `max` bytes, lines of at most `max` bytes,
/// frames of at most `max` bytes with a 4-byte length prefix.
inline term raw(std::size_t max) { return rec("raw", static_cast<std::int64_t>(max)); }
inline term lines(std::size_t max) { return rec("lines", static_cast<std::int64_t>(max)); }
inline term frames(std::size_t max) { return rec("frames", static_cast<std::int64_t>(max)); }
/// Frames with a 2-byte length (DNS over TCP), max ≤ 65535.
inline term frames16(std::size_t max) { return rec("frames16", static_cast<std::int64_t>(max)); }

/// tcp.listen(HOST, PORT, FRAMING): a local address to listen on (PORT 0:
/// the kernel picks one; see listener()).
term listen_on(std::string_view host, std::uint16_t port, term framing);
/// The same with an allow list: connections from other remote hosts are
/// refused and logged. tcp.listen(HOST, PORT, FRAMING, ["127.0.0.1", ...])
term listen_on(std::string_view host, std::uint16_t port, term framing,
               std::initializer_list<std::string_view> allow);
term listen_on(std::string_view host, std::uint16_t port, term framing,
               std::span<const std::string> allow);

/// reconnect(INTERVAL_MS, MAX_MS): retry after `interval`, doubling up to `max`.
term reconnect(std::chrono::milliseconds interval, std::chrono::milliseconds max);
/// tcp.connect(HOST, PORT, FRAMING[, reconnect(...)]): an outgoing connection.
term connect_to(std::string_view host, std::uint16_t port, term framing);
term connect_to(std::string_view host, std::uint16_t port, term framing, term reconnect_policy);

/// tcp.conn(N).
inline term conn(std::int64_t n) { return rec("tcp.conn", n); }

// Topics (with captures where an application wants them):
/// tcp.accepted(LISTEN, $conn, $peer): subscribe to listen, see connections.
inline term accepted(const term& listen) { return rec("tcp.accepted", listen, cap("conn"), cap("peer")); }
/// tcp.connected(CONNECT, $conn): subscribe to connect, see the connection.
inline term connected(const term& connect) { return rec("tcp.connected", connect, cap("conn")); }
/// tcp.listener(LISTEN, $state): listening(PORT) or failed("what").
inline term listener(const term& listen) { return rec("tcp.listener", listen, cap("state")); }
/// tcp.connecting(CONNECT, $state): trying or failed("what").
inline term connecting(const term& connect) { return rec("tcp.connecting", connect, cap("state")); }
/// tcp.data(CONN, _): the connection's data (messages) and credit (feedback).
inline term data(const term& conn) { return rec("tcp.data", conn, _); }

/// PORT of a listening(PORT) state, else nullopt.
std::optional<std::uint16_t> listening_port(const term& state);
/// peer(HOST, PORT) as its parts, else nullopt.
struct peer_address {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<peer_address> read_peer(const term& peer);

// ---- actions (any turn, any depth) ----------------------------------------------

/// Queues `bytes` for the connection (lines: a "\n" is added; frames: the
/// length is put in front).
void write(turn_base& t, const term& conn, std::string_view bytes);
/// The same with a string or bytes term (no copy of its contents). Only
/// for terms: text of any other type goes to the overload above.
void write_term(turn_base& t, const term& conn, term bytes);
template <std::same_as<term> T>
void write(turn_base& t, const term& conn, T bytes) {
  write_term(t, conn, std::move(bytes));
}
/// The same bytes to each of `conns`.
void write_many(turn_base& t, std::span<const term> conns, std::string_view bytes);
void write_many(turn_base& t, std::initializer_list<term> conns, std::string_view bytes);
/// The same bytes to every connection accepted on `listen` (still open).
void write_all(turn_base& t, const term& listen, std::string_view bytes);
/// Graceful close: what is queued is written, then the socket shuts down.
void close(turn_base& t, const term& conn);
/// Lets the driver deliver `n` more messages of the connection (on_data
/// does this for you).
void grant(turn_base& t, const term& conn, std::int64_t n);

// ---- helpers with handlers ----------------------------------------------------------

/// Default credit window of on_data.
inline constexpr std::size_t default_window = 16;

namespace detail {

template <class F, class S>
concept accept_handler = std::invocable<F&, turn<S>&, const term&, const term&>;
template <class F, class S>
concept connect_handler = std::invocable<F&, turn<S>&, const term&>;
template <class F, class S>
concept gone_handler = std::invocable<F&, turn<S>&, const term&, const reason&>;
/// f(t, bytes) or f(t, conn, bytes) with a string_view, or f(t, conn, chunk)
/// with the bytes term itself
template <class F, class S>
concept data_handler = std::invocable<F&, turn<S>&, std::string_view> ||
                       std::invocable<F&, turn<S>&, const term&, std::string_view> ||
                       std::invocable<F&, turn<S>&, const term&, const term&>;
/// g(t, reason) or g(t, conn, reason)
template <class F, class S>
concept end_handler = std::invocable<F&, turn<S>&, const reason&> ||
                      std::invocable<F&, turn<S>&, const term&, const reason&>;

struct no_end {
  template <class S>
  void operator()(turn<S>&, const reason&) const {}
};

// A term parameter takes the delivered term itself (a string_view one is
// not callable with a term: no conversion exists that way).
template <class S, class F>
void call_data(F& f, turn<S>& t, const term& conn, const term& chunk) {
  if constexpr (std::invocable<F&, turn<S>&, const term&, const term&>)
    f(t, conn, chunk);
  else {
    const std::string_view bytes = chunk.is_bytes() ? chunk.as_bytes() : chunk.as_string();
    if constexpr (std::invocable<F&, turn<S>&, const term&, std::string_view>)
      f(t, conn, bytes);
    else
      f(t, bytes);
  }
}

template <class S, class G>
void call_end(G& g, turn<S>& t, const term& conn, const reason& why) {
  if constexpr (std::invocable<G&, turn<S>&, const term&, const reason&>)
    g(t, conn, why);
  else
    g(t, why);
}

void feedback_credit(turn_base& t, const term& conn, std::int64_t n);

template <class S, class F, class G>
handlers<S> data_handlers(F f, G g, std::size_t window) {
  // One copy of f and g, shared by the three handlers of the endpoint, and
  // the messages handled since credit was last given back.
  struct both {
    F f;
    G g;
    std::int64_t handled = 0;
  };
  auto fg = std::make_shared<both>(both{std::move(f), std::move(g)});
  const auto w = static_cast<std::int64_t>(window);
  const std::int64_t batch = (w + 1) / 2;
  return {
      // The driver's publisher is there: grant the first window.
      .on_presence = [w](turn<S>& t, const presence& p) { feedback_credit(t, p.flow()[0], w); },
      // The connection is gone (reset, error, too_long, closed, ...), or
      // the driver stopped: let go, once.
      .on_absence = [fg](turn<S>& t, const absence& a) {
        t.remove(a.endpoint);
        call_end<S>(fg->g, t, a.flow()[0], a.why);
      },
      .on_message = [fg, batch](turn<S>& t, const message& m) {
        const term& body = m.body();
        if (!body.is_record("tcp.data", 2)) return;
        const term& bytes = body[1];
        if (bytes.is_bytes() || bytes.is_string()) {
          call_data<S>(fg->f, t, body[0], bytes);
          // Credit back in this turn, in batches of half the window: the
          // driver never runs dry while the handler keeps up, and at most
          // `window` messages wait for it.
          if (++fg->handled >= batch) {
            feedback_credit(t, body[0], fg->handled);
            fg->handled = 0;
          }
        } else if (!bytes.is_record("credit")) {
          // The end of the peer's stream: eof or too_long("..."). g's
          // writes are applied before the endpoint goes, so they still go
          // out: letting go of tcp.data closes the connection gracefully
          // after them.
          call_end<S>(fg->g, t, body[0], reason(bytes));
          t.remove(m.endpoint);
        }
      },
  };
}

/// on_accept / on_connect: gone(t, conn, reason) runs when a connection
/// goes (unless G is no_end, the default).
template <class S, class G>
void set_gone(handlers<S>& h, G gone) {
  if constexpr (!std::is_same_v<G, no_end>) {
    static_assert(gone_handler<G, S>,
                  "gone handler must be callable as g(agora::turn<S>&, const term& conn, "
                  "const agora::reason&)");
    h.on_absence = [g = std::move(gone)](turn<S>& t, const absence& a) mutable {
      g(t, a["conn"], a.why);
    };
  }
}

}  // namespace detail

/// Listens on `listen` (a tcp.listen(...) term) as long as the returned
/// endpoint exists: f(t, conn, peer) runs for every accepted connection,
/// gone(t, conn, reason) — if given — when one goes away (eof, reset,
/// closed, ...). Remove the endpoint to stop listening.
template <class S, class F, class G = detail::no_end>
  requires detail::accept_handler<F, S>
endpoint_id on_accept(turn<S>& t, const term& listen, F f, G gone = {}) {
  handlers<S> h{.on_presence = [f = std::move(f)](turn<S>& t, const presence& p) mutable {
    f(t, p["conn"], p["peer"]);
  }};
  detail::set_gone<S>(h, std::move(gone));
  return t.at_ground().subscribe(accepted(listen), std::move(h));
}

/// Connects to `connect` (a tcp.connect(...) term) as long as the returned
/// endpoint exists: f(t, conn) runs when the connection is up (again, with
/// reconnect), gone(t, conn, reason) when it goes.
template <class S, class F, class G = detail::no_end>
  requires detail::connect_handler<F, S>
endpoint_id on_connect(turn<S>& t, const term& connect, F f, G gone = {}) {
  handlers<S> h{.on_presence = [f = std::move(f)](turn<S>& t, const presence& p) mutable {
    f(t, p["conn"]);
  }};
  detail::set_gone<S>(h, std::move(gone));
  return t.at_ground().subscribe(connected(connect), std::move(h));
}

/// Reads the connection: f(t, bytes) or f(t, conn, bytes) runs for every
/// line / frame / chunk (bytes, a std::string_view, is valid during the
/// call); with f(t, conn, const term& chunk), f gets the bytes term itself,
/// which it may keep or write back (tcp::write(t, conn, chunk)) without a
/// copy. The helper grants
/// `window` messages of credit when the connection's data publisher is
/// there, and gives credit back for handled messages in the handler's own
/// turn, once half a window of them has been handled — so at most `window`
/// messages are ever waiting for this actor, and the driver does not run
/// dry while it keeps up.
///
/// The end: on_end(t, why) or on_end(t, conn, why), if given, runs once —
/// when the peer's stream ended, after its last message (`eof`, or
/// too_long("...") for a line or frame over MAX), or when the connection
/// went (reset, timeout, too_slow("..."), closed, ...; or the driver's stop
/// reason). Either way the helper then lets go of the connection's data,
/// which closes it gracefully: writes made until then (also in on_end)
/// still go out. To keep writing after the peer's eof, subscribe to
/// data(conn) yourself as well, and remove that endpoint (or tcp::close)
/// when done.
///
/// Returns the subscription; removing it also lets go of the connection.
template <class S, class F, class G>
  requires detail::data_handler<F, S> && detail::end_handler<G, S>
endpoint_id on_data(turn<S>& t, const term& conn, F f, G on_end,
                    std::size_t window = default_window) {
  if (window == 0) window = 1;
  return t.at_ground().subscribe(data(conn), detail::data_handlers<S>(std::move(f), std::move(on_end), window));
}

template <class S, class F>
  requires detail::data_handler<F, S>
endpoint_id on_data(turn<S>& t, const term& conn, F f, std::size_t window = default_window) {
  return on_data(t, conn, std::move(f), detail::no_end{}, window);
}

}  // namespace agora::tcp
