#include "metric_set.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>

namespace agora::node_app {

namespace {

using labels = std::vector<std::pair<std::string, std::string>>;

class builder {
 public:
  void counter(std::string name, std::string help, double v, labels l = {}) {
    out.push_back({std::move(name), std::move(help), metric::kind::counter, std::move(l), v});
  }
  void gauge(std::string name, std::string help, double v, labels l = {}) {
    out.push_back({std::move(name), std::move(help), metric::kind::gauge, std::move(l), v});
  }
  std::vector<metric> out;
};

std::string escaped(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

double d(std::uint64_t v) { return static_cast<double>(v); }

}  // namespace

std::vector<metric> metrics_of(const node_sample& s) {
  builder b;
  b.gauge("agora_node_uptime_seconds", "Seconds since the node started.", s.uptime.count() / 1000.0);
  if (s.process.load1) b.gauge("agora_node_load1", "The machine's 1-minute load average.", *s.process.load1);
  if (s.process.rss_bytes)
    b.gauge("agora_node_resident_memory_bytes", "Resident memory of the node's process.", d(*s.process.rss_bytes));
  b.gauge("agora_vms", "VMs run by the ground (itself included).", d(s.vms));
  b.gauge("agora_actors", "Live actors in the ground VM.", d(s.ground.actors));
  b.gauge("agora_endpoints", "Live endpoints in the ground VM.", d(s.ground.endpoints));
  b.gauge("agora_ground_queued_events", "Events waiting in the ground VM's queue.", d(s.ground.queued));
  b.counter("agora_ground_turns_total", "Turns run by the ground VM.", d(s.ground.turns));
  b.counter("agora_ground_deliveries_total", "Events delivered to handlers in the ground VM.",
            d(s.ground.events_delivered));
  b.counter("agora_ground_crashes_total", "Turns that threw in the ground VM.", d(s.ground.crashes));
  for (const char* state : {"up", "lost", "left"}) {
    std::size_t n = 0;
    for (const auto& m : s.cluster.members) n += m.state == state;
    b.gauge("agora_members", "Members this node knows, by state (itself included).", d(n), {{"state", state}});
  }
  for (const auto& l : s.cluster.links) {
    const labels peer{{"peer", std::to_string(l.peer)}};
    const auto& c = l.counters;
    b.counter("agora_link_messages_out_total", "Messages and feedback sent over the link.", d(c.messages_out), peer);
    b.counter("agora_link_messages_in_total", "Messages and feedback received over the link.", d(c.messages_in), peer);
    b.counter("agora_link_bytes_out_total", "Bytes of frames sent over the link.", d(c.bytes_out), peer);
    b.counter("agora_link_bytes_in_total", "Bytes of frames received over the link.", d(c.bytes_in), peer);
    b.counter("agora_link_frames_out_total", "Frames sent over the link.", d(c.frames_out), peer);
    b.counter("agora_link_frames_in_total", "Frames received over the link.", d(c.frames_in), peer);
    b.gauge("agora_link_send_queue_bytes", "Bytes waiting in the link's send queue.", d(l.queued_bytes), peer);
    if (l.rtt_us >= 0)
      b.gauge("agora_link_rtt_seconds", "The link's last ping round trip.", static_cast<double>(l.rtt_us) / 1e6, peer);
  }
  b.gauge("agora_leader_id", "The leader this node sees (0: none).", s.cluster.leader ? d(s.cluster.leader->id) : 0);
  b.gauge("agora_leader_epoch", "The epoch of the leader this node sees (0: none).",
          s.cluster.leader ? d(s.cluster.leader->epoch) : 0);
  b.counter("agora_elections_total", "Leaders this node saw take over (a new id or epoch).", d(s.leader_changes));
  b.counter("agora_telemetry_log_lines_dropped_total", "Log lines not published, beyond the rate bound.",
            d(s.log_lines_dropped));
  return b.out;
}

std::string to_prometheus(const std::vector<metric>& metrics) {
  // Each name's samples together, the names in the order they first come.
  std::vector<std::string> names;
  std::map<std::string, std::vector<const metric*>> by_name;
  for (const auto& m : metrics) {
    auto& list = by_name[m.name];
    if (list.empty()) names.push_back(m.name);
    list.push_back(&m);
  }
  std::string out;
  for (const auto& name : names) {
    const auto& list = by_name[name];
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, list.front()->help, name,
                       list.front()->type == metric::kind::counter ? "counter" : "gauge");
    for (const metric* m : list) {
      out += name;
      if (!m->labels.empty()) {
        out += '{';
        for (std::size_t i = 0; i < m->labels.size(); ++i)
          out += fmt::format("{}{}=\"{}\"", i ? "," : "", m->labels[i].first, escaped(m->labels[i].second));
        out += '}';
      }
      out += ' ' + number(m->value) + '\n';
    }
  }
  return out;
}

term to_term(const std::vector<metric>& metrics) {
  std::vector<term> items;
  for (const auto& m : metrics) {
    std::vector<term> ls;
    for (const auto& [k, v] : m.labels) ls.push_back(rec("label", sym(k), v));
    const bool whole = std::floor(m.value) == m.value && std::abs(m.value) < 9e15;
    items.push_back(rec("metric", sym(m.name), sym(m.type == metric::kind::counter ? "counter" : "gauge"),
                        term::sequence(std::move(ls)),
                        whole ? term::integer(static_cast<std::int64_t>(m.value)) : term::real(m.value)));
  }
  return term::sequence(std::move(items));
}

}  // namespace agora::node_app
