// cluster: two agora nodes as separate processes on 127.0.0.1 (agora-bench-node
// serving and driving), 64-byte messages, one-way messages/s and round-trip
// p50/p99 — and, in the same run, the same load over Erlang distribution,
// MQTT through mosquitto and plain framed TCP (cluster_baselines.hpp):
//   msgs_per_s, rtt_p50_us, rtt_p99_us           agora
//   throughput_ratio_vs_erlang (target >= 5), throughput_ratio_vs_mosquitto
//   (>= 20), rtt_ratio_vs_erlang (p50; <= 1), throughput_ratio_vs_tcp_floor
// and how fast a node's loss is seen, with agora-node processes:
//   detect_ms_kill   kill -9 of a node -> node_lost at its peer (<= 100 ms)
//   detect_ms_stop   SIGSTOP of a node -> node_lost at its peer (<= 1,200 ms;
//                    the default deadline is 1 s of silence)
#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>

#include "child_process.hpp"
#include "cluster_baselines.hpp"
#include "figure_lines.hpp"
#include "report.hpp"
#include "secret_file.hpp"

namespace agora_bench {

namespace {

using namespace std::chrono_literals;
using agora_apps::child_process;

baseline_figures run_agora(const cluster_load& load, const secret_file& secret) {
  child_process server({AGORA_BENCH_NODE_BIN, "serve", "--secret-file", secret.path()});
  const auto address = expect_line(server, "the agora serving node", "listening ", 30s);
  child_process driver({AGORA_BENCH_NODE_BIN, "drive", "--seed", address, "--secret-file",
                        secret.path(), "--messages", std::to_string(load.messages),
                        "--round-trips", std::to_string(load.round_trips), "--reps",
                        std::to_string(load.reps), "--bytes", std::to_string(load.message_bytes)});
  return read_figures(driver, "the agora driving node", 600s);
}

#ifdef AGORA_NODE_BIN
/// Reads `node`'s lines until one contains `text`; throws after `timeout`.
void wait_for_line(child_process& node, const std::string& text, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) throw std::runtime_error("agora-node never printed \"" + text + "\"");
    auto line = node.line(left);
    if (!line) throw std::runtime_error("agora-node ended before \"" + text + "\"");
    if (line->find(text) != std::string::npos) return;
  }
}

/// Milliseconds from `sig` sent to node 2 until node 1 logs its loss.
double detect_ms(int sig, const secret_file& secret) {
  child_process one({AGORA_NODE_BIN, "--id", "1", "--listen", "127.0.0.1:0", "--secret-file",
                     secret.path()});
  const auto banner = expect_line(one, "agora-node 1", "agora-node 1 listening on ", 30s);
  const auto address = banner.substr(0, banner.find(' '));
  child_process two({AGORA_NODE_BIN, "--id", "2", "--listen", "127.0.0.1:0", "--seed", address,
                     "--secret-file", secret.path()});
  wait_for_line(one, "node 2 appeared", 30s);
  std::this_thread::sleep_for(300ms);  // past the first heartbeats
  const auto t0 = std::chrono::steady_clock::now();
  two.signal(sig);
  wait_for_line(one, "node 2 disappeared: node_lost(2)", 30s);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (sig == SIGSTOP) two.signal(SIGCONT);
  return ms;
}
#endif

double ratio(double a, double b) { return a / b; }  // NaN when b did not run

}  // namespace

void bench_cluster(const options& opt) {
  cluster_baseline_figures baselines;
  cluster_baselines(opt, baselines);

  const auto load = cluster_load_for(opt);
  const secret_file secret;
  const auto ours = run_agora(load, secret);
  emit("cluster", "msgs_per_s", ours.msgs_per_s, "msg/s");
  emit("cluster", "rtt_p50_us", ours.rtt_p50_us, "us");
  emit("cluster", "rtt_p99_us", ours.rtt_p99_us, "us");
  emit("cluster", "throughput_ratio_vs_erlang", ratio(ours.msgs_per_s, baselines.erlang.msgs_per_s), "x");
  emit("cluster", "throughput_ratio_vs_mosquitto",
       ratio(ours.msgs_per_s, baselines.mosquitto.msgs_per_s), "x");
  emit("cluster", "rtt_ratio_vs_erlang", ratio(ours.rtt_p50_us, baselines.erlang.rtt_p50_us), "x");
  emit("cluster", "throughput_ratio_vs_tcp_floor",
       ratio(ours.msgs_per_s, baselines.tcp_floor.msgs_per_s), "x");
#ifdef AGORA_NODE_BIN
  emit("cluster", "detect_ms_kill", detect_ms(SIGKILL, secret), "ms");
  emit("cluster", "detect_ms_stop", detect_ms(SIGSTOP, secret), "ms");
#else
  note("cluster: agora-node was not built (AGORA_BUILD_APPS=OFF): no detection times");
#endif

  if (!baselines.failures.empty()) {
    std::string what = "baselines failed:";
    for (const auto& f : baselines.failures) what += " [" + f + "]";
    throw std::runtime_error(what);
  }
}

}  // namespace agora_bench
