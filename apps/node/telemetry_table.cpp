#include "telemetry_table.hpp"

#include <fmt/format.h>

namespace agora::node_app {

namespace {

/// The value of name(VALUE) among `fields`, as text; "-" when absent.
std::string field(const term& fields, std::string_view name) {
  for (const auto& f : fields.items())
    if (f.is_record(name, 1)) {
      const term& v = f[0];
      if (v.is_symbol()) return std::string(v.as_symbol());
      if (v.is_double()) return fmt::format("{:.2f}", v.as_double());
      if (v.is_int() && name == "rss_bytes") return fmt::format("{:.1f}", v.as_int() / 1048576.0);
      if (v.is_int() && name == "uptime_ms") return fmt::format("{:.0f}", v.as_int() / 1000.0);
      return v.to_string();
    }
  return "-";
}

}  // namespace

std::string telemetry_table(const cluster::cluster_status& s) {
  std::string out;
  for (const auto& m : s.members) {
    if (!m.telemetry) continue;
    if (out.empty())
      out = fmt::format("\n{:>6}  {:<8} {:>8} {:>6} {:>8} {:>4} {:>7} {:>9} {:>5} {:>6} {:>6}\n", "node", "role",
                        "uptime_s", "load", "rss_MiB", "vms", "actors", "endpoints", "links", "leader", "epoch");
    const term& f = *m.telemetry;
    out += fmt::format("{:>6}  {:<8} {:>8} {:>6} {:>8} {:>4} {:>7} {:>9} {:>5} {:>6} {:>6}\n", m.id, field(f, "role"),
                       field(f, "uptime_ms"), field(f, "load"), field(f, "rss_bytes"), field(f, "vms"),
                       field(f, "actors"), field(f, "endpoints"), field(f, "links"), field(f, "leader"),
                       field(f, "epoch"));
  }
  return out;
}

}  // namespace agora::node_app
