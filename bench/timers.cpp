// timers: 100,000 concurrent one-shot timers set and fired (targets:
// fired_per_s ≥ 500,000 and lateness_p99_ms ≤ 2). Three runs per side:
//   steady:  deadlines uniformly random over [100 ms, 1 s) after they are
//            set (~110,000 firings/s): lateness_p50/p99/max_ms;
//   dense:   deadlines over [100 ms, 200 ms) (~1,000,000 firings/s, more
//            than one VM thread delivers): dense_fired_per_s and
//            dense_lateness_*_ms show how an overloaded VM falls behind;
//   burst:   all due at one instant: fired_per_s, the capacity of the
//            firing path when the clock is not the limit.
//
// agora: a deterministic vm with the timer driver, run by a pump_port (an
// io_context on its own thread; the bench thread moves the posted ticks into
// the VM and runs it). One sink actor holds the 100,000 subscriptions
// timer_expired(i, _) (set up untimed, reused by every repetition); the
// bench sends set_timer(i, after_i, 0) from outside the VM one at a time,
// running the VM after each, and takes deadline_i = (clock before the send)
// + after_i — never later than the deadline the driver computes, so
// lateness is never under-stated.
// Baseline: plain Boost.Asio, 100,000 steady_timers on one io_context run
// by one thread, same deadlines, lateness taken in the completion handler.
//
//   lateness      = clock in the handler − deadline
//   fired_per_s   = timers / (last delivery − earliest deadline): the rate
//                   at which the deadline window was served (≈ 1,000,000/s
//                   when every timer is on time)
//   set_per_s     = timers / time to set them all
// A second run per side, "burst", sets the same number of timers all due at
// one instant (400 ms after the first set, once all are set) and reports
//   burst_fired_per_s = timers / (last delivery − that instant)
// the capacity of the firing path when the clock is not the limit.
// Each figure is the best over the repetitions.
#include <agora/drivers/pump_port.hpp>
#include <agora/drivers/timer.hpp>
#include <agora/vm.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <vector>

#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

using tclock = timer::clock;

struct run_figures {
  double fired_per_s = 0, set_per_s = 0, p50_ms = 0, p99_ms = 0, max_ms = 0;
};

/// The deadlines of one repetition, and what the handlers measured.
struct run_record {
  std::vector<tclock::time_point> deadline;
  std::vector<double> lateness_ms;
  std::size_t fired = 0;
  tclock::time_point last{};

  explicit run_record(std::size_t n) : deadline(n), lateness_ms(n, -1) {}
  void hit(std::size_t i) {
    last = tclock::now();
    lateness_ms[i] = std::chrono::duration<double, std::milli>(last - deadline[i]).count();
    ++fired;
  }
  run_figures figures(double set_secs) {
    if (fired != deadline.size())
      throw std::runtime_error(fmt::format("timers: {} of {} fired", fired, deadline.size()));
    const auto first = *std::min_element(deadline.begin(), deadline.end());
    std::sort(lateness_ms.begin(), lateness_ms.end());
    auto pct = [&](double p) {
      return lateness_ms[std::min(lateness_ms.size() - 1,
                                  static_cast<std::size_t>(p * static_cast<double>(lateness_ms.size())))];
    };
    const double n = static_cast<double>(fired);
    return {n / std::chrono::duration<double>(last - first).count(), n / set_secs, pct(0.50),
            pct(0.99), lateness_ms.back()};
  }
};

void keep_best(run_figures& best, const run_figures& r, bool first) {
  if (first) {
    best = r;
    return;
  }
  best.fired_per_s = std::max(best.fired_per_s, r.fired_per_s);
  best.set_per_s = std::max(best.set_per_s, r.set_per_s);
  best.p50_ms = std::min(best.p50_ms, r.p50_ms);
  best.p99_ms = std::min(best.p99_ms, r.p99_ms);
  best.max_ms = std::min(best.max_ms, r.max_ms);
}

struct sink_state {
  run_record** current;
};

/// Sets timer i to fire `after(i, now)` from `now`, one request at a time
/// (running the VM after each, and moving due ticks in every 256), then
/// pumps until all fired.
template <class After>
run_figures run_agora(pump_port& port, vm& v, run_record** current, std::size_t n, After after) {
  run_record rec(n);
  *current = &rec;
  const auto set_start = tclock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto now = tclock::now();
    const std::chrono::microseconds a = after(i, now);
    rec.deadline[i] = now + a;
    v.send(timer::set_timer_message(term(static_cast<std::int64_t>(i)), a,
                                    std::chrono::microseconds(0)));
    v.run();
    if (i % 256 == 255) port.pump(v);  // ticks due meanwhile, if any
  }
  const double set_secs = std::chrono::duration<double>(tclock::now() - set_start).count();
  if (!port.pump_until(v, [&] { return rec.fired == n; }, std::chrono::seconds(10)))
    throw std::runtime_error(fmt::format("timers: only {} of {} fired in 10 s", rec.fired, n));
  *current = nullptr;
  return rec.figures(set_secs);
}

