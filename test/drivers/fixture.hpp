// What the driver tests share: a deterministic agora::vm with one driver in
// it, fed by a pump_port, whose log lines (the driver reports to the port's
// sink unless given its own) are kept.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "agora/actor.hpp"
#include "agora/drivers/pump_port.hpp"
#include "agora/io_port.hpp"
#include "agora/log.hpp"
#include "agora/vm.hpp"

namespace agora::test {

template <class Options>
struct driver_fixture {
  std::vector<std::string> log;  // written in the VM's turns: on this thread
  std::vector<log_level> levels;
  // Before the VM: the VM and its driver go first.
  pump_port port{[this](log_level level, std::string_view line) {
    levels.push_back(level);
    log.emplace_back(line);
  }};
  vm v{"ground"};
  actor_id driver;

  /// Spawns make(port, options) and runs the VM.
  driver_fixture(actor_spec (*make)(io_port&, Options), Options options) {
    driver = v.spawn(make(port, std::move(options)));
    v.run();
  }
  driver_fixture(const driver_fixture&) = delete;
  driver_fixture& operator=(const driver_fixture&) = delete;

  bool pump_until(const std::function<bool()>& done,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    return port.pump_until(v, done, timeout);
  }

  /// Sends m into the VM, runs it, and returns how many turns that took.
  std::uint64_t turns_for(term m) {
    const auto before = v.stats().turns;
    v.send(std::move(m));
    v.run();
    return v.stats().turns - before;
  }

  /// Does a line of the log contain `needle`?
  bool logged(std::string_view needle) const {
    for (auto& l : log)
      if (l.find(needle) != std::string::npos) return true;
    return false;
  }

  /// The driver's figures, asked for by a short-lived probe actor:
  /// query(t, reply_id, on_reply) is a driver's query_stats.
  template <class Stats, class Query>
  Stats stats_by(Query query) {
    std::optional<Stats> out;
    v.spawn(actor<std::optional<Stats>*>{&out}.on_start([query](auto& t) {
      query(t, sym("probe"), [](auto& t, const Stats& s) { *t.state = s; });
    }));
    REQUIRE(pump_until([&] { return out.has_value(); }));
    return *out;
  }
};

}  // namespace agora::test
