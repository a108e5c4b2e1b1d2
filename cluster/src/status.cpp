#include "agora/cluster/status.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace agora::cluster {

namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

bool non_negative_int(const term& t) { return t.is_int() && t.as_int() >= 0; }

nlohmann::ordered_json value_json(const term& v) {
  switch (v.kind()) {
    case kind::boolean: return v.as_bool();
    case kind::integer: return v.as_int();
    case kind::real: return v.as_double();
    case kind::string: return std::string(v.as_string());
    case kind::symbol: return std::string(v.as_symbol());
    case kind::sequence: {
      auto a = nlohmann::ordered_json::array();
      for (const auto& item : v.items()) a.push_back(value_json(item));
      return a;
    }
    default: return v.to_string();
  }
}

nlohmann::ordered_json fields_json(const term& fields) {
  auto o = nlohmann::ordered_json::object();
  for (const auto& f : fields.items())
    if (f.is_record() && f.size() == 1) o[std::string(f.label())] = value_json(f[0]);
  return o;
}

std::string dump(const nlohmann::ordered_json& j) {
  // Invalid UTF-8 (a reason quoting garbage) is replaced, not thrown.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

/// A sequence of name(VALUE) records: what member telemetry must be.
bool telemetry_fields(const term& t) {
  if (!t.is_sequence()) return false;
  for (const auto& f : t.items())
    if (!f.is_record() || f.size() != 1) return false;
  return true;
}

}  // namespace

std::string telemetry_json(const term& fields) { return dump(fields_json(fields)); }

std::string to_json(const cluster_status& s) {
  nlohmann::ordered_json j;
  j["node"] = s.node;
  j["incarnation"] = s.incarnation;
  auto& members = j["members"] = nlohmann::ordered_json::array();
  for (const auto& m : s.members)
    members.push_back({{"id", m.id},
                       {"address", m.address},
                       {"state", m.state},
                       {"incarnation", m.incarnation},
                       {"reason", m.reason},
                       {"status", m.telemetry ? fields_json(*m.telemetry) : nlohmann::ordered_json()}});
  auto& links = j["links"] = nlohmann::ordered_json::array();
  for (const auto& l : s.links)
    links.push_back({{"peer", l.peer},
                     {"incarnation", l.incarnation},
                     {"address", l.address},
                     {"dialed", l.dialed},
                     {"rtt_us", l.rtt_us},
                     {"frames_out", l.counters.frames_out},
                     {"frames_in", l.counters.frames_in},
                     {"messages_out", l.counters.messages_out},
                     {"messages_in", l.counters.messages_in},
                     {"bytes_out", l.counters.bytes_out},
                     {"bytes_in", l.counters.bytes_in}});
  j["leader"] = s.leader ? nlohmann::ordered_json{{"id", s.leader->id}, {"epoch", s.leader->epoch}}
                         : nlohmann::ordered_json();
  auto& jobs = j["jobs"] = nlohmann::ordered_json::array();
  for (const auto& job : s.jobs) {
    auto running = nlohmann::ordered_json::object();
    for (const auto& [node, count] : job.running) running[std::to_string(node)] = count;
    jobs.push_back({{"id", job.id}, {"parts", job.parts}, {"done", job.done}, {"running", running}, {"state", job.state}});
  }
  return dump(j);
}

std::string to_text(const cluster_status& s) {
  std::string out = fmt::format("node {} (incarnation {})\n", s.node, s.incarnation);
  out += s.leader ? fmt::format("leader: node {} (epoch {})\n", s.leader->id, s.leader->epoch) : "leader: none seen\n";
  out += fmt::format("{:>6}  {:<22} {:<5} {:>18}  {}\n", "id", "address", "state", "incarnation",
                     "reason");
  for (const auto& m : s.members)
    out += fmt::format("{:>6}  {:<22} {:<5} {:>18}  {}\n", m.id, m.address, m.state,
                       m.incarnation, m.reason);
  if (!s.links.empty()) {
    out += fmt::format("\n{:>6}  {:>8}  {:>12} {:>12}  {:>12} {:>12}\n", "link", "rtt_us",
                       "msgs_out", "msgs_in", "bytes_out", "bytes_in");
    for (const auto& l : s.links)
      out += fmt::format("{:>6}  {:>8}  {:>12} {:>12}  {:>12} {:>12}\n", l.peer, l.rtt_us,
                         l.counters.messages_out, l.counters.messages_in, l.counters.bytes_out,
                         l.counters.bytes_in);
  }
  if (!s.jobs.empty()) {
    out += fmt::format("\n{:<24} {:>7} {:>7}  {:<10} {}\n", "job", "parts", "done", "state", "running (node: parts)");
    for (const auto& j : s.jobs) {
      std::string running;
      for (const auto& [node, count] : j.running) running += fmt::format("{}{}: {}", running.empty() ? "" : ", ", node, count);
      out += fmt::format("{:<24} {:>7} {:>7}  {:<10} {}\n", j.id, j.parts, j.done, j.state, running);
    }
  }
  return out;
}

