// cross_vm: ping-pong and a one-way stream between actors in two sibling
// VMs, with raw CAF actor-to-actor ping-pong and stream in the same run.
//
// agora: one agora::runtime (scheduler threads: --caf-threads), one top VM
//   rt.spawn_vm("top", {nested_vm("a", {A}), nested_vm("b", {B})})
// whose two nested VMs talk at the meta level (the top VM's routing), so a
// message from a to b goes a → top → b: two CAF messages (link batches).
//
// Ping-pong (20,000 round trips; 2,000 with --quick): the ponger, in b,
// subscribes at meta level to ping(_) and answers each ping(n) with a
// meta-level pong(n). The pinger, in a, subscribes at meta level to
// pong(_) and publishes ping(_) with a presence handler: the presence of
// the ponger's subscription starts the clock and the first ping (so nothing
// is sent before the ponger listens); each pong(n) sends ping(n + 1).
// Round-trip latency = timed seconds / round trips.
//
// Stream (1,000,000 items; 100,000 with --quick), credit-windowed so no
// queue grows without bound (stream_params in caf_baselines.hpp; the same
// for agora and CAF): the producer, in a, publishes item(_) at meta level;
// on the presence of the consumer's subscription it starts the clock and
// sends items item(i) at meta level, at most `burst` per turn, then
// `more` to itself (a local message) to go on, never more than `window`
// items beyond the credit it was given. The consumer, in b, counts the
// items and every `credit_every` items sends feedback item(credit(k)) at
// meta level (feedback reaches the publisher of item(_)). Events/s = items /
// (first send → last receipt).
//
// Baselines (caf_baselines.cpp): two CAF 0.17 event-based actors, one CAF
// message per ping, pong and item, the same credit scheme. Each repetition
// runs agora then CAF, each in a fresh runtime / actor system (untimed
// start-up), so neither system's idle workers poll during the other's run.
//
//   pingpong_latency_ratio_vs_caf = our round trip / CAF's (target ≤ 2.5)
//   stream_ratio_vs_caf           = our items/s / CAF's messages/s (target ≥ 2)
#include <agora/runtime.hpp>

#include <chrono>
#include <cstdint>
#include <future>
#include <stdexcept>

#include "caf_baselines.hpp"
#include "report.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace agora_bench {

