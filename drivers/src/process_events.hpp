// What the process driver's I/O side reports to the driver actor. Each runs
// as a turn of the driver (io_shared::report, through io_port::post), so no
// other actor can fake one. Defined with the driver, in process_driver.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "agora/actor.hpp"
#include "agora/log.hpp"
#include "agora/term.hpp"

namespace agora::process::detail::events {

/// Child `serial` was reaped, after the eofs of its output unless it was
/// abandoned: it ends with `why`; `signaled`: by a signal.
void ended(turn_base& t, std::int64_t serial, const term& why, bool signaled);
/// A line for the driver's log.
void log(turn_base& t, log_level level, const std::string& line);

}  // namespace agora::process::detail::events
