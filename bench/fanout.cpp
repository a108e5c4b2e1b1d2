// fanout: one publisher, N = 1, 10, 1,000 subscribers of the same topic;
// deliveries per second. agora: N subscriber actors `news(_)` in one VM,
// messages news(1) sent from outside with vm.send() in batches, then
// vm.run(). Baseline, same run, same N and message count: CAF 0.17 local
// group, N event-based actors that joined it, anon_send(group, k) from the
// main thread, until all N × messages are counted (target: agora ≥ 10×).
// Both publish in the same bursts (about 64k deliveries, then wait until
// they are all delivered), and agora and CAF repetitions alternate, so both
// see the same queue depths and the same machine load.
#include <agora/vm.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "caf_baselines.hpp"
#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

struct counter {
  std::uint64_t* n;
};

/// Messages per burst for n subscribers: about 64k queued deliveries, a
/// publisher's burst, without letting queues grow to millions of entries.
/// agora and CAF get the same bursts.
std::size_t burst(std::size_t n) { return std::max<std::size_t>(1, 65'536 / n); }

/// One VM with n subscribers of news(_), reused across repetitions.
class agora_fanout {
 public:
  explicit agora_fanout(std::size_t n) : n_(n) {
    const auto count = make_handlers(
        handlers<counter>{.on_message = [](turn<counter>& t, const message&) { ++*t.state.n; }});
    for (std::size_t i = 0; i < n; ++i)
      v_.spawn(actor<counter>{{&delivered_}}.subscribe(rec("news", _), count));
    v_.run();
  }

  /// Seconds to deliver `messages` messages to each subscriber.
  double run(std::size_t messages) {
    const std::size_t batch = burst(n_);
    delivered_ = 0;
    auto start = bench_clock::now();
    for (std::size_t sent = 0; sent < messages;) {
      const std::size_t b = std::min(batch, messages - sent);
      for (std::size_t k = 0; k < b; ++k) v_.send(m_);
      sent += b;
      v_.run();
    }
    double secs = seconds_since(start);
    if (delivered_ != n_ * messages)
      throw std::runtime_error(
          fmt::format("fanout: {} deliveries, want {}", delivered_, n_ * messages));
    return secs;
  }

 private:
  std::size_t n_;
  vm v_{"fanout"};
  std::uint64_t delivered_ = 0;
  const term m_ = rec("news", 1);
};

}  // namespace

void bench_fanout(const options& opt) {
  const std::size_t sizes[] = {1, 10, 1'000};
  const std::size_t deliveries = opt.quick ? 50'000 : 500'000;  // per repetition

  caf_group_fanout caf(opt.caf_threads);
  for (std::size_t n : sizes) {
    const std::size_t messages = std::max<std::size_t>(1, deliveries / n);
    agora_fanout ours(n);
    double best_ours = INFINITY, best_caf = INFINITY;
    for (int r = 0; r < std::max(opt.reps, 1); ++r) {
      best_ours = std::min(best_ours, ours.run(messages));
      best_caf = std::min(best_caf, caf.run(n, messages, burst(n)));
    }
    const double total = static_cast<double>(n * messages);
    emit("fanout", fmt::format("deliveries_per_s_{}", n), total / best_ours, "delivery/s");
    emit("fanout", fmt::format("caf_deliveries_per_s_{}", n), total / best_caf, "delivery/s");
    emit("fanout", fmt::format("ratio_vs_caf_groups_{}", n), best_caf / best_ours, "ratio");
    if (n == 1'000) emit("fanout", "ratio_vs_caf_groups", best_caf / best_ours, "ratio");
  }
}

}  // namespace agora_bench
