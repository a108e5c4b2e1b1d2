// agora-bench: options, JSON output and timing helpers shared by every
// benchmark. No CAF here (see caf_baselines.hpp).
//
// Output: one JSON object per line on stdout, exactly four keys:
//   {"bench":"routing","metric":"msgs_per_s_10","value":12345678,"unit":"msg/s"}
// Progress and notes go to stderr, so stdout stays machine-readable.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace agora_bench {

struct options {
  bool quick = false;       // smaller iteration counts (smoke run)
  int reps = 9;             // timed repetitions per figure; the best is reported
  bool reps_given = false;  // --reps was on the command line (dns has its own default)
  std::size_t caf_threads = 0;  // CAF scheduler threads; 0: one per core
};

// ---- JSON -----------------------------------------------------------------------

/// A JSON string literal (quotes included) for s.
inline std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) out += fmt::format("\\u{:04x}", c);
        else out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// A JSON number for v: integral when |v| >= 100, else 4 significant
/// digits; `null` for NaN and infinities, which JSON cannot express.
inline std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  if (std::fabs(v) >= 100) return fmt::format("{:.0f}", v);
  return fmt::format("{:.4g}", v);
}

/// Prints one figure as a JSON line on stdout (flushed at once, so a crash
/// later in the run keeps what was measured).
inline void emit(std::string_view bench, std::string_view metric, double value,
                 std::string_view unit) {
  fmt::print("{{\"bench\":{},\"metric\":{},\"value\":{},\"unit\":{}}}\n", json_string(bench),
             json_string(metric), json_number(value), json_string(unit));
  std::fflush(stdout);
}

/// A note for people, on stderr.
template <class... Args>
void note(fmt::format_string<Args...> f, Args&&... args) {
  fmt::print(stderr, "agora-bench: {}\n", fmt::format(f, std::forward<Args>(args)...));
  std::fflush(stderr);
}

// ---- timing ---------------------------------------------------------------------

using bench_clock = std::chrono::steady_clock;

inline double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

/// Runs f() `reps` times; f returns the seconds its timed part took (so that
/// untimed setup stays out). Returns the best (smallest) time: on a shared,
/// noisy machine the minimum is the figure least disturbed by other load.
template <class F>
double best_of(int reps, F&& f) {
  double best = INFINITY;
  for (int i = 0; i < std::max(reps, 1); ++i) best = std::min(best, static_cast<double>(f()));
  return best;
}

// ---- heap accounting ---------------------------------------------------------------

/// Bytes in use on the heap now (glibc mallinfo2: uordblks + hblkhd, summed
/// over all arenas).
std::size_t heap_in_use();

// ---- the benchmarks (one per .cpp) ------------------------------------------------

void bench_routing(const options& opt);
void bench_fanout(const options& opt);
void bench_churn(const options& opt);
void bench_memory(const options& opt);
void bench_trace(const options& opt);
void bench_timers(const options& opt);
void bench_cross_vm(const options& opt);
void bench_parallel(const options& opt);
void bench_echo(const options& opt);  // needs agora-echo (AGORA_BUILD_APPS)
void bench_cluster(const options& opt);
void bench_election(const options& opt);  // needs agora-node (AGORA_BUILD_APPS)
void bench_jobs(const options& opt);      // needs agora-node, python3 and root (cgroups)
void bench_dns(const options& opt);      // needs agora-dns, nsd and dnsperf; unbound, dnsmasq as peers
void bench_sim(const options& opt);      // the deterministic simulation (agora/sim)  // baselines need erlang-base, mosquitto (bootstrap.sh --bench)

}  // namespace agora_bench