namespace {

/// Waits for the figure of one agora run, then for the runtime to wind down.
/// On a time-out, shuts the top VM down (else ~runtime would wait forever).
double await_run(std::future<double>& done, runtime& rt, const vm_handle& top, const char* what) {
  if (done.wait_for(120s) != std::future_status::ready) {
    top.shutdown();
    throw std::runtime_error(fmt::format("cross_vm: {} did not finish within 120 s", what));
  }
  const double secs = done.get();
  if (!rt.wait_for(30s))
    throw std::runtime_error(fmt::format("cross_vm: {}: VMs still running 30 s after the end", what));
  return secs;
}

// ---- ping-pong ---------------------------------------------------------------

struct pingpong_shared {
  std::int64_t round_trips = 0;
  bench_clock::time_point start{};
  std::promise<double> done;
};

struct pinger_state {
  pingpong_shared* sh;
};

double agora_pingpong(std::size_t round_trips, std::size_t threads) {
  pingpong_shared sh;
  sh.round_trips = static_cast<std::int64_t>(round_trips);
  auto done = sh.done.get_future();

  auto pinger = actor<pinger_state>{{&sh}, "pinger"}.on_start([](turn<pinger_state>& t) {
    // pong(_) first, so that it is in place before the ponger can answer.
    t.meta().subscribe(rec("pong", _), {.on_message = [](turn<pinger_state>& t, const message& m) {
      const std::int64_t n = m.body()[0].as_int();
      if (n < t.state.sh->round_trips) {
        t.meta().send(rec("ping", n + 1));
        return;
      }
      t.state.sh->done.set_value(seconds_since(t.state.sh->start));
      t.quit();  // the ponger sees ping(_) go and quits too
    }});
    t.meta().publish(rec("ping", _), {.on_presence = [](turn<pinger_state>& t, const presence&) {
      t.state.sh->start = bench_clock::now();
      t.meta().send(rec("ping", 1));
    }});
  });
  auto ponger = actor<>{{}, "ponger"}.on_start([](turn<>& t) {
    t.meta().subscribe(rec("ping", _),
                       {.on_absence = [](turn<>& t, const absence&) { t.quit(); },
                        .on_message = [](turn<>& t, const message& m) {
                          t.meta().send(rec("pong", m.body()[0]));
                        }});
  });

  runtime rt({.threads = threads});
  auto top = rt.spawn_vm("top", {nested_vm("a", {pinger}), nested_vm("b", {ponger})});
  return await_run(done, rt, top, "ping-pong");
}

// ---- stream ------------------------------------------------------------------

struct stream_shared {
  stream_params p;
  bench_clock::time_point start{};
  std::promise<double> done;
};

struct producer_state {
  stream_shared* sh;
  std::size_t sent = 0;
  std::size_t limit = 0;  // may send items [0, limit)
  bool more_pending = false;
};

struct consumer_state {
  stream_shared* sh;
  std::size_t count = 0;
};

/// Sends up to one burst at meta level, then `more` to itself if credit is
/// left.
void pump(turn<producer_state>& t) {
  auto& s = t.state;
  const auto& p = s.sh->p;
  const std::size_t stop = std::min(p.items, s.limit);
  const std::size_t end = std::min(stop, s.sent + p.burst);
  auto meta = t.meta();
  for (; s.sent < end; ++s.sent) meta.send(rec("item", static_cast<std::int64_t>(s.sent)));
  if (s.sent < stop && !s.more_pending) {
    s.more_pending = true;
    t.send(sym("more"));
  }
}

double agora_stream(const stream_params& params, std::size_t threads) {
  stream_shared sh;
  sh.p = params;
  auto done = sh.done.get_future();

  auto producer =
      actor<producer_state>{{&sh}, "producer"}
          .on_message(sym("more"),
                      [](turn<producer_state>& t, const message&) {
                        t.state.more_pending = false;
                        pump(t);
                      })
          .on_start([](turn<producer_state>& t) {
            t.meta().publish(
                rec("item", _),
                {.on_presence =
                     [](turn<producer_state>& t, const presence&) {
                       t.state.limit = t.state.sh->p.window;
                       t.state.sh->start = bench_clock::now();
                       pump(t);
                     },
                 .on_absence = [](turn<producer_state>& t, const absence&) { t.quit(); },
                 .on_message =  // feedback item(credit(k))
                 [](turn<producer_state>& t, const message& m) {
                   t.state.limit += static_cast<std::size_t>(m.body()[0][0].as_int());
                   pump(t);
                 }});
          });
  auto consumer = actor<consumer_state>{{&sh}, "consumer"}.on_start([](turn<consumer_state>& t) {
    t.meta().subscribe(rec("item", _), {.on_message = [](turn<consumer_state>& t, const message&) {
      auto& s = t.state;
      const auto& p = s.sh->p;
      const std::size_t c = ++s.count;
      if (c == p.items) {
        s.sh->done.set_value(seconds_since(s.sh->start));
        t.quit();  // the producer sees it go and quits too
      } else if (c % p.credit_every == 0) {
        t.meta().feedback(rec("item", rec("credit", static_cast<std::int64_t>(p.credit_every))));
      }
    }});
  });

  runtime rt({.threads = threads});
  auto top = rt.spawn_vm("top", {nested_vm("a", {producer}), nested_vm("b", {consumer})});
  return await_run(done, rt, top, "stream");
}

}  // namespace

void bench_cross_vm(const options& opt) {
  const std::size_t round_trips = opt.quick ? 2'000 : 20'000;
  stream_params sp;
  sp.items = opt.quick ? 100'000 : 1'000'000;
  note("cross_vm: {} round trips; stream of {} items, burst {}, credit every {}, window {}",
       round_trips, sp.items, sp.burst, sp.credit_every, sp.window);

  double pp_ours = INFINITY, pp_caf = INFINITY, st_ours = INFINITY, st_caf = INFINITY;
  for (int r = 0; r < std::max(opt.reps, 1); ++r) {
    pp_ours = std::min(pp_ours, agora_pingpong(round_trips, opt.caf_threads));
    pp_caf = std::min(pp_caf, caf_pingpong(round_trips, opt.caf_threads));
    st_ours = std::min(st_ours, agora_stream(sp, opt.caf_threads));
    st_caf = std::min(st_caf, caf_stream(sp, opt.caf_threads));
  }
  const double rtt_ours = pp_ours / static_cast<double>(round_trips) * 1e6;
  const double rtt_caf = pp_caf / static_cast<double>(round_trips) * 1e6;
  const double items = static_cast<double>(sp.items);
  emit("cross_vm", "pingpong_rtt_us", rtt_ours, "us");
  emit("cross_vm", "caf_pingpong_rtt_us", rtt_caf, "us");
  emit("cross_vm", "pingpong_latency_ratio_vs_caf", rtt_ours / rtt_caf, "ratio");
  emit("cross_vm", "stream_events_per_s", items / st_ours, "event/s");
  emit("cross_vm", "caf_stream_msgs_per_s", items / st_caf, "msg/s");
  emit("cross_vm", "stream_ratio_vs_caf", st_caf / st_ours, "ratio");
}

}  // namespace agora_bench
