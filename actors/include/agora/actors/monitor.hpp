// Invisible observers that report, as lines of text, what happens on a topic.
// Useful for transcripts, logs and debugging.
//
//   vm.spawn(agora::actors::monitor(rec("present", _), [](std::string_view line) {
//     std::cout << line << '\n';
//   }));
//
// monitor(topic): publishers of overlapping topics appearing and leaving, and
// every message matching topic:
//   + present("alice")
//   - present("alice") quit
//   message said("alice", "hi")
//
// demand_monitor(topic): subscribers (the demand side) appearing and leaving,
// and every feedback matching topic:
//   + demand chan(_)
//   - demand chan(_) crashed("...")
//   feedback credit(3)
//
// Both use interest `everything`: they see participants and observers, and
// only other `everything` endpoints see them. (So a monitor and a
// demand_monitor on overlapping topics see each other.)
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "agora/actor.hpp"
#include "agora/term.hpp"

namespace agora::actors {

using line_sink = std::function<void(std::string_view line)>;

actor_spec monitor(term topic, line_sink sink, std::string name = "monitor");
actor_spec demand_monitor(term topic, line_sink sink, std::string name = "demand-monitor");

}  // namespace agora::actors
