#include "agora/actors/monitor.hpp"

#include <string>

namespace agora::actors {

namespace {

struct monitor_state {
  line_sink sink;
};

handlers<monitor_state> reporting(std::string prefix) {
  return {
      .on_presence = [prefix](turn<monitor_state>& t, const presence& p) {
        t.state.sink("+ " + prefix + p.flow().to_string());
      },
      .on_absence = [prefix](turn<monitor_state>& t, const absence& a) {
        t.state.sink("- " + prefix + a.flow().to_string() + " " + a.why.to_string());
      },
      .on_message = [](turn<monitor_state>& t, const message& m) {
        t.state.sink((m.is_feedback ? "feedback " : "message ") + m.body().to_string());
      },
  };
}

}  // namespace

actor_spec monitor(term topic, line_sink sink, std::string name) {
  return actor<monitor_state>{{std::move(sink)}, std::move(name)}.subscribe(
      std::move(topic), reporting(""), interest::everything);
}

actor_spec demand_monitor(term topic, line_sink sink, std::string name) {
  return actor<monitor_state>{{std::move(sink)}, std::move(name)}.publish(
      std::move(topic), reporting("demand "), interest::everything);
}

}  // namespace agora::actors
