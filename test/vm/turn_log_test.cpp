// turn_log (vm/src/turn_log.hpp): a turn's actions are applied in the order
// they were recorded, or rolled back, handing back the slots they reserved.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agora/text.hpp"
#include "turn_log.hpp"

using namespace agora;
using namespace agora::detail;

namespace {

actor_spec named(std::string name) {
  actor_spec s;
  s.name = std::move(name);
  return s;
}

/// One line per committed action: kind, id, payload, spec name, levels.
std::vector<std::string> commit_all(turn_log& log) {
  std::vector<std::string> lines;
  log.commit([&](action& a) {
    std::string line;
    switch (a.kind) {
      case action_kind::add_endpoint: line = "add " + std::to_string(a.id); break;
      case action_kind::remove_endpoint:
        line = "remove " + std::to_string(a.id) + " " + a.payload.to_string();
        break;
      case action_kind::send: line = "send " + a.payload.to_string(); break;
      case action_kind::feedback: line = "feedback " + a.payload.to_string(); break;
      case action_kind::spawn:
        line = "spawn " + std::to_string(a.id) + " " + log.spec_of(a).name;
        break;
      case action_kind::spawn_up: line = "spawn_up " + log.spec_of(a).name; break;
      case action_kind::stop: line = "stop " + std::to_string(a.id) + " " + a.payload.to_string(); break;
    }
    line += " @" + std::to_string(a.levels);
    lines.push_back(line);
  });
  return lines;
}

}  // namespace

TEST_CASE("turn_log: commit applies every action in recorded order, then forgets them") {
  turn_log log;
  CHECK(log.empty());
  log.add_endpoint(endpoint_id{3});
  log.send("m(1)"_t, false, 0);
  log.spawn(actor_id{5}, named("kid"));
  log.send("up(2)"_t, true, 2);
  log.spawn_up(named("sibling"), 1);
  log.remove_endpoint(endpoint_id{3}, sym("deleted"));
  log.stop(actor_id{5}, sym("quit"));
  CHECK(log.size() == 7);
  CHECK(commit_all(log) == std::vector<std::string>{
                               "add 3 @0",
                               "send m(1) @0",
                               "spawn 5 kid @0",
                               "feedback up(2) @2",
                               "spawn_up sibling @1",
                               "remove 3 deleted @0",
                               "stop 5 quit @0",
                           });
  CHECK(log.empty());
  CHECK(commit_all(log).empty());
}

TEST_CASE("turn_log: each spawn keeps its own spec, whatever comes between") {
  turn_log log;
  log.spawn_up(named("a"), 1);
  log.send("x"_t, false, 0);
  log.spawn(actor_id{1}, named("b"));
  log.spawn_up(named("c"), 2);
  log.spawn(actor_id{2}, named("d"));
  CHECK(commit_all(log) == std::vector<std::string>{
                               "spawn_up a @1",
                               "send x @0",
                               "spawn 1 b @0",
                               "spawn_up c @2",
                               "spawn 2 d @0",
                           });
}

TEST_CASE("turn_log: spawn returns the spec as kept, to build the actor from") {
  turn_log log;
  actor_spec& kept = log.spawn(actor_id{9}, named("before"));
  kept.name = "after";  // what the VM does when it takes the name out
  CHECK(commit_all(log) == std::vector<std::string>{"spawn 9 after @0"});
}

TEST_CASE("turn_log: roll back hands back reserved slots in order, and nothing else") {
  turn_log log;
  log.add_endpoint(endpoint_id{4});
  log.send("m"_t, false, 0);
  log.spawn(actor_id{7}, named("kid"));
  log.remove_endpoint(endpoint_id{2}, sym("deleted"));  // a live endpoint: not reserved
  log.stop(actor_id{1}, sym("quit"));
  log.spawn_up(named("up"), 1);  // reserves nothing here
  log.add_endpoint(endpoint_id{6});
  std::vector<std::string> released;
  log.roll_back([&](endpoint_id e) { released.push_back("endpoint " + e.to_string()); },
                [&](actor_id a) { released.push_back("actor " + a.to_string()); });
  CHECK(released == std::vector<std::string>{"endpoint 4", "actor 7", "endpoint 6"});
  CHECK(log.empty());
  CHECK(commit_all(log).empty());
}
