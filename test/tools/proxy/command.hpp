// The proxy's control language, one command per line:
//   delay tx|rx|both MS     pause tx|rx|both     blackhole tx|rx|both
//   cut                     heal [tx|rx|both]    stats
// Parsing only; fault_proxy::execute applies a command.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

namespace agora_tools {

/// Which directions a command is for.
struct directions {
  bool tx = true;
  bool rx = true;
};

struct command {
  enum class kind { delay, pause, blackhole, cut, heal, stats };
  kind what = kind::stats;
  directions where;  // heal without a direction also ends a cut
  bool every_fault = false;  // heal without a direction
  std::chrono::milliseconds delay{0};
};

/// The command on `line`, or why it is not one (the text after "error ").
std::variant<command, std::string> parse_command(std::string_view line);

/// "tx", "rx" or "both" (for replies).
std::string_view to_string(directions d);

}  // namespace agora_tools
