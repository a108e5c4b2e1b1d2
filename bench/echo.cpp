// echo: agora-echo (the real program, started as a child process) against a
// plain Boost.Asio echo server (asio_echo_server.cpp), both driven by the
// same load generator (echo_client.cpp) with 64 concurrent connections, in
// the same run:
//   round_trips_per_s   64 connections ping-ponging 64-byte messages
//   bytes_per_s         64 connections streaming 16 KiB writes and reading
//                       the echo concurrently (at most 256 KiB ahead of it)
//   *_ratio_vs_asio     agora / Asio for each; ratio_vs_asio: the lower of
//                       the two (target ≥ 0.8)
// With two CPUs or more, the load generator runs on CPU 0 and either server
// on CPU 1 (agora-echo inherits the pin when started): on a 2-core machine
// the two would otherwise share cores by chance, which made the ratio swing
// between 0.6 and 1.05 from one run to the next.
#include <algorithm>
#include <stdexcept>
#include <thread>

#include "asio_echo_server.hpp"
#include "cpu_pin.hpp"
#include "echo_client.hpp"
#include "report.hpp"
#ifdef AGORA_ECHO_BIN
#include "server_process.hpp"
#endif

namespace agora_bench {

void bench_echo(const options& opt) {
#ifndef AGORA_ECHO_BIN
  (void)opt;
  throw std::runtime_error("agora-echo was not built (AGORA_BUILD_APPS=OFF)");
#else
  echo_load load;
  load.duration = std::chrono::milliseconds(opt.quick ? 200 : 1000);
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  const bool pin = cpus >= 2;
  const unpin_at_exit restore_affinity(pin, cpus);
  // The child first: it must not inherit the baseline's listening socket.
  if (pin) pin_to_cpu(1);  // inherited by agora-echo
  agora_apps::server_process ours(AGORA_ECHO_BIN, {});
  asio_echo_server plain(pin ? 1 : -1);
  if (pin) pin_to_cpu(0);  // the load generator

  double rt_ours = 0, rt_asio = 0, bytes_ours = 0, bytes_asio = 0;
  const int reps = opt.quick ? 1 : std::min(opt.reps, 5);
  for (int r = 0; r < reps; ++r) {  // alternating, best of each
    load.port = ours.port();
    rt_ours = std::max(rt_ours, echo_round_trips(load));
    bytes_ours = std::max(bytes_ours, echo_bytes(load));
    load.port = plain.port();
    rt_asio = std::max(rt_asio, echo_round_trips(load));
    bytes_asio = std::max(bytes_asio, echo_bytes(load));
  }
  emit("echo", "round_trips_per_s", rt_ours, "round trip/s");
  emit("echo", "asio_round_trips_per_s", rt_asio, "round trip/s");
  emit("echo", "round_trips_ratio_vs_asio", rt_ours / rt_asio, "ratio");
  emit("echo", "bytes_per_s", bytes_ours, "B/s");
  emit("echo", "asio_bytes_per_s", bytes_asio, "B/s");
  emit("echo", "bytes_ratio_vs_asio", bytes_ours / bytes_asio, "ratio");
  emit("echo", "ratio_vs_asio", std::min(rt_ours / rt_asio, bytes_ours / bytes_asio), "ratio");
#endif
}

}  // namespace agora_bench
