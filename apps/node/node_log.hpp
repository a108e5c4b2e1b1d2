// agora-node's own log: one line per event on stdout (where the banner is,
// so that scripts and tests read one stream), below a threshold dropped.
// Tests may give it a sink of their own instead.
#pragma once

#include <fmt/core.h>

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "agora/log.hpp"

namespace agora::node_app {

/// The libraries' levels (agora/log.hpp, with to_string) serve here too.
using agora::log_level;

/// "debug", "info", "warn" or "error"; nullopt for anything else.
inline std::optional<log_level> parse_log_level(std::string_view s) noexcept {
  for (auto l : {log_level::debug, log_level::info, log_level::warn, log_level::error})
    if (s == to_string(l)) return l;
  return std::nullopt;
}

/// Writes "PREFIX: LEVEL: text" lines at or above `threshold`. A value: copy
/// it into the handlers that log.
class node_log {
 public:
  using sink = std::function<void(std::string_view line)>;
  /// Also told every line, at any level, without the prefix (telemetry).
  using tee = std::function<void(log_level, std::string_view text)>;

  /// `to` receives each line without its newline; empty: standard output.
  node_log(std::string prefix, log_level threshold, sink to = {}, tee also = {})
      : prefix_(std::move(prefix)), threshold_(threshold), sink_(std::move(to)), tee_(std::move(also)) {}

  bool enabled(log_level l) const noexcept { return l >= threshold_; }

  template <class... Args>
  void write(log_level l, fmt::format_string<Args...> f, Args&&... args) const {
    if (!enabled(l) && !tee_) return;
    const std::string text = fmt::format(f, std::forward<Args>(args)...);
    if (tee_) tee_(l, text);
    if (!enabled(l)) return;
    const std::string line = fmt::format("{}: {}: {}", prefix_, to_string(l), text);
    if (sink_) {
      sink_(line);
    } else {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... args) const { write(log_level::debug, f, std::forward<Args>(args)...); }
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... args) const { write(log_level::info, f, std::forward<Args>(args)...); }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... args) const { write(log_level::warn, f, std::forward<Args>(args)...); }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... args) const { write(log_level::error, f, std::forward<Args>(args)...); }

 private:
  std::string prefix_;
  log_level threshold_;
  sink sink_;
  tee tee_;
};

}  // namespace agora::node_app
