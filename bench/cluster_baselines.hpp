// The baselines of the cluster benchmark (agora-bench --only cluster), under
// the load agora's two nodes get: two processes on 127.0.0.1, 64-byte
// messages, one-way messages/s (N messages, then a sync) and round-trip
// latency p50/p99 (one at a time):
//   erlang     Erlang distribution between two nodes (erlang/dist_bench.escript,
//              a private epmd on 127.0.0.1)
//   mosquitto  MQTT QoS 0, publisher → local mosquitto broker → subscriber
//              (agora-mqtt-bench); its round trip is client → broker → the
//              same client, and its metric names say so
//   tcp_floor  plain framed TCP, u32 length + payload, batched writes
//              (agora-tcp-floor): what any link costs at least
// Each is run as child processes and emits {"bench":"cluster","metric":
// "erlang_msgs_per_s",...} lines as it finishes; one whose programs are
// missing is skipped with a note (scripts/bootstrap.sh --bench installs them).
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "report.hpp"

namespace agora_bench {

/// The load: the same for agora and every baseline, except how many
/// messages a one-way run sends (each takes a few seconds at most).
struct cluster_load {
  std::size_t message_bytes = 64;
  std::size_t messages = 500'000;          // agora, Erlang
  std::size_t mqtt_messages = 200'000;     // mosquitto (tens of thousands per second)
  std::size_t floor_messages = 5'000'000;  // raw TCP (millions per second)
  std::size_t round_trips = 10'000;        // after a tenth as many to warm up
  int reps = 3;                            // one-way runs; the best is reported
};

/// Smaller counts with --quick; reps: at most 3 (each run takes seconds).
cluster_load cluster_load_for(const options& opt);

/// One baseline's figures; NaN when it did not run.
struct baseline_figures {
  bool ran = false;
  double msgs_per_s = NAN;
  double rtt_p50_us = NAN;
  double rtt_p99_us = NAN;
};

struct cluster_baseline_figures {
  baseline_figures erlang, mosquitto, tcp_floor;
  /// "name: why" for each baseline whose programs are there but failed.
  std::vector<std::string> failures;
};

/// Runs every baseline it can, one after the other, emitting each one's
/// figures as it finishes, and fills `out`.
void cluster_baselines(const options& opt, cluster_baseline_figures& out);

}  // namespace agora_bench