template <class After>
run_figures run_asio(std::size_t n, After after) {
  run_record rec(n);
  boost::asio::io_context io;
  std::vector<boost::asio::steady_timer> timers;
  timers.reserve(n);
  const auto set_start = tclock::now();
  for (std::size_t i = 0; i < n; ++i) {
    const auto now = tclock::now();
    rec.deadline[i] = now + after(i, now);
    timers.emplace_back(io, rec.deadline[i]);
    timers.back().async_wait([&rec, i](const boost::system::error_code& ec) {
      if (!ec) rec.hit(i);
    });
  }
  const double set_secs = std::chrono::duration<double>(tclock::now() - set_start).count();
  io.run();
  return rec.figures(set_secs);
}

/// The microseconds from `now` to `at`, rounded up (never early); 0 if past.
std::chrono::microseconds until(tclock::time_point at, tclock::time_point now) {
  return std::max(std::chrono::microseconds(0),
                  std::chrono::ceil<std::chrono::microseconds>(at - now));
}

}  // namespace

void bench_timers(const options& opt) {
  const std::size_t n = opt.quick ? 10'000 : 100'000;
  const auto lo = opt.quick ? std::chrono::microseconds(20'000) : std::chrono::microseconds(100'000);

  std::mt19937_64 rng(42);
  auto deadlines = [&](std::chrono::microseconds hi) {
    std::uniform_int_distribution<std::int64_t> spread(lo.count(), hi.count() - 1);
    std::vector<std::chrono::microseconds> after(n);
    for (auto& a : after) a = std::chrono::microseconds(spread(rng));
    return after;
  };
  const auto steady_after = deadlines(opt.quick ? 5 * lo : 10 * lo);
  const auto dense_after = deadlines(2 * lo);

  // agora: the driver, and one sink actor with n subscriptions.
  pump_port port;
  vm v("timers");
  v.spawn(timer::driver(port));
  run_record* current = nullptr;
  {
    static const auto on_fire = make_handlers<sink_state>(
        {.on_message = [](turn<sink_state>& t, const message& m) {
          (*t.state.current)->hit(static_cast<std::size_t>(m.body()[0].as_int()));
        }});
    actor<sink_state> sink{{&current}, "sink"};
    for (std::size_t i = 0; i < n; ++i)
      sink.subscribe(timer::expired_topic(term(static_cast<std::int64_t>(i))), on_fire);
    v.spawn(std::move(sink));
    v.run();
  }

  auto steady = [&](std::size_t i, tclock::time_point) { return steady_after[i]; };
  auto dense = [&](std::size_t i, tclock::time_point) { return dense_after[i]; };
  // Burst: every timer due at one instant, once all are set: the capacity
  // of the firing path, not bounded by the clock.
  const auto burst_lead = opt.quick ? std::chrono::milliseconds(50) : std::chrono::milliseconds(400);
  run_figures ours, asio, ours_dense, asio_dense, ours_burst, asio_burst;
  // The steady run takes about a second a side: fewer repetitions.
  for (int r = 0; r < std::max(opt.reps, 1); ++r) {
    const bool first = r == 0;
    if (r < 3) {
      keep_best(ours, run_agora(port, v, &current, n, steady), first);
      keep_best(asio, run_asio(n, steady), first);
    }
    keep_best(ours_dense, run_agora(port, v, &current, n, dense), first);
    keep_best(asio_dense, run_asio(n, dense), first);
    auto at = tclock::now() + burst_lead;
    keep_best(ours_burst,
              run_agora(port, v, &current, n, [at](std::size_t, tclock::time_point now) {
                return until(at, now);
              }),
              first);
    at = tclock::now() + burst_lead;
    keep_best(asio_burst,
              run_asio(n, [at](std::size_t, tclock::time_point now) { return until(at, now); }),
              first);
  }
  v.stop_all(reason::quit());

  emit("timers", "fired_per_s", ours_burst.fired_per_s, "timer/s");
  emit("timers", "asio_fired_per_s", asio_burst.fired_per_s, "timer/s");
  emit("timers", "ratio_fired_vs_asio", ours_burst.fired_per_s / asio_burst.fired_per_s, "ratio");
  emit("timers", "set_per_s", ours.set_per_s, "timer/s");
  emit("timers", "asio_set_per_s", asio.set_per_s, "timer/s");
  emit("timers", "lateness_p50_ms", ours.p50_ms, "ms");
  emit("timers", "lateness_p99_ms", ours.p99_ms, "ms");
  emit("timers", "lateness_max_ms", ours.max_ms, "ms");
  emit("timers", "asio_lateness_p50_ms", asio.p50_ms, "ms");
  emit("timers", "asio_lateness_p99_ms", asio.p99_ms, "ms");
  emit("timers", "asio_lateness_max_ms", asio.max_ms, "ms");
  emit("timers", "dense_fired_per_s", ours_dense.fired_per_s, "timer/s");
  emit("timers", "dense_lateness_p99_ms", ours_dense.p99_ms, "ms");
  emit("timers", "asio_dense_fired_per_s", asio_dense.fired_per_s, "timer/s");
  emit("timers", "asio_dense_lateness_p99_ms", asio_dense.p99_ms, "ms");
}

}  // namespace agora_bench
