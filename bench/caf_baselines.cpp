// CAF 0.17 baselines: the only bench translation unit that includes CAF.
#include "caf_baselines.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <latch>
#include <string>
#include <thread>

#include "report.hpp"

namespace agora_bench {

namespace {

/// One actor system per baseline, configured like agora::runtime does.
struct caf_system {
  explicit caf_system(std::size_t threads) : config(make_config(threads)), system(config) {}

  static caf::actor_system_config make_config(std::size_t threads) {
    caf::actor_system_config c;
    if (threads != 0) c.set("scheduler.max-threads", threads);
    c.set("logger.console", caf::atom("none"));
    return c;
  }

  caf::actor_system_config config;
  caf::actor_system system;
};

// ---- fan-out through a local group ---------------------------------------------

/// Progress shared by the subscribers of one run and the publisher.
struct fanout_progress {
  std::size_t messages = 0;           // per subscriber
  std::size_t batch = 0;              // messages per burst
  std::atomic<std::size_t> done{0};   // bursts completed, summed over subscribers
};

struct counter_state {
  std::size_t count = 0;  // messages counted
};

/// Joins the group at spawn (spawn_in_group) and counts; at the end of each
/// burst (and of the run) adds one to `done` and wakes the publisher; quits
/// (leaving the group) after the last message.
caf::behavior group_subscriber(caf::stateful_actor<counter_state>* self,
                               fanout_progress* progress) {
  return {
      [=](int) {
        auto& p = *progress;
        const std::size_t c = ++self->state.count;
        if (c % p.batch == 0 || c == p.messages) {
          p.done.fetch_add(1, std::memory_order_release);
          p.done.notify_one();
        }
        if (c == p.messages) self->quit();
      },
  };
}

}  // namespace

struct caf_group_fanout::impl {
  explicit impl(std::size_t threads) : cs(threads) {}
  caf_system cs;
  int groups = 0;
};

caf_group_fanout::caf_group_fanout(std::size_t threads)
    : impl_(std::make_unique<impl>(threads)) {}

caf_group_fanout::~caf_group_fanout() = default;

double caf_group_fanout::run(std::size_t subscribers, std::size_t messages, std::size_t batch) {
  auto& sys = impl_->cs.system;
  fanout_progress progress;
  progress.messages = messages;
  progress.batch = batch == 0 ? messages : batch;
  // Setup (untimed): a fresh group and n subscribers that joined it.
  auto grp = sys.groups().get_local("agora-bench-fanout-" + std::to_string(impl_->groups++));
  for (std::size_t i = 0; i < subscribers; ++i)
    sys.spawn_in_group(grp, group_subscriber, &progress);
  // Timed: publish burst after burst, each until every subscriber has counted
  // all of it.
  auto start = bench_clock::now();
  std::size_t bursts = 0;
  for (std::size_t sent = 0; sent < messages;) {
    const std::size_t b = std::min(progress.batch, messages - sent);
    for (std::size_t m = 0; m < b; ++m) caf::anon_send(grp, static_cast<int>(sent + m));
    sent += b;
    const std::size_t want = subscribers * ++bursts;
    for (std::size_t d; (d = progress.done.load(std::memory_order_acquire)) < want;)
      progress.done.wait(d, std::memory_order_acquire);
  }
  double secs = seconds_since(start);
  sys.await_all_actors_done();  // the subscribers quit after counting
  // Idle CAF workers poll aggressively for ~25 ms before they back off to
  // 10 ms sleeps; let them calm down so they do not steal the CPU from
  // whatever is measured next (on a 2-core machine that matters).
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return secs;
}

// ---- ping-pong and stream between two actors ------------------------------------

namespace {

using ping_atom = caf::atom_constant<caf::atom("bping")>;
using pong_atom = caf::atom_constant<caf::atom("bpong")>;
using item_atom = caf::atom_constant<caf::atom("bitem")>;
using credit_atom = caf::atom_constant<caf::atom("bcredit")>;
using more_atom = caf::atom_constant<caf::atom("bmore")>;

struct pingpong_run {
  std::int64_t round_trips = 0;
  bench_clock::time_point start{};
  std::promise<double> done;  // the timed seconds
};

// The ponger takes an argument it does not need: CAF 0.17 spawning a
// function without arguments dereferences a null shared_ptr (UBSan flags it).
caf::behavior pingpong_ponger(caf::event_based_actor* self, pingpong_run*) {
  return {
      [=](ping_atom, std::int64_t n) {
        self->send(caf::actor_cast<caf::actor>(self->current_sender()), pong_atom::value, n);
      },
  };
}

caf::behavior pingpong_pinger(caf::event_based_actor* self, caf::actor ponger,
                              pingpong_run* run) {
  run->start = bench_clock::now();
  self->send(ponger, ping_atom::value, std::int64_t{1});
  return {
      [=](pong_atom, std::int64_t n) {
        if (n < run->round_trips) {
          self->send(ponger, ping_atom::value, n + 1);
          return;
        }
        run->done.set_value(seconds_since(run->start));
        self->send_exit(ponger, caf::exit_reason::user_shutdown);
        self->quit();
      },
  };
}

struct stream_run {
  stream_params p;
  bench_clock::time_point start{};
  std::promise<double> done;  // the timed seconds
};

struct producer_state {
  std::size_t sent = 0;
  std::size_t limit = 0;  // may send items [0, limit)
  bool more_pending = false;
};

struct consumer_state {
  std::size_t count = 0;
};

/// Sends up to one burst, then a message to itself if credit is left.
caf::behavior stream_producer(caf::stateful_actor<producer_state>* self, caf::actor consumer,
                              stream_run* run) {
  auto pump = [self, consumer, run] {
    auto& s = self->state;
    const std::size_t stop = std::min(run->p.items, s.limit);
    const std::size_t end = std::min(stop, s.sent + run->p.burst);
    for (; s.sent < end; ++s.sent)
      self->send(consumer, item_atom::value, static_cast<std::int64_t>(s.sent));
    if (s.sent < stop && !s.more_pending) {
      s.more_pending = true;
      self->send(self, more_atom::value);
    }
  };
  self->state.limit = run->p.window;
  run->start = bench_clock::now();
  pump();
  return {
      [=](more_atom) {
        self->state.more_pending = false;
        pump();
      },
      [=](credit_atom, std::int64_t k) {
        self->state.limit += static_cast<std::size_t>(k);
        pump();
      },
  };
}

caf::behavior stream_consumer(caf::stateful_actor<consumer_state>* self, stream_run* run) {
  return {
      [=](item_atom, std::int64_t) {
        const auto& p = run->p;
        const std::size_t c = ++self->state.count;
        if (c == p.items) {
          run->done.set_value(seconds_since(run->start));
          self->send_exit(self->current_sender(), caf::exit_reason::user_shutdown);
          self->quit();
        } else if (c % p.credit_every == 0) {
          self->send(caf::actor_cast<caf::actor>(self->current_sender()), credit_atom::value,
                     static_cast<std::int64_t>(p.credit_every));
        }
      },
  };
}

}  // namespace

double caf_pingpong(std::size_t round_trips, std::size_t threads) {
  caf_system cs(threads);
  pingpong_run run;
  run.round_trips = static_cast<std::int64_t>(round_trips);
  auto done = run.done.get_future();
  auto ponger = cs.system.spawn(pingpong_ponger, &run);
  cs.system.spawn(pingpong_pinger, ponger, &run);
  const double secs = done.get();
  cs.system.await_all_actors_done();
  return secs;
}

double caf_stream(const stream_params& p, std::size_t threads) {
  caf_system cs(threads);
  stream_run run;
  run.p = p;
  auto done = run.done.get_future();
  auto consumer = cs.system.spawn(stream_consumer, &run);
  cs.system.spawn(stream_producer, consumer, &run);
  const double secs = done.get();
  cs.system.await_all_actors_done();
  return secs;
}

// ---- memory of idle actors -----------------------------------------------------

double caf_idle_actor_bytes(std::size_t count, std::size_t threads) {
  caf_system cs(threads);
  auto& sys = cs.system;
  std::vector<caf::actor> keep;  // the handles are the harness's, not the actors'
  keep.reserve(count);
  std::latch started(static_cast<std::ptrdiff_t>(count));
  auto idle = [&started](caf::event_based_actor*) -> caf::behavior {
    started.count_down();
    return {[](int) {}};
  };
  // Let the scheduler's threads finish their own start-up allocations.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::size_t before = heap_in_use();
  for (std::size_t i = 0; i < count; ++i) keep.push_back(sys.spawn(idle));
  started.wait();
  // The last actors set their behavior just after counting down.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const std::size_t after = heap_in_use();
  for (auto& a : keep) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  keep.clear();
  sys.await_all_actors_done();
  return (static_cast<double>(after) - static_cast<double>(before)) / static_cast<double>(count);
}

}  // namespace agora_bench
