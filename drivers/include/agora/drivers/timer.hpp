// agora::timer — one-shot and periodic timers as a driver in the ground VM.
//
// The driver is an actor that owns one Boost.Asio steady_timer and speaks
// these topics (IDs are any concrete terms the requester picks; microseconds
// are integers on the monotonic clock, std::chrono::steady_clock — or on the
// port's own clock when it has one, io_port::own_clock(): a simulated
// node's virtual time, agora/sim):
//
//   set_timer(ID, after_us, period_us)   requester → driver (send)
//       Arms timer ID to fire after_us from when the driver reads it, then,
//       if period_us > 0, every period_us on the fixed grid
//       deadline_k = set_time + after_us + (k-1)·period_us (never re-based on
//       "now", so it does not drift). period_us = 0: one-shot. Setting an ID
//       again, armed or not, replaces its schedule (N restarts at 1).
//       Both values must be integers in [0, max_duration_us]; anything else
//       (other kinds, negative, wrong arity) is ignored with one line on the
//       driver's log (by default the ground's log sink).
//   cancel_timer(ID)                     requester → driver (send)
//       Disarms ID. Unknown or already fired IDs: nothing happens.
//   timer_expired(ID, N)                 driver → requester (send)
//       Timer ID's N-th period elapsed (N = 1, 2, ...; always 1 for a
//       one-shot). A periodic timer fires once per driver tick: if a tick
//       comes more than a period late, the missed periods are coalesced into
//       one message and N jumps accordingly (like timerfd's overrun count),
//       so N always tells how many periods have elapsed.
//   get_timer_stats(R)                   anyone → driver (send)
//   timer_stats(R, active, subscribed, fired, missed, ignored)  driver → R
//       active: armed timers; subscribed: IDs with a live subscriber;
//       fired: timer_expired messages sent; missed: periods coalesced away;
//       ignored: malformed or subscriber-less requests.
//
// When the asio timer expires, its completion runs a turn of the driver, a
// tick (io_port::post, not a message: nobody else can fake it), that fires
// every timer due by then, in deadline order (ties: in the order set).
//
// Presence drives the lifetime. The requester subscribes to
// `timer_expired(ID, _)` *before* (or in the same turn as) it sends
// set_timer. The driver publishes `timer_expired(_, _)` with interest
// `everything`, so it sees every subscriber flow timer_expired(ID, ...) with a
// concrete ID: a set_timer for an ID nobody subscribes to is ignored (a
// periodic timer nobody hears would leak), and when the last subscriber of
// an ID goes away — the owner removed its endpoint, quit or crashed — the
// timer is cancelled. An actor's add-endpoint and send of one turn are
// applied in order, so the driver sees the subscription before the request.
// Subscribers to `timer_expired(_, _)` (monitors) hear every firing but keep
// no timer alive. The driver also publishes `timer_expired(_, _)` as a
// participant, so a subscription with presence/absence handlers learns that
// a driver is there, and when it goes (its timers go with it).
//
// "A cancelled timer never fires": the helpers below cancel by removing the
// subscription endpoint (the VM drops events queued for an endpoint that is
// gone, even a timer_expired already in its queue) and by sending
// cancel_timer; a restarted timer uses a new endpoint. Code speaking the
// raw protocol gets the same guarantee only by doing the same.
//
// The helpers work at any depth: they declare the subscription and send the
// request with t.at_ground(), the VM the driver lives in.
//
//   struct game { int ticks = 0; endpoint_id frame; };
//   ... in a turn<game>:
//   t.state.frame = agora::timer::every(t, rec("frame", 1), 16'667us,
//       [](turn<game>& t, std::int64_t n) { t.state.ticks = static_cast<int>(n); });
//   agora::timer::once(t, sym("give_up"), 5s, [](turn<game>& t, std::int64_t) { t.quit(); });
//   agora::timer::cancel(t, t.state.frame, rec("frame", 1));
//
// Spawn one driver per ground, before the actors that use it:
//   agora::ground g;  g.spawn(agora::timer::driver(g));
// The port (its io_context) must outlive the driver actor; the driver's
// I/O work runs on a strand, so the port may run its io_context on several
// threads.
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "agora/actor.hpp"
#include "agora/drivers/detail/stats_query.hpp"
#include "agora/event.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::timer {

using clock = std::chrono::steady_clock;

/// Longest accepted after_us / period_us: 100 years.
inline constexpr std::int64_t max_duration_us = 3'155'760'000'000'000;

struct driver_options {
  std::string name = "agora.timer";
  /// Receives one line per ignored request; empty: the port's sink
  /// (io_port::log(): the ground's, stderr unless configured).
  log_sink log{};
};

/// The driver actor: spawn it once in the ground VM (the VM `port` posts
/// into). All Asio work happens on the port's io_context; its turns only
/// post to it.
actor_spec driver(io_port& port, driver_options options = {});

// ---- the protocol's terms ---------------------------------------------------

