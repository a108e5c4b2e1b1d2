// parallel: a CPU-bound workload split over 1 and 2 sibling VMs; reports the
// speedup (on a 2-core machine the ideal is 2).
//
// K jobs (64; 16 with --quick), each a fixed dependent arithmetic loop of
// about 1-2 ms whose result is summed (and checked: both layouts must give
// the same sum, so nothing is optimised away). One agora::runtime with 2
// scheduler threads (or --caf-threads) and one top VM per run:
//   rt.spawn_vm("top", {boss, nested_vm("w0", {worker}), ...})
// with one worker per nested VM, 1 or 2 nested VMs. Each worker subscribes
// at meta level to job(w, _) (w: its VM's index). The boss, in the top VM,
// publishes job(_, _); once it has seen every worker's subscription
// (presence) it starts the clock and sends job(j mod vms, j) for all j; the
// workers compute and answer result(x) at meta level; the boss stops the
// clock at the last result. Wall time, best of the repetitions, 1-VM and
// 2-VM runs alternating.
//
//   time_1vm_ms, time_2vm_ms, speedup = time_1vm / time_2vm (ideal: 2)
//   job_ms: one job run alone on the bench thread (for scale)
//   load_average: the 1-minute load average at the start (shared machine)
#include <agora/runtime.hpp>

#include <time.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "report.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace agora_bench {

namespace {

/// Iterations of one job: about 1.5 ms on a ~2.5 GHz core.
constexpr std::uint64_t job_iterations = 400'000;

/// One job: a dependent chain of xorshift-multiply steps seeded by j.
[[gnu::noinline]] std::uint64_t job(std::uint64_t j) {
  std::uint64_t x = j * 0x9E3779B97F4A7C15ull + 1;
  for (std::uint64_t i = 0; i < job_iterations; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x *= 0xD6E8FEB86659FD93ull;
  }
  return x;
}

/// CPU seconds used by this process so far (all threads).
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double load_average_now() {
  std::ifstream in("/proc/loadavg");
  double one = -1;
  in >> one;
  return one;
}

struct parallel_shared {
  std::size_t jobs = 0;
  std::size_t vms = 0;
  bench_clock::time_point start{};
  std::uint64_t sum = 0;
  std::promise<double> done;
};

struct boss_state {
  parallel_shared* sh;
  std::size_t workers_seen = 0;
  std::size_t results = 0;
};

/// Seconds to run every job, spread over `vms` nested VMs; adds the
/// results into *sum.
double run_jobs(std::size_t jobs, std::size_t vms, std::size_t threads, std::uint64_t* sum) {
  parallel_shared sh;
  sh.jobs = jobs;
  sh.vms = vms;
  auto done = sh.done.get_future();

  std::vector<actor_spec> top;
  top.push_back(
      actor<boss_state>{{&sh}, "boss"}
          .publish(rec("job", _, _),
                   {.on_presence =
                        [](turn<boss_state>& t, const presence&) {
                          auto& s = t.state;
                          if (++s.workers_seen != s.sh->vms) return;
                          s.sh->start = bench_clock::now();
                          for (std::size_t j = 0; j < s.sh->jobs; ++j)
                            t.send(rec("job", static_cast<std::int64_t>(j % s.sh->vms),
                                       static_cast<std::int64_t>(j)));
                        }})
          .on_message(rec("result", _), [](turn<boss_state>& t, const message& m) {
            auto& s = t.state;
            s.sh->sum += static_cast<std::uint64_t>(m.body()[0].as_int());
            if (++s.results == s.sh->jobs) {
              s.sh->done.set_value(seconds_since(s.sh->start));
              t.quit();  // job(_, _) goes: the workers quit, their VMs stop
            }
          }));
  for (std::size_t w = 0; w < vms; ++w) {
    auto worker = actor<std::int64_t>{static_cast<std::int64_t>(w), "worker"}.on_start(
        [](turn<std::int64_t>& t) {
          t.meta().subscribe(rec("job", t.state, _),
                             {.on_absence = [](turn<std::int64_t>& t, const absence&) { t.quit(); },
                              .on_message = [](turn<std::int64_t>& t, const message& m) {
                                const auto j = static_cast<std::uint64_t>(m.body()[1].as_int());
                                t.meta().send(rec("result", static_cast<std::int64_t>(job(j))));
                              }});
        });
    top.push_back(nested_vm(fmt::format("w{}", w), {worker}));
  }

  runtime rt({.threads = threads});
  auto top_vm = rt.spawn_vm("top", std::move(top));
  if (done.wait_for(120s) != std::future_status::ready) {
    top_vm.shutdown();  // else ~runtime would wait forever
    throw std::runtime_error("parallel: jobs did not finish within 120 s");
  }
  const double secs = done.get();
  if (!rt.wait_for(30s)) throw std::runtime_error("parallel: VMs still running 30 s after the end");
  *sum = sh.sum;
  return secs;
}

}  // namespace

void bench_parallel(const options& opt) {
  const double load = load_average_now();
  const std::size_t jobs = opt.quick ? 16 : 64;
  const std::size_t threads = opt.caf_threads != 0 ? opt.caf_threads : 2;

  std::uint64_t sink = 0;
  const double job_secs = best_of(opt.reps, [&] {
    auto start = bench_clock::now();
    sink += job(sink);
    return seconds_since(start);
  });
  note("parallel: {} jobs of ~{:.2f} ms, {} scheduler threads (sink {})", jobs, job_secs * 1e3,
       threads, sink % 10);

  double best1 = INFINITY, best2 = INFINITY;
  double cores2 = 0;  // CPU time / wall time of the whole best 2-VM run
  std::uint64_t sum1 = 0, sum2 = 0;
  for (int r = 0; r < std::max(opt.reps, 1); ++r) {
    best1 = std::min(best1, run_jobs(jobs, 1, threads, &sum1));
    const double cpu = process_cpu_seconds();
    const auto wall = bench_clock::now();
    const double t2 = run_jobs(jobs, 2, threads, &sum2);
    if (t2 < best2) {
      best2 = t2;
      cores2 = (process_cpu_seconds() - cpu) / seconds_since(wall);
    }
    if (sum1 != sum2)
      throw std::runtime_error(fmt::format("parallel: sums differ: {} vs {}", sum1, sum2));
  }
  // A speedup well under 2 with about one core used means the machine
  // (other sessions' load) did not give this process a second core.
  note("parallel: the best 2-VM run used {:.2f} cores (process CPU time / wall time)", cores2);
  emit("parallel", "load_average", load, "load");
  emit("parallel", "job_ms", job_secs * 1e3, "ms");
  emit("parallel", "time_1vm_ms", best1 * 1e3, "ms");
  emit("parallel", "time_2vm_ms", best2 * 1e3, "ms");
  emit("parallel", "speedup", best1 / best2, "ratio");
}

}  // namespace agora_bench
