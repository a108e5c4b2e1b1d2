#include "agora/sim/scenario.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "scenarios.hpp"

namespace agora::sim {

namespace {

struct entry {
  std::string_view name;
  scenario_result (*run)(const scenario_options&);
};
constexpr entry all[] = {
    {"election", detail::run_election},
    {"jobs", detail::run_jobs},
    {"presence", detail::run_presence},
};

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", c);
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string scenario_result::to_json() const {
  return fmt::format(
      "{{\"scenario\": {}, \"seed\": {}, \"nodes\": {}, \"simulated_s\": {:.3f}, \"events\": {}, "
      "\"trace_hash\": {}, \"violations\": {}}}",
      json_string(scenario), seed, nodes, simulated_s, events, json_string(trace_hash),
      violations.size());
}

std::vector<std::string> scenario_names() {
  std::vector<std::string> names;
  for (const auto& e : all) names.emplace_back(e.name);
  return names;
}

scenario_result run_scenario(std::string_view name, const scenario_options& options) {
  for (const auto& e : all)
    if (e.name == name) return e.run(options);
  std::string known;
  for (const auto& e : all) known += fmt::format("{}{}", known.empty() ? "" : ", ", e.name);
  throw std::invalid_argument(fmt::format("unknown scenario \"{}\" (known: {})", name, known));
}

std::string replay_command(std::string_view name, const scenario_options& o,
                           std::string_view trace_file) {
  return fmt::format("agora-sim --scenario {} --nodes {} --seed {} --seconds {}{} --trace {}", name,
                     o.nodes, o.seed, fmt::format("{:g}", o.duration.count() / 1000.0),
                     o.faults ? " --faults" : "", trace_file);
}

}  // namespace agora::sim
