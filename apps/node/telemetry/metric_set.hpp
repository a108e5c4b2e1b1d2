// A node's metrics as a list of named values (counters and gauges, with
// labels), made from a sample; rendered as the Prometheus text exposition
// format (/metrics) and as the metrics(NODE, METRICS) message's term.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agora/term.hpp"
#include "node_sample.hpp"

namespace agora::node_app {

struct metric {
  std::string name;  // [a-zA-Z_:][a-zA-Z0-9_:]*
  std::string help;
  enum class kind { counter, gauge } type = kind::gauge;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

std::vector<metric> metrics_of(const node_sample& s);

/// The Prometheus text exposition format (version 0.0.4): # HELP and # TYPE
/// once per name, then its samples.
std::string to_prometheus(const std::vector<metric>& metrics);

/// [metric(NAME, counter | gauge, [label(KEY, VALUE), ...], VALUE), ...]
term to_term(const std::vector<metric>& metrics);

}  // namespace agora::node_app
