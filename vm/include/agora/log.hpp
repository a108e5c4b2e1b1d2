// agora::log_sink — where the libraries report what no actor is told about:
// a nested VM's child that failed to start, work posted to a VM that threw,
// a driver's malformed request or failed bind, a shutdown that hangs.
//
//   agora::ground g({.log = [](agora::log_level l, std::string_view line) {
//     if (l >= agora::log_level::warn) my_logger.write(line);
//   }});
//
// Every runtime_config and ground_config has one (log_to_stderr() unless
// set); the VMs of a runtime and the drivers of a ground use it, unless a
// driver is given a sink of its own (driver_options::log).
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace agora {

enum class log_level : std::uint8_t { debug, info, warn, error };

/// "debug", "info", "warn", "error".
std::string_view to_string(log_level level) noexcept;

/// Receives one line per call, without a trailing newline. It is called
/// from whatever thread hit the problem (VM threads, I/O threads, the
/// thread of ground::run), possibly concurrently: it must be thread-safe.
/// An empty sink discards the lines.
using log_sink = std::function<void(log_level, std::string_view line)>;

/// Writes "agora: LINE\n" to stderr, one locked stdio call per line (lines
/// from parallel threads do not interleave).
log_sink log_to_stderr();

/// Hands `line` to `sink` if it is set. A sink that throws is ignored: a
/// report never takes down the code that makes it.
void write_log(const log_sink& sink, log_level level, std::string_view line) noexcept;

}  // namespace agora
