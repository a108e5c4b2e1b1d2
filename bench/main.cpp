// agora-bench [--only NAME]... [--quick] [--reps N] [--caf-threads N] [--install-baselines]
//
// Runs the benchmarks (routing, fanout, churn, memory, timers, trace, cross_vm,
// parallel, echo, cluster, election, jobs, dns, sim) and prints one JSON line per figure on stdout:
//   {"bench":"routing","metric":"msgs_per_s_10","value":12345678,"unit":"msg/s"}
// Baselines (CAF 0.17; for cluster: Erlang, mosquitto, raw TCP as child
// processes; for dns: unbound and dnsmasq) run in the same run, and ratios
// are reported, so figures from a noisy shared machine stay comparable.
// (sim's baseline is real time: it reports how much faster than the wall
// clock a cluster is simulated.)
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "report.hpp"

namespace {

/// The 1-minute load average, for the record: figures taken on a busy,
/// shared machine are noisy, and the note says how busy it was.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  return in >> one ? one : "?";
}

/// scripts/bootstrap.sh --bench: installs what the cluster baselines run
/// (Erlang, mosquitto) and the dns benchmark's programs (nsd, unbound,
/// dnsmasq-base, dnsperf), never done otherwise. Its output goes to stderr,
/// so stdout stays JSON lines.
bool install_baselines() {
  const std::string command = "bash '" AGORA_BOOTSTRAP_SCRIPT "' --bench 1>&2";
  return std::system(command.c_str()) == 0;
}

struct benchmark {
  std::string name;
  void (*run)(const agora_bench::options&);
};

}  // namespace

int main(int argc, char** argv) {
  using namespace agora_bench;
  const std::vector<benchmark> all = {
      {"routing", bench_routing},
      {"fanout", bench_fanout},
      {"churn", bench_churn},
      {"memory", bench_memory},
      {"trace", bench_trace},
      {"timers", bench_timers},
      {"cross_vm", bench_cross_vm},
      {"parallel", bench_parallel},
#ifdef AGORA_ECHO_BIN  // agora-echo is built (AGORA_BUILD_APPS)
      {"echo", bench_echo},
#endif
      {"cluster", bench_cluster},
      {"election", bench_election},
      {"jobs", bench_jobs},
      {"dns", bench_dns},
      {"sim", bench_sim},
  };
  std::vector<std::string> names;
  for (const auto& b : all) names.push_back(b.name);

  options opt;
  std::vector<std::string> only;
  bool install = false;
  CLI::App app{"agora-bench: agora throughput, churn and memory, side by side with CAF 0.17.\n"
               "Prints one JSON line per figure: {\"bench\", \"metric\", \"value\", \"unit\"}."};
  app.add_option("--only", only, "run only this benchmark (repeatable)")
      ->check(CLI::IsMember(names));
  app.add_flag("--quick", opt.quick, "small iteration counts: a smoke run, not a measurement");
  app.add_option("--reps", opt.reps,
                 "timed repetitions per figure; the best is reported (dns: interleaved rounds, the median "
                 "reported; 3 unless given)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--caf-threads", opt.caf_threads,
                 "CAF scheduler threads for the baselines (0: one per core)")
      ->capture_default_str();
  app.add_flag("--install-baselines", install,
               "first install the programs the cluster baselines and the jobs and dns benchmarks run "
               "(scripts/bootstrap.sh --bench: erlang-base, mosquitto, mosquitto-clients, libmosquitto-dev, "
               "python3-minimal, gnuplot-nox, nsd, unbound, dnsmasq-base, dnsperf)");
  CLI11_PARSE(app, argc, argv);
  if (install && !install_baselines()) {
    note("--install-baselines: scripts/bootstrap.sh --bench failed");
    return 1;
  }
  opt.reps_given = app.count("--reps") > 0;
  if (opt.quick && !opt.reps_given) opt.reps = 2;

  note("{} hardware threads, load average {}, {} repetitions per figure (best reported; jobs and dns say how they count)",
       std::thread::hardware_concurrency(), load_average(), opt.reps);
  int failures = 0;
  for (const auto& b : all) {
    if (!only.empty() && std::find(only.begin(), only.end(), b.name) == only.end()) continue;
    note("{} ...", b.name);
    auto start = bench_clock::now();
    try {
      b.run(opt);
    } catch (const std::exception& e) {
      note("{} FAILED: {}", b.name, e.what());
      ++failures;
      continue;
    }
    note("{} done in {:.1f} s (load average {})", b.name, seconds_since(start), load_average());
  }
  return failures == 0 ? 0 : 1;
}
