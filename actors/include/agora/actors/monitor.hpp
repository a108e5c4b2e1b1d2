// agora::actors::monitor — an invisible observer that reports, as lines of
// text, every flow of a topic appearing and disappearing and every message
// and feedback matching it. Useful for transcripts, logs and debugging.
//
//   vm.spawn(agora::actors::monitor(rec("present", _), [](std::string_view line) {
//     std::cout << line << '\n';
//   }));
//
// Lines look like:
//   + publisher present("alice")
//   - publisher present("alice") quit
//   message said("alice", "hi")
//   feedback credit(3)
//
// Its endpoints have interest `everything`, so it sees participants and
// observers of both roles, and nobody but other `everything` endpoints
// sees it.
#pragma once

#include <functional>
#include <string_view>

#include "agora/actor.hpp"
#include "agora/term.hpp"

namespace agora::actors {

using line_sink = std::function<void(std::string_view line)>;

actor_spec monitor(term topic, line_sink sink, std::string name = "monitor");

}  // namespace agora::actors
