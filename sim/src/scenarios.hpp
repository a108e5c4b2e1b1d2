// The scenarios behind run_scenario(), one file each.
#pragma once

#include "agora/sim/scenario.hpp"

namespace agora::sim::detail {

scenario_result run_presence(const scenario_options& options);
scenario_result run_election(const scenario_options& options);
scenario_result run_jobs(const scenario_options& options);

}  // namespace agora::sim::detail