term to_term(const cluster_status& s) {
  std::vector<term> members;
  for (const auto& m : s.members)
    members.push_back(rec("member", i64(m.id), m.address, sym(m.state), i64(m.incarnation), m.reason));
  std::vector<term> links;
  for (const auto& l : s.links) {
    const auto& c = l.counters;
    links.push_back(rec("link", i64(l.peer), i64(l.incarnation), l.address, l.dialed, l.rtt_us,
                        i64(c.frames_out), i64(c.frames_in), i64(c.messages_out),
                        i64(c.messages_in), i64(c.bytes_out), i64(c.bytes_in)));
  }
  const term leader = s.leader ? rec("leader", i64(s.leader->id), i64(s.leader->epoch)) : sym("none");
  std::vector<term> telemetry;
  for (const auto& m : s.members)
    if (m.telemetry) telemetry.push_back(rec("telemetry", i64(m.id), *m.telemetry));
  std::vector<term> jobs;
  for (const auto& j : s.jobs) {
    std::vector<term> running;
    for (const auto& [node, count] : j.running) running.push_back(rec("on", i64(node), count));
    jobs.push_back(rec("job", j.id, j.parts, j.done, term::sequence(std::move(running)), j.state));
  }
  return rec("cluster_status", i64(s.node), i64(s.incarnation), term::sequence(std::move(members)),
             term::sequence(std::move(links)), leader, term::sequence(std::move(telemetry)),
             term::sequence(std::move(jobs)));
}

std::optional<cluster_status> status_from_term(const term& t) {
  if (!(t.is_record("cluster_status", 4) || t.is_record("cluster_status", 6) || t.is_record("cluster_status", 7)) ||
      !non_negative_int(t[0]) ||
      !non_negative_int(t[1]) || !t[2].is_sequence() || !t[3].is_sequence())
    return std::nullopt;
  cluster_status s;
  s.node = static_cast<std::uint64_t>(t[0].as_int());
  s.incarnation = static_cast<std::uint64_t>(t[1].as_int());
  for (const auto& m : t[2].items()) {
    if (!m.is_record("member", 5) || !non_negative_int(m[0]) || !m[1].is_string() ||
        !m[2].is_symbol() || !non_negative_int(m[3]) || !m[4].is_string())
      return std::nullopt;
    s.members.push_back({static_cast<std::uint64_t>(m[0].as_int()), std::string(m[1].as_string()),
                         std::string(m[2].as_symbol()), static_cast<std::uint64_t>(m[3].as_int()),
                         std::string(m[4].as_string()), {}});
  }
  for (const auto& l : t[3].items()) {
    if (!l.is_record("link", 11) || !l[2].is_string() || !l[3].is_bool() || !l[4].is_int())
      return std::nullopt;
    for (std::size_t i : {0u, 1u, 5u, 6u, 7u, 8u, 9u, 10u})
      if (!non_negative_int(l[i])) return std::nullopt;
    auto u = [&](std::size_t i) { return static_cast<std::uint64_t>(l[i].as_int()); };
    s.links.push_back({u(0), u(1), std::string(l[2].as_string()), l[3].as_bool(), l[4].as_int(),
                       {u(5), u(6), u(7), u(8), u(9), u(10)}, 0});
  }
  if (t.size() >= 6) {
    const term& leader = t[4];
    if (leader.is_record("leader", 2) && non_negative_int(leader[0]) && non_negative_int(leader[1]))
      s.leader = leader_status{static_cast<std::uint64_t>(leader[0].as_int()),
                               static_cast<std::uint64_t>(leader[1].as_int())};
    else if (!(leader.is_symbol() && leader.as_symbol() == "none"))
      return std::nullopt;
    if (!t[5].is_sequence()) return std::nullopt;
    for (const auto& e : t[5].items()) {
      if (!e.is_record("telemetry", 2) || !non_negative_int(e[0]) || !telemetry_fields(e[1])) return std::nullopt;
      const auto id = static_cast<std::uint64_t>(e[0].as_int());
      auto m = std::find_if(s.members.begin(), s.members.end(), [&](const auto& x) { return x.id == id; });
      if (m != s.members.end()) m->telemetry = e[1];
    }
  }
  if (t.size() == 7) {
    if (!t[6].is_sequence()) return std::nullopt;
    for (const auto& j : t[6].items()) {
      if (!j.is_record("job", 5) || !j[0].is_string() || !non_negative_int(j[1]) || !non_negative_int(j[2]) ||
          !j[3].is_sequence() || !j[4].is_string())
        return std::nullopt;
      job_status js{std::string(j[0].as_string()), j[1].as_int(), j[2].as_int(), {}, std::string(j[4].as_string())};
      for (const auto& r : j[3].items()) {
        if (!r.is_record("on", 2) || !non_negative_int(r[0]) || !non_negative_int(r[1])) return std::nullopt;
        js.running.emplace_back(static_cast<std::uint64_t>(r[0].as_int()), r[1].as_int());
      }
      s.jobs.push_back(std::move(js));
    }
  }
  return s;
}

}  // namespace agora::cluster
