// cluster: two agora nodes as separate processes on 127.0.0.1, 64-byte
// messages, one-way messages/s and round-trip p50/p99 — and, in the same
// run, the same load over Erlang distribution, MQTT through mosquitto and
// plain framed TCP (cluster_baselines.hpp). For now only the baselines run;
// the agora figures come with agora-node.
#include <stdexcept>
#include <string>

#include "cluster_baselines.hpp"
#include "report.hpp"

namespace agora_bench {

void bench_cluster(const options& opt) {
  cluster_baseline_figures baselines;
  cluster_baselines(opt, baselines);
  if (!baselines.failures.empty()) {
    std::string what = "baselines failed:";
    for (const auto& f : baselines.failures) what += " [" + f + "]";
    throw std::runtime_error(what);
  }
}

}  // namespace agora_bench
