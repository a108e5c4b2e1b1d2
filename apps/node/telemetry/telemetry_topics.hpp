// The telemetry a node publishes at the cluster level, as messages (so
// nothing crosses a link to a node where nobody subscribes):
//
//   status(NODE, FIELDS)       FIELDS: [incarnation(I), role(R), uptime_ms(N),
//                              load(L), rss_bytes(N), vms(N), actors(N),
//                              endpoints(N), links(N), leader(ID), epoch(E)]
//                              (load and rss_bytes left out when unknown;
//                              leader and epoch 0 while it sees none)
//   metrics(NODE, METRICS)     METRICS: [metric(NAME, counter | gauge,
//                              [label(KEY, VALUE), ...], VALUE), ...]
//   alert(NODE, LEVEL, TEXT)   LEVEL: info, warn or error
//   log(NODE, LEVEL, TEXT)     LEVEL: debug, info, warn or error
//
// Each node also publishes the topics status(NODE, _), metrics(NODE, _),
// alert(NODE, _, _) and log(NODE, _, _), so that a subscriber sees which
// nodes report, and when one goes.
#pragma once

#include <cstdint>
#include <string_view>

#include "agora/log.hpp"
#include "agora/term.hpp"
#include "node_sample.hpp"

namespace agora::node_app::telemetry {

inline term status_topic(term node = _, term fields = _) { return rec("status", std::move(node), std::move(fields)); }
inline term metrics_topic(term node = _, term metrics = _) { return rec("metrics", std::move(node), std::move(metrics)); }
inline term alert_topic(term node = _, term level = _, term text = _) {
  return rec("alert", std::move(node), std::move(level), std::move(text));
}
inline term log_topic(term node = _, term level = _, term text = _) {
  return rec("log", std::move(node), std::move(level), std::move(text));
}

/// The FIELDS of status(NODE, FIELDS).
term status_fields(const node_sample& s);
term status_message(const node_sample& s);
term metrics_message(const node_sample& s);
term alert_message(std::uint64_t node, log_level level, std::string_view text);
term log_message(std::uint64_t node, log_level level, std::string_view text);

/// `text` with every byte that is not part of valid UTF-8 replaced by '?'
/// (a term's string must be valid UTF-8; a log line may quote anything).
std::string valid_utf8(std::string_view text);

}  // namespace agora::node_app::telemetry
