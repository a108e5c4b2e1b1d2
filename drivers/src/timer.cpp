// The timer driver. Two halves that share nothing mutable:
//  - the VM side (driver_core, in the actor's state, touched only in its
//    turns): which IDs have subscribers, the armed timers in a min-heap
//    ordered by (deadline, arming order) with lazy deletion (bounded by
//    compaction), the batch firing;
//  - the I/O side (io_core, touched only on its strand of the port's
//    io_context): one steady_timer armed at the earliest deadline, whose
//    completion does nothing but post a tick: a turn of the driver actor
//    (io_port::post) that fires what is due.
// Turns talk to the I/O side only by posting to the strand; the posted
// handlers and the pending wait hold the io_core by shared_ptr, so it lives
// until the last of them has run, whatever the order of destruction.
#include "agora/drivers/timer.hpp"

#include <fmt/format.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "driver_support.hpp"

namespace agora::timer {

namespace {

using namespace drivers_detail;

// ---- the I/O side -------------------------------------------------------------

/// The turn of the driver that an expiry of arming `gen` runs (below).
void on_tick(turn_base& t, std::int64_t gen);

struct asio_side {
  explicit asio_side(boost::asio::io_context& io) : strand(boost::asio::make_strand(io)), timer(strand) {}
  boost::asio::strand<boost::asio::io_context::executor_type> strand;
  boost::asio::steady_timer timer;  // only ever touched on `strand`
};

struct io_core {
  io_core(io_port& p, actor_id d) : port(p), driver(d), own_clock(p.own_clock()) {
    // A port with its own clock may go (a crashed simulated node) while a
    // wake-up still holds this core: nothing here may refer to its io().
    if (!own_clock) asio.emplace(p.io());
  }
  io_port& port;
  actor_id driver;
  port_clock* own_clock;  // set: the port keeps time (a simulation), not asio
  std::optional<asio_side> asio;

  clock::time_point now() const { return own_clock ? own_clock->now() : clock::now(); }
};

/// (Re)arms the asio timer at `deadline`; a pending wait is cancelled by the
/// re-arm and its handler sees operation_aborted. On a port with its own
/// clock, asks it for a wake-up instead; one that comes after a re-arm is
/// an empty tick (on_tick takes it as of an older generation).
void post_arm(const std::shared_ptr<io_core>& core, clock::time_point deadline, std::int64_t gen) {
  if (core->own_clock) {
    core->own_clock->call_at(deadline, [core, gen] {
      core->port.post(core->driver, [gen](turn_base& t) { on_tick(t, gen); });
    });
    return;
  }
  boost::asio::post(core->asio->strand, [core, deadline, gen] {
    core->asio->timer.expires_at(deadline);
    core->asio->timer.async_wait([core, gen](const boost::system::error_code& ec) {
      if (!ec) core->port.post(core->driver, [gen](turn_base& t) { on_tick(t, gen); });
    });
  });
}

void post_disarm(const std::shared_ptr<io_core>& core) {
  if (core->own_clock) return;  // its wake-up, if any, will be an empty tick
  boost::asio::post(core->asio->strand, [core] { core->asio->timer.cancel(); });
}

/// When the actor stops, the asio timer is cancelled, so its pending wait
/// completes and lets go of the io_core.
using io_owner = drivers_detail::io_owner<io_core, post_disarm>;

// ---- the VM side --------------------------------------------------------------

struct entry {
  term id;
  std::uint32_t flows = 0;     // live subscriber flows timer_expired(ID, ...)
  std::uint64_t armed = 0;     // the arming's sequence number; 0: not armed
  clock::duration period{0};   // 0: one-shot
  std::int64_t n = 0;          // periods elapsed so far (the last N sent)
};

/// A heap slot: the deadline inline (sifting never leaves the array), the
/// arming it belongs to and the entry. A slot whose arming is not its
/// entry's current one is stale (cancelled or re-armed) and skipped.
struct slot {
  clock::time_point deadline;
  std::uint64_t seq;  // also breaks ties: timers set first fire first
  std::uint32_t index;
};

struct driver_core {
  driver_core(io_port& port, actor_id driver, std::shared_ptr<const driver_options> opts)
      : io(std::make_shared<io_core>(port, driver)),
        options(std::move(opts)),
        log(options->name, options->log, port) {}

  std::unordered_map<term, std::uint32_t> ids;  // ID → entries index
  std::vector<entry> entries;
  std::vector<std::uint32_t> free_entries;
  std::vector<slot> heap;  // min-heap on (deadline, seq), with stale slots
  std::size_t active = 0;  // armed entries (live slots)
  io_owner io;
  std::shared_ptr<const driver_options> options;
  driver_log log;
  const term expired_label = sym("timer_expired");

