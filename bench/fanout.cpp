// fanout: one publisher, N = 1, 10, 1,000 subscribers of the same topic;
// deliveries per second. agora: N subscriber actors `news(_)` in one VM,
// messages news(k) sent from outside with vm.send() in batches, then
// vm.run(). Baseline, same run, same N and message count: CAF 0.17 local
// group, N event-based actors that joined it, anon_send(group, k) from the
// main thread, until all N × messages are counted (target: agora ≥ 10×).
#include <agora/vm.hpp>

#include <algorithm>
#include <stdexcept>

#include "caf_baselines.hpp"
#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

struct counter {
  std::uint64_t* n;
};

/// Best seconds to deliver `messages` messages to each of n subscribers.
double agora_fanout_seconds(std::size_t n, std::size_t messages, int reps) {
  vm v("fanout");
  std::uint64_t delivered = 0;
  handlers<counter> count{.on_message = [](turn<counter>& t, const message&) { ++*t.state.n; }};
  for (std::size_t i = 0; i < n; ++i)
    v.spawn(actor<counter>{{&delivered}}.subscribe(rec("news", _), count));
  v.run();
  // Batches of about 64k queued deliveries: a publisher's burst, without
  // letting the event queue grow to millions of entries.
  const std::size_t batch = std::max<std::size_t>(1, 65'536 / n);
  const term m = rec("news", 1);
  return best_of(reps, [&] {
    delivered = 0;
    auto start = bench_clock::now();
    for (std::size_t sent = 0; sent < messages;) {
      const std::size_t b = std::min(batch, messages - sent);
      for (std::size_t k = 0; k < b; ++k) v.send(m);
      sent += b;
      v.run();
    }
    double secs = seconds_since(start);
    if (delivered != n * messages)
      throw std::runtime_error(
          fmt::format("fanout: {} deliveries, want {}", delivered, n * messages));
    return secs;
  });
}

}  // namespace

void bench_fanout(const options& opt) {
  const std::size_t sizes[] = {1, 10, 1'000};
  const std::size_t deliveries = opt.quick ? 50'000 : 2'000'000;  // per repetition

  std::vector<caf_fanout_case> cases;
  std::vector<double> agora_rate;
  for (std::size_t n : sizes) {
    const std::size_t messages = std::max<std::size_t>(1, deliveries / n);
    cases.push_back({n, messages});
    double secs = agora_fanout_seconds(n, messages, opt.reps);
    agora_rate.push_back(static_cast<double>(n * messages) / secs);
    emit("fanout", fmt::format("deliveries_per_s_{}", n), agora_rate.back(), "delivery/s");
  }

  std::vector<double> caf_secs = caf_group_fanout_seconds(cases, opt.reps, opt.caf_threads);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    double caf_rate = static_cast<double>(cases[i].subscribers * cases[i].messages) / caf_secs[i];
    emit("fanout", fmt::format("caf_deliveries_per_s_{}", cases[i].subscribers), caf_rate,
         "delivery/s");
    emit("fanout", fmt::format("ratio_vs_caf_groups_{}", cases[i].subscribers),
         agora_rate[i] / caf_rate, "ratio");
    if (cases[i].subscribers == 1'000)
      emit("fanout", "ratio_vs_caf_groups", agora_rate[i] / caf_rate, "ratio");
  }
}

}  // namespace agora_bench
