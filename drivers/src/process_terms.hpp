// The process driver's reasons (why process(ID, COMMAND) goes away) and its
// bounds. Internal to the driver.
#pragma once

#include <cstdint>
#include <string_view>

#include "agora/term.hpp"

namespace agora::process {

/// Longest accepted TIMEOUT_MS / GRACE_MS: 100 years.
inline constexpr std::int64_t max_duration_ms = 3'155'760'000'000;

namespace detail {

term reason_exited(std::int64_t code);      // exited(CODE)
term reason_killed(std::int64_t signal);    // killed(SIGNAL)
term reason_timeout();                      // timeout
term reason_failed(std::string_view what);  // failed("what")
term reason_too_slow(std::string_view what);  // too_slow("what")

}  // namespace detail

}  // namespace agora::process