inline term set_timer_message(term id, std::chrono::microseconds after,
                              std::chrono::microseconds period) {
  return rec("set_timer", std::move(id), static_cast<std::int64_t>(after.count()),
             static_cast<std::int64_t>(period.count()));
}
inline term cancel_timer_message(term id) { return rec("cancel_timer", std::move(id)); }
/// What a requester subscribes to: timer_expired(ID, _).
inline term expired_topic(term id) { return rec("timer_expired", std::move(id), _); }

/// The figures of a timer_stats(R, ...) reply.
struct stats {
  std::int64_t active = 0, subscribed = 0, fired = 0, missed = 0, ignored = 0;
};
/// Reads a timer_stats(R, active, subscribed, fired, missed, ignored) term.
std::optional<stats> read_stats(const term& reply);

// ---- helpers for requesters ---------------------------------------------------

namespace detail {

/// void(turn<S>&, std::int64_t n) or void(turn<S>&, const term& id, std::int64_t n)
template <class F, class S>
concept fire_handler = std::invocable<F&, turn<S>&, std::int64_t> ||
                       std::invocable<F&, turn<S>&, const term&, std::int64_t>;

template <class S, class F>
void fire(F& f, turn<S>& t, const message& m, bool one_shot) {
  const term& body = m.body();
  if (!body.is_record("timer_expired", 2) || !body[1].is_int()) return;
  // A one-shot timer is done: its subscription goes, so nothing leaks and the
  // driver forgets the ID.
  if (one_shot) t.remove(m.endpoint);
  if constexpr (std::invocable<F&, turn<S>&, const term&, std::int64_t>)
    f(t, body[0], body[1].as_int());
  else
    f(t, body[1].as_int());
}

template <class S, class F>
handlers<S> fire_handlers(F f, bool one_shot) {
  return {.on_message = [f = std::move(f), one_shot](turn<S>& t, const message& m) mutable {
    fire<S>(f, t, m, one_shot);
  }};
}

void check_durations(std::chrono::microseconds after, std::chrono::microseconds period);

}  // namespace detail

/// Arms timer `id` (any concrete term, unique by the caller's choice): fires
/// after `after`, then every `period` (0: once). on_fire is called as
/// on_fire(t, n) or on_fire(t, id, n) with n = 1, 2, ... (see the header
/// comment on coalescing). Returns the subscription endpoint, to pass to
/// cancel(). A one-shot timer removes its endpoint when it fires.
/// Throws std::invalid_argument (in the turn) for negative or too long
/// durations.
template <class S, class F>
endpoint_id start(turn<S>& t, term id, std::chrono::microseconds after,
                  std::chrono::microseconds period, F on_fire) {
  static_assert(detail::fire_handler<F, S>,
                "timer handler must be callable as f(agora::turn<S>&, std::int64_t n) or "
                "f(agora::turn<S>&, const agora::term& id, std::int64_t n)");
  detail::check_durations(after, period);
  const bool one_shot = period.count() == 0;
  auto ground = t.at_ground();
  endpoint_id sub;
  if constexpr (std::is_empty_v<F> && std::is_default_constructible_v<F>) {
    // Captureless: every timer started with it shares one handler set.
    static const shared_handlers<S> once_h{detail::fire_handlers<S>(F{}, true)};
    static const shared_handlers<S> every_h{detail::fire_handlers<S>(F{}, false)};
    sub = ground.subscribe(expired_topic(id), one_shot ? once_h : every_h);
  } else {
    sub = ground.subscribe(expired_topic(id), detail::fire_handlers<S>(std::move(on_fire), one_shot));
  }
  ground.send(set_timer_message(std::move(id), after, period));
  return sub;
}

/// A one-shot timer: start(t, id, after, 0, on_fire).
template <class S, class F>
endpoint_id once(turn<S>& t, term id, std::chrono::microseconds after, F on_fire) {
  return start(t, std::move(id), after, std::chrono::microseconds{0}, std::move(on_fire));
}

/// A periodic timer whose first firing is one period from now.
template <class S, class F>
endpoint_id every(turn<S>& t, term id, std::chrono::microseconds period, F on_fire) {
  if (period.count() <= 0) throw std::invalid_argument("agora::timer::every: period must be > 0");
  return start(t, std::move(id), period, period, std::move(on_fire));
}

/// Cancels a timer started with start(): removes its subscription `sub` (so
/// an expiry already queued is dropped and never handled) and tells the
/// driver to disarm `id`. Harmless if it already fired or was cancelled.
void cancel(turn_base& t, endpoint_id sub, const term& id);

/// Asks the driver for its figures; on_reply(t, stats) runs once when they
/// come back. `reply_id` must be unique among pending queries.
template <class S, class F>
endpoint_id query_stats(turn<S>& t, term reply_id, F on_reply) {
  static_assert(std::invocable<F&, turn<S>&, const stats&>,
                "on_reply must be callable as f(agora::turn<S>&, const agora::timer::stats&)");
  term reply_topic = rec("timer_stats", reply_id, _, _, _, _, _);
  return drivers_detail::query_stats(t, std::move(reply_topic),
                                     rec("get_timer_stats", std::move(reply_id)), read_stats,
                                     std::move(on_reply));
}

}  // namespace agora::timer
