// The scenarios as CI runs them (thousands of seeds run through agora-sim
// in ctest; here a few, in process): clean, deterministic per seed, and
// different across seeds; the JSON line and the replay command.
#include <doctest/doctest.h>

#include <string>

#include "agora/sim/scenario.hpp"

using namespace std::chrono_literals;

namespace {

/// Five nodes for 20 simulated seconds (any scenario).
agora::sim::scenario_options presence(std::uint64_t seed, bool faults) {
  return {.nodes = 5, .seed = seed, .duration = 20s, .faults = faults};
}

}  // namespace

TEST_CASE("presence with faults: no violations over a few seeds, a failure names its replay") {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const auto o = presence(seed, true);
    const auto r = agora::sim::run_scenario("presence", o);
    INFO("replay: ", agora::sim::replay_command("presence", o));
    for (auto& v : r.violations) INFO(v);
    CHECK(r.violations.empty());
    CHECK(r.simulated_s == doctest::Approx(20.0));
    CHECK(r.events > 1000);
  }
}

TEST_CASE("a seed replays the same run, event for event, another seed differs") {
  const auto a = agora::sim::run_scenario("presence", presence(77, true));
  const auto b = agora::sim::run_scenario("presence", presence(77, true));
  const auto c = agora::sim::run_scenario("presence", presence(78, true));
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.events == b.events);
  CHECK(a.trace_hash != c.trace_hash);
}

TEST_CASE("jobs with faults: a seed replays the same run, with processes, retries and the client's loss") {
  const auto a = agora::sim::run_scenario("jobs", presence(41, true));
  const auto b = agora::sim::run_scenario("jobs", presence(41, true));
  CHECK(a.violations.empty());
  CHECK(a.trace_hash == b.trace_hash);
  CHECK(a.events == b.events);
}

TEST_CASE("the result line and the replay command") {
  agora::sim::scenario_result r;
  r.scenario = "presence";
  r.seed = 3;
  r.nodes = 5;
  r.simulated_s = 30;
  r.events = 1234;
  r.trace_hash = "00ff00ff00ff00ff";
  r.violations = {"x", "y"};
  CHECK(r.to_json() ==
        R"({"scenario": "presence", "seed": 3, "nodes": 5, "simulated_s": 30.000, )"
        R"("events": 1234, "trace_hash": "00ff00ff00ff00ff", "violations": 2})");
  CHECK(agora::sim::replay_command("presence", {.nodes = 4, .seed = 9, .duration = 25s,
                                                .faults = true}) ==
        "agora-sim --scenario presence --nodes 4 --seed 9 --seconds 25 --faults --trace trace.txt");
}

TEST_CASE("unknown scenarios and impossible options are refused with a clear error") {
  CHECK_THROWS_WITH_AS(agora::sim::run_scenario("nope", {}),
                       doctest::Contains("unknown scenario \"nope\" (known: election, jobs, presence)"),
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(agora::sim::run_scenario("presence", {.duration = 5s}),
                       doctest::Contains("--seconds must be at least"), std::invalid_argument);
  CHECK_THROWS_AS(agora::sim::run_scenario("presence", {.nodes = 0}), std::invalid_argument);
}
