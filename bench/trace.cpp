// trace: what tracing costs. The same delivery workloads run with tracing
// off and with tracing on into a sink that discards each line (so the
// figure is the VM's formatting cost, not the I/O's), alternating
// repetitions, in one VM each:
//  - fanout: one message news(1) to N = 1,000 subscribers, sent from
//    outside in bursts (as in the fanout bench); one turn per delivery;
//  - pingpong: two actors bouncing ball(k) back and forth; every turn
//    commits one send, which is routed.
// Reported: events (turns) per second off and on, and off / on. The cost of
// tracing *off* against a build without trace points is measured by A/B of
// the fanout and churn benches between builds (docs/BENCHMARKS.md).
#include <agora/trace.hpp>
#include <agora/vm.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

struct counter {
  std::uint64_t* n;
};

/// Seconds to deliver `messages` news(1) to each of the n subscribers of v.
double run_fanout(vm& v, std::size_t n, std::size_t messages, const std::uint64_t& delivered) {
  const std::size_t batch = std::max<std::size_t>(1, 65'536 / n);
  const std::uint64_t before = delivered;
  const term m = rec("news", 1);
  auto start = bench_clock::now();
  for (std::size_t sent = 0; sent < messages;) {
    const std::size_t b = std::min(batch, messages - sent);
    for (std::size_t k = 0; k < b; ++k) v.send(m);
    sent += b;
    v.run();
  }
  double secs = seconds_since(start);
  if (delivered - before != n * messages)
    throw std::runtime_error(fmt::format("trace/fanout: {} deliveries, want {}",
                                         delivered - before, n * messages));
  return secs;
}

struct player {
  std::uint64_t* turns;
  std::int64_t self;
};

/// Seconds for `turns` ping-pong turns in v (two players, ball(0) and ball(1)).
double run_pingpong(vm& v, std::uint64_t& turns, std::uint64_t want) {
  turns = want;
  auto start = bench_clock::now();
  v.send(rec("ball", 0));
  v.run();
  double secs = seconds_since(start);
  if (turns != 0) throw std::runtime_error(fmt::format("trace/pingpong: {} turns left", turns));
  return secs;
}

}  // namespace

void bench_trace(const options& opt) {
  const trace_sink discard = [](std::string_view) {};

  // fanout, N = 1,000
  {
    const std::size_t n = 1'000;
    const std::size_t messages = (opt.quick ? 20'000 : 200'000) / n;
    std::uint64_t delivered = 0;
    vm off("trace-off"), on("trace-on");
    const auto count = make_handlers(
        handlers<counter>{.on_message = [](turn<counter>& t, const message&) { ++*t.state.n; }});
    for (vm* v : {&off, &on}) {
      for (std::size_t i = 0; i < n; ++i)
        v->spawn(actor<counter>{{&delivered}}.subscribe(rec("news", _), count));
      v->run();
    }
    on.trace(discard);
    double best_off = INFINITY, best_on = INFINITY;
    for (int r = 0; r < std::max(opt.reps, 1); ++r) {
      best_off = std::min(best_off, run_fanout(off, n, messages, delivered));
      best_on = std::min(best_on, run_fanout(on, n, messages, delivered));
    }
    const double events = static_cast<double>(n * messages);
    emit("trace", "off_events_per_s", events / best_off, "event/s");
    emit("trace", "on_discard_events_per_s", events / best_on, "event/s");
    emit("trace", "ratio_off_vs_on_discard", best_on / best_off, "ratio");
  }

  // ping-pong between two actors: every turn sends
  {
    const std::uint64_t turns = opt.quick ? 20'000 : 200'000;
    std::uint64_t left = 0;
    vm off("trace-off"), on("trace-on");
    const auto bounce = make_handlers(
        handlers<player>{.on_message = [](turn<player>& t, const message&) {
          if (*t.state.turns == 0) return;
          --*t.state.turns;
          t.send(rec("ball", 1 - t.state.self));
        }});
    for (vm* v : {&off, &on})
      for (std::int64_t who : {0, 1})
        v->spawn(actor<player>{{&left, who}}.subscribe(rec("ball", who), bounce));
    on.trace(discard);
    double best_off = INFINITY, best_on = INFINITY;
    for (int r = 0; r < std::max(opt.reps, 1); ++r) {
      best_off = std::min(best_off, run_pingpong(off, left, turns));
      best_on = std::min(best_on, run_pingpong(on, left, turns));
    }
    const double events = static_cast<double>(turns);
    emit("trace", "off_events_per_s_pingpong", events / best_off, "event/s");
    emit("trace", "on_discard_events_per_s_pingpong", events / best_on, "event/s");
    emit("trace", "ratio_off_vs_on_discard_pingpong", best_on / best_off, "ratio");
  }
}

}  // namespace agora_bench
