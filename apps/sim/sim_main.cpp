// agora-sim — runs a scenario of the deterministic simulation (agora/sim):
// a whole cluster in this process, every run a function of its seed.
//
//   agora-sim --scenario presence --nodes 5 --seeds 1..1000 --faults
//   agora-sim --scenario presence --seed 17 --faults --trace trace.txt
//
// Each run prints one JSON line on stdout:
//   {"scenario": "...", "seed": S, "nodes": N, "simulated_s": T,
//    "events": E, "trace_hash": "...", "violations": V}
// A run with violations also prints them on stderr, with the command that
// replays it with a full trace. Exit status: 0 no violations, 1 some, 2
// usage.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "agora/sim/scenario.hpp"
#include "seed_range.hpp"

namespace {

std::string names_list() {
  std::string s;
  for (auto& n : agora::sim::scenario_names()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"agora-sim: a whole agora cluster in one process, deterministic per seed"};
  std::string scenario, seeds_text, trace_file;
  std::size_t nodes = 5;
  std::uint64_t seed = 1;
  double seconds = 30;
  bool faults = false, trace_turns = false;
  app.add_option("--scenario", scenario, "what to run: " + names_list())->required();
  app.add_option("--nodes", nodes, "cluster size")->check(CLI::Range(1, 64));
  auto* one = app.add_option("--seed", seed, "the seed of one run");
  app.add_option("--seeds", seeds_text, "a range of seeds A..B, one run each")->excludes(one);
  app.add_option("--seconds", seconds, "virtual seconds per run")->check(CLI::Range(0.001, 1e7));
  app.add_flag("--faults", faults, "let the nemesis loose (crashes, pauses, partitions, ...)");
  app.add_option("--trace", trace_file, "write the readable trace of the run to FILE");
  app.add_flag("--trace-turns", trace_turns, "with --trace: every VM turn as well");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  agora::sim_cli::seed_range range{seed, seed};
  if (!seeds_text.empty()) {
    auto parsed = agora::sim_cli::parse_seed_range(seeds_text);
    if (!parsed.range) {
      std::cerr << "agora-sim: " << parsed.error << "\n";
      return 2;
    }
    range = *parsed.range;
  }
  if (!trace_file.empty() && range.first != range.last) {
    std::cerr << "agora-sim: --trace takes one run (--seed S), not a range\n";
    return 2;
  }
  std::unique_ptr<std::ofstream> trace_out;
  if (!trace_file.empty()) {
    trace_out = std::make_unique<std::ofstream>(trace_file);
    if (!*trace_out) {
      std::cerr << "agora-sim: cannot write the trace to " << trace_file << "\n";
      return 2;
    }
  }

  int failed = 0;
  for (std::uint64_t s = range.first;; ++s) {
    agora::sim::scenario_options o;
    o.nodes = nodes;
    o.seed = s;
    o.duration = std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
    o.faults = faults;
    o.trace_turns = trace_turns;
    if (trace_out) o.trace = [&out = *trace_out](std::string_view l) { out << l << '\n'; };
    agora::sim::scenario_result r;
    try {
      r = agora::sim::run_scenario(scenario, o);
    } catch (const std::invalid_argument& e) {
      std::cerr << "agora-sim: " << e.what() << "\n";
      return 2;
    }
    std::cout << r.to_json() << std::endl;
    if (!r.violations.empty()) {
      ++failed;
      std::cerr << fmt::format("agora-sim: seed {}: {} violation(s):\n", s, r.violations.size());
      for (auto& v : r.violations) std::cerr << "  " << v << "\n";
      std::cerr << "replay with a full trace: " << agora::sim::replay_command(scenario, o) << "\n";
    }
    if (s == range.last) break;
  }
  if (range.first != range.last)
    std::cerr << fmt::format("agora-sim: {} of {} seeds had violations\n", failed,
                             range.last - range.first + 1);
  return failed ? 1 : 0;
}
