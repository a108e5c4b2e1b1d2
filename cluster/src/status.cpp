#include "agora/cluster/status.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace agora::cluster {

namespace {

std::int64_t i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

bool non_negative_int(const term& t) { return t.is_int() && t.as_int() >= 0; }

}  // namespace

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
                       {"reason", m.reason}});
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
  // Invalid UTF-8 (a reason quoting garbage) is replaced, not thrown.
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

std::string to_text(const cluster_status& s) {
  std::string out = fmt::format("node {} (incarnation {})\n", s.node, s.incarnation);
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
  return rec("cluster_status", i64(s.node), i64(s.incarnation), term::sequence(std::move(members)),
             term::sequence(std::move(links)));
}

std::optional<cluster_status> status_from_term(const term& t) {
  if (!t.is_record("cluster_status", 4) || !non_negative_int(t[0]) || !non_negative_int(t[1]) ||
      !t[2].is_sequence() || !t[3].is_sequence())
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
                         std::string(m[4].as_string())});
  }
  for (const auto& l : t[3].items()) {
    if (!l.is_record("link", 11) || !l[2].is_string() || !l[3].is_bool() || !l[4].is_int())
      return std::nullopt;
    for (std::size_t i : {0u, 1u, 5u, 6u, 7u, 8u, 9u, 10u})
      if (!non_negative_int(l[i])) return std::nullopt;
    auto u = [&](std::size_t i) { return static_cast<std::uint64_t>(l[i].as_int()); };
    s.links.push_back({u(0), u(1), std::string(l[2].as_string()), l[3].as_bool(), l[4].as_int(),
                       {u(5), u(6), u(7), u(8), u(9), u(10)}});
  }
  return s;
}

}  // namespace agora::cluster