  // What the asio timer is armed for, as far as this side knows (max: idle),
  // and the generation of that arming (a tick of an older one only fires
  // what is due, and leaves armed_at alone).
  clock::time_point armed_at = clock::time_point::max();
  std::int64_t arm_gen = 0;
  std::uint64_t next_seq = 1;
  std::int64_t fired = 0, missed = 0;

  // -- entries --
  std::uint32_t add_entry(const term& id) {
    std::uint32_t i;
    if (!free_entries.empty()) {
      i = free_entries.back();
      free_entries.pop_back();
    } else {
      i = static_cast<std::uint32_t>(entries.size());
      entries.emplace_back();
    }
    entries[i].id = id;
    return i;
  }
  void drop_entry(std::uint32_t i) {
    disarm(entries[i]);
    entries[i] = entry{};
    free_entries.push_back(i);
  }

  // -- the heap --
  static bool before(const slot& a, const slot& b) noexcept {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  }
  bool live(const slot& s) const noexcept { return entries[s.index].armed == s.seq; }
  void sift_up(std::size_t i) noexcept {
    slot s = heap[i];
    while (i > 0) {
      std::size_t parent = (i - 1) / 2;
      if (!before(s, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = s;
  }
  void sift_down(std::size_t i) noexcept {
    slot s = heap[i];
    const std::size_t n = heap.size();
    for (;;) {
      std::size_t child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && before(heap[child + 1], heap[child])) ++child;
      if (!before(heap[child], s)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = s;
  }
  void pop_top() noexcept {
    heap.front() = heap.back();
    heap.pop_back();
    if (!heap.empty()) sift_down(0);
  }
  /// Drops stale slots from the top, so that heap.front() is live.
  void clean_top() noexcept {
    while (!heap.empty() && !live(heap.front())) pop_top();
  }
  void arm(std::uint32_t i, clock::time_point deadline) {
    entry& e = entries[i];
    if (e.armed == 0) ++active;
    e.armed = next_seq++;  // any older slot of e is stale from now on
    heap.push_back({deadline, e.armed, i});
    sift_up(heap.size() - 1);
    compact();
  }
  void disarm(entry& e) noexcept {
    if (e.armed == 0) return;
    e.armed = 0;
    --active;
    compact();
  }
  /// Keeps stale slots fewer than live ones (and the heap bounded by the
  /// armed timers, whatever the pattern of cancels and re-arms).
  void compact() {
    const std::size_t stale = heap.size() - active;
    if (stale <= 1024 || stale <= active) return;
    std::erase_if(heap, [this](const slot& s) { return !live(s); });
    std::make_heap(heap.begin(), heap.end(), [](const slot& a, const slot& b) { return before(b, a); });
  }

  /// Makes the asio timer wake us no later than the earliest deadline. An
  /// arming that is too early (its timer was cancelled) is left alone: it
  /// costs one empty tick, which re-arms.
  void reschedule() {
    clean_top();
    if (heap.empty()) {
      if (armed_at != clock::time_point::max()) {
        armed_at = clock::time_point::max();
        ++arm_gen;
        post_disarm(io.core);
      }
      return;
    }
    const auto earliest = heap.front().deadline;
    if (earliest < armed_at) {
      armed_at = earliest;
      post_arm(io.core, earliest, ++arm_gen);
    }
  }

  /// Fires every timer due by now, in deadline order; periodic ones move on
  /// along their fixed grid (coalescing the periods that were missed).
  void fire_due(turn_base& t) {
    const auto now = io.core->now();
    for (;;) {
      clean_top();
      if (heap.empty() || heap.front().deadline > now) break;
      slot& top = heap.front();
      entry& e = entries[top.index];
      if (e.period == clock::duration::zero()) {
        e.n = 1;
        e.armed = 0;
        --active;
        pop_top();
      } else {
        const std::int64_t extra = (now - top.deadline) / e.period;  // missed periods
        e.n += 1 + extra;
        missed += extra;
        top.deadline += e.period * (extra + 1);
        sift_down(0);
      }
      ++fired;
      const term fields[2] = {e.id, term(e.n)};
      t.send(term::record(expired_label, fields));
    }
  }
};

using dturn = turn<driver_state<driver_core, driver_options>>;

/// The ID of a subscriber flow timer_expired(ID, ...), if concrete.
const term* flow_id(const term& flow) noexcept {
  if (!flow.is_record("timer_expired", 2) || !flow[0].is_concrete()) return nullptr;
  return &flow[0];
}

/// A valid duration field, in microseconds, or nullopt.
std::optional<std::int64_t> duration_us(const term& t) {
  if (!t.is_int() || t.as_int() < 0 || t.as_int() > max_duration_us) return std::nullopt;
  return t.as_int();
}

void on_set(dturn& t, const message& m) {
  auto& c = *t.state.core;
  const term& b = m.body();
  auto after = duration_us(b[1]);
  auto period = duration_us(b[2]);
  if (!after || !period) {
    c.log.ignore(b, fmt::format("after_us and period_us must be integers in [0, {}]",
                                max_duration_us));
    return;
  }
  auto it = c.ids.find(b[0]);
  if (it == c.ids.end()) {
    c.log.ignore(b, fmt::format("nobody subscribes to timer_expired({}, _)", b[0].to_string()));
    return;
  }
  entry& e = c.entries[it->second];
  e.period = std::chrono::microseconds(*period);
  e.n = 0;
  c.arm(it->second, c.io.core->now() + std::chrono::microseconds(*after));
  c.reschedule();
}

void on_cancel(dturn& t, const message& m) {
  auto& c = *t.state.core;
  auto it = c.ids.find(m.body()[0]);
  if (it == c.ids.end() || c.entries[it->second].armed == 0) return;
  c.disarm(c.entries[it->second]);
  c.reschedule();
}

void on_tick(turn_base& base, std::int64_t gen) {
  dturn t(base);
  auto& c = *t.state.core;
  if (gen == c.arm_gen) c.armed_at = clock::time_point::max();
  c.fire_due(t);
  c.reschedule();
}

std::vector<std::int64_t> stats_figures(dturn& t) {
  auto& c = *t.state.core;
  return {static_cast<std::int64_t>(c.active), static_cast<std::int64_t>(c.ids.size()), c.fired,
          c.missed, c.log.ignored()};
}

void on_subscriber(dturn& t, const presence& p) {
  auto& c = *t.state.core;
  const term* id = flow_id(p.flow());
  if (!id) return;
  auto [it, fresh] = c.ids.try_emplace(*id, 0);
  if (fresh) it->second = c.add_entry(*id);
  ++c.entries[it->second].flows;
}

void on_subscriber_gone(dturn& t, const absence& a) {
  auto& c = *t.state.core;
  const term* id = flow_id(a.flow());
  if (!id) return;
  auto it = c.ids.find(*id);
  if (it == c.ids.end() || --c.entries[it->second].flows > 0) return;
  const bool was_armed = c.entries[it->second].armed != 0;
  c.drop_entry(it->second);
  c.ids.erase(it);
  if (was_armed) c.reschedule();
}

}  // namespace

actor_spec driver(io_port& port, driver_options options) {
  auto a = driver_actor<driver_core>(port, std::move(options));
  a.publish(rec("timer_expired", _, _),
            {.on_presence = on_subscriber, .on_absence = on_subscriber_gone},
            interest::everything);
  // The endpoint above is invisible to participants; this one lets a
  // requester's subscription see that a driver is there, and when it goes.
  a.publish(rec("timer_expired", _, _));
  serve_request(a, {"set_timer", 3, "set_timer(ID, after_us, period_us)"}, on_set);
  serve_request(a, {"cancel_timer", 1, "cancel_timer(ID)"}, on_cancel);
  serve_stats(a, "timer", stats_figures);
  return a;
}

std::optional<stats> read_stats(const term& reply) {
  if (!reply.is_record("timer_stats", 6)) return std::nullopt;
  for (std::size_t i = 1; i < 6; ++i)
    if (!reply[i].is_int()) return std::nullopt;
  return stats{reply[1].as_int(), reply[2].as_int(), reply[3].as_int(), reply[4].as_int(),
               reply[5].as_int()};
}

namespace detail {
void check_durations(std::chrono::microseconds after, std::chrono::microseconds period) {
  auto ok = [](std::chrono::microseconds d) {
    return d.count() >= 0 && d.count() <= max_duration_us;
  };
  if (!ok(after) || !ok(period))
    throw std::invalid_argument(fmt::format(
        "agora::timer::start: after ({} us) and period ({} us) must be in [0, {}] us",
        after.count(), period.count(), max_duration_us));
}
}  // namespace detail

void cancel(turn_base& t, endpoint_id sub, const term& id) {
  t.remove(sub);
  t.at_ground().send(cancel_timer_message(id));
}

}  // namespace agora::timer
