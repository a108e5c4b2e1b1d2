#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agora/actors/monitor.hpp"
#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

TEST_CASE("monitor reports both roles, messages and feedback, and stays invisible") {
  vm v;
  std::vector<std::string> lines;
  v.spawn(actors::monitor("chan(_)"_t, [&](std::string_view l) { lines.emplace_back(l); }));
  int seen_by_participant = 0;
  struct st {
    int* n;
  };
  v.spawn(actor<st>{{&seen_by_participant}}.subscribe(
      "chan(_)"_t, {.on_presence = [](turn<st>& t, const presence&) { ++*t.state.n; }}));
  auto pub = v.spawn(actor<>{}.publish("chan(1)"_t));
  v.run();
  v.send("chan(2)"_t);
  v.feedback("chan(1)"_t);
  v.stop(pub);
  v.run();
  CHECK(lines == std::vector<std::string>{
                     "+ subscriber chan(_)",
                     "+ publisher chan(1)",
                     "message chan(2)",
                     "feedback chan(1)",
                     "- publisher chan(1) quit",
                 });
  // the participant subscriber saw the publisher, never the monitor
  CHECK(seen_by_participant == 1);
}
