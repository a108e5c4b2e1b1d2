// What a baseline client program of the cluster benchmark (agora-tcp-floor,
// agora-mqtt-bench, erlang/dist_bench.escript) prints when it is done, one
// figure per line, for agora-bench to read:
//   msgs_per_s 123456.7
//   rtt_p50_us 41.20
//   rtt_p99_us 88.00
// and the percentile they are computed with. No agora headers.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <vector>

namespace agora_bench {

/// The q-quantile of `samples` by nearest rank (q = 0.5: the median).
inline double nearest_rank(std::vector<double> samples, double q) {
  if (samples.empty()) throw std::invalid_argument("nearest_rank: no samples");
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

/// Prints the figures of a run: the best one-way rate and the round-trip
/// percentiles (microseconds), in the lines above.
inline void print_baseline_figures(double msgs_per_s, const std::vector<double>& rtt_us) {
  std::printf("msgs_per_s %.1f\nrtt_p50_us %.2f\nrtt_p99_us %.2f\n", msgs_per_s, nearest_rank(rtt_us, 0.50),
              nearest_rank(rtt_us, 0.99));
  std::fflush(stdout);
}

}  // namespace agora_bench
