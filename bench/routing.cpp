// routing: messages per second delivered in one deterministic VM to one
// matching subscriber while 10, 1,000 or 100,000 non-matching endpoints
// stand. The cost of a delivery should not depend on the endpoints that
// cannot match it (target: ns/msg at 100k ≤ 1.5 × ns/msg at 10).
//
// The standing endpoints, one actor each, cycle through shapes:
//   7 in 10  subscriber inbox(i)       same label and arity as the message
//   1 in 10  subscriber other(i)       another label
//   1 in 10  subscriber inbox(i, _)    another arity, with a wildcard
//   1 in 10  publisher  inbox(i)       the other role
// for i = 1..N; the one matching subscriber is inbox(0). Messages inbox(0)
// are sent from outside with vm.send() in batches, then vm.run().
#include <agora/vm.hpp>

#include <stdexcept>

#include "report.hpp"

using namespace agora;

namespace agora_bench {

namespace {

struct counter {
  std::uint64_t* n;
};

/// The standing, non-matching endpoints, one actor each (see above).
void add_standing(vm& v, std::size_t n, std::uint64_t* wrong, const handlers<counter>& h) {
  for (std::size_t k = 1; k <= n; ++k) {
    auto i = static_cast<std::int64_t>(k);
    actor<counter> a{{wrong}};
    switch (k % 10) {
      case 7: a.subscribe(rec("other", i), h); break;
      case 8: a.subscribe(rec("inbox", i, _), h); break;
      case 9: a.publish(rec("inbox", i), h); break;
      default: a.subscribe(rec("inbox", i), h); break;
    }
    v.spawn(std::move(a));
  }
}

}  // namespace

void bench_routing(const options& opt) {
  const std::size_t sizes[] = {10, 1'000, 100'000};
  // Short repetitions, many of them: on a loaded machine the best of many
  // short runs is the one most likely to have had a core to itself.
  const std::size_t total = opt.quick ? 20'000 : 300'000;  // messages per repetition
  const std::size_t batch = 10'000;
  double ns_per_msg[3] = {};

  for (int s = 0; s < 3; ++s) {
    const std::size_t n = sizes[s];
    vm v("routing");
    std::uint64_t hits = 0, wrong = 0;
    handlers<counter> stray{.on_message = [](turn<counter>& t, const message&) { ++*t.state.n; }};
    add_standing(v, n, &wrong, stray);
    v.spawn(actor<counter>{{&hits}, "target"}.on_message(
        rec("inbox", 0), [](turn<counter>& t, const message&) { ++*t.state.n; }));
    v.run();

    const term m = rec("inbox", 0);
    double best = best_of(opt.reps, [&] {
      hits = 0;
      auto start = bench_clock::now();
      for (std::size_t sent = 0; sent < total; sent += batch) {
        for (std::size_t b = 0; b < batch; ++b) v.send(m);
        v.run();
      }
      double secs = seconds_since(start);
      if (hits != total || wrong != 0)
        throw std::runtime_error(fmt::format("routing: {} deliveries to the target (want {}), {} "
                                             "to non-matching endpoints",
                                             hits, total, wrong));
      return secs;
    });
    ns_per_msg[s] = best * 1e9 / static_cast<double>(total);
    emit("routing", fmt::format("msgs_per_s_{}", n), static_cast<double>(total) / best, "msg/s");
  }
  emit("routing", "cost_ratio_100k_vs_10", ns_per_msg[2] / ns_per_msg[0], "ratio");
}

}  // namespace agora_bench
