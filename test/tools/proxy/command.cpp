#include "command.hpp"

#include <charconv>
#include <optional>
#include <vector>

namespace agora_tools {

namespace {

std::vector<std::string_view> words(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

std::optional<directions> parse_directions(std::string_view w) {
  if (w == "tx") return directions{true, false};
  if (w == "rx") return directions{false, true};
  if (w == "both") return directions{true, true};
  return std::nullopt;
}

constexpr long max_delay_ms = 3'600'000;

}  // namespace

std::string_view to_string(directions d) {
  if (d.tx && d.rx) return "both";
  return d.tx ? "tx" : "rx";
}

std::variant<command, std::string> parse_command(std::string_view line) {
  const auto w = words(line);
  if (w.empty()) return std::string("empty command");
  const std::string_view verb = w[0];
  command c;
  if (verb == "stats" || verb == "cut") {
    if (w.size() != 1) return std::string(verb) + " takes no arguments";
    c.what = verb == "stats" ? command::kind::stats : command::kind::cut;
    return c;
  }
  if (verb == "heal") {
    c.what = command::kind::heal;
    if (w.size() == 1) {
      c.every_fault = true;
      return c;
    }
    if (w.size() != 2) return std::string("usage: heal [tx|rx|both]");
    auto d = parse_directions(w[1]);
    if (!d) return "unknown direction '" + std::string(w[1]) + "' (tx, rx or both)";
    c.where = *d;
    return c;
  }
  if (verb == "pause" || verb == "blackhole") {
    if (w.size() != 2) return "usage: " + std::string(verb) + " tx|rx|both";
    auto d = parse_directions(w[1]);
    if (!d) return "unknown direction '" + std::string(w[1]) + "' (tx, rx or both)";
    c.what = verb == "pause" ? command::kind::pause : command::kind::blackhole;
    c.where = *d;
    return c;
  }
  if (verb == "delay") {
    if (w.size() != 3) return std::string("usage: delay tx|rx|both MS");
    auto d = parse_directions(w[1]);
    if (!d) return "unknown direction '" + std::string(w[1]) + "' (tx, rx or both)";
    long ms = -1;
    const auto [end, ec] = std::from_chars(w[2].data(), w[2].data() + w[2].size(), ms);
    if (ec != std::errc{} || end != w[2].data() + w[2].size() || ms < 0 || ms > max_delay_ms)
      return "delay must be 0.." + std::to_string(max_delay_ms) + " ms, not '" + std::string(w[2]) + "'";
    c.what = command::kind::delay;
    c.where = *d;
    c.delay = std::chrono::milliseconds(ms);
    return c;
  }
  return "unknown command '" + std::string(verb) + "' (delay, pause, blackhole, cut, heal, stats)";
}

}  // namespace agora_tools
