// CAF 0.17 baselines: the only bench translation unit that includes CAF.
#include "caf_baselines.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
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
