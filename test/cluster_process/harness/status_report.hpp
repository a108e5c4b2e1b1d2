// `agora-node status --json` against a running node, its one line read into
// a structure (docs/NODE.md, "agora-node status", gives the fields).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "run_program.hpp"

namespace agora_test {

struct member_report {
  std::string address, state, reason;
  std::uint64_t incarnation = 0;
};

struct link_report {
  std::string address;
  bool dialed = false;
  std::uint64_t incarnation = 0;
  std::int64_t rtt_us = -1;
  std::uint64_t frames_out = 0, frames_in = 0, messages_out = 0, messages_in = 0;
};

struct status_report {
  std::uint64_t node = 0, incarnation = 0;
  std::map<std::uint64_t, member_report> members;  // by id, the node itself included
  std::map<std::uint64_t, link_report> links;      // by peer id

  /// The ids of the members in `state`.
  std::vector<std::uint64_t> in_state(const std::string& state) const {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, m] : members)
      if (m.state == state) ids.push_back(id);
    return ids;
  }
};

/// What one `agora-node status --json` printed, parsed; nullopt (with
/// `why` set) when it failed or printed something else.
inline std::optional<status_report> query_status(const std::string& agora_node, const std::string& address,
                                                 const std::string& secret_file, std::string* why = nullptr) {
  const auto r = run_program(agora_node, {"status", "--connect", address, "--secret-file", secret_file, "--json",
                                          "--timeout", "10"},
                             std::chrono::seconds(20));
  const auto fail = [&](std::string what) -> std::optional<status_report> {
    if (why) *why = what + " (exit " + std::to_string(r.exit_code) + ", stdout: " + r.out + ", stderr: " + r.err + ")";
    return std::nullopt;
  };
  if (r.exit_code != 0) return fail("agora-node status failed");
  try {
    const auto j = nlohmann::json::parse(r.out);
    status_report s;
    s.node = j.at("node").get<std::uint64_t>();
    s.incarnation = j.at("incarnation").get<std::uint64_t>();
    for (const auto& m : j.at("members"))
      s.members[m.at("id").get<std::uint64_t>()] = {m.at("address").get<std::string>(),
                                                    m.at("state").get<std::string>(),
                                                    m.at("reason").get<std::string>(),
                                                    m.at("incarnation").get<std::uint64_t>()};
    for (const auto& l : j.at("links"))
      s.links[l.at("peer").get<std::uint64_t>()] = {
          l.at("address").get<std::string>(),        l.at("dialed").get<bool>(),
          l.at("incarnation").get<std::uint64_t>(),  l.at("rtt_us").get<std::int64_t>(),
          l.at("frames_out").get<std::uint64_t>(),
          l.at("frames_in").get<std::uint64_t>(),    l.at("messages_out").get<std::uint64_t>(),
          l.at("messages_in").get<std::uint64_t>()};
    return s;
  } catch (const std::exception& e) {
    return fail(std::string("unreadable answer: ") + e.what());
  }
}

}  // namespace agora_test
