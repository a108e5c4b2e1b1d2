#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agora/actors/monitor.hpp"
#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {
struct counter {
  int* n;
};
}  // namespace

TEST_CASE("monitor reports publishers and messages, and stays invisible") {
  vm v;
  std::vector<std::string> lines;
  v.spawn(actors::monitor("chan(_)"_t, [&](std::string_view l) { lines.emplace_back(l); }));
  int seen = 0;
  v.spawn(actor<counter>{{&seen}}.publish(
      "chan(_)"_t, {.on_presence = [](turn<counter>& t, const presence&) { ++*t.state.n; }}));
  auto obs = v.spawn(actor<>{}.publish("chan(9)"_t, {}, interest::observer));
  auto pub = v.spawn(actor<>{}.publish("chan(1)"_t));
  v.run();
  v.send("chan(2)"_t);
  v.stop(pub);
  v.stop(obs, reason(sym("bye")));
  v.run();
  CHECK(lines == std::vector<std::string>{
                     "+ chan(_)",
                     "+ chan(9)",
                     "+ chan(1)",
                     "message chan(2)",
                     "- chan(1) quit",
                     "- chan(9) bye",
                 });
  CHECK(seen == 0);  // the publisher never saw the monitor's subscription
}

TEST_CASE("demand_monitor reports subscribers and feedback") {
  vm v;
  std::vector<std::string> lines;
  v.spawn(actors::demand_monitor("credit(_)"_t, [&](std::string_view l) { lines.emplace_back(l); }));
  auto sub = v.spawn(actor<>{}.subscribe("credit($n)"_t));
  v.run();
  v.feedback("credit(3)"_t);
  v.send("credit(4)"_t);  // a message: not the demand side's business
  v.stop(sub);
  v.run();
  CHECK(lines == std::vector<std::string>{"+ demand credit(_)", "feedback credit(3)",
                                          "- demand credit(_) quit"});
}
