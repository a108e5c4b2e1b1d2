// vm::post: a function run as a turn of a given actor (how an io_port hands
// I/O completions to a driver), in post order, after what is queued.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

struct tally {
  std::vector<std::string>* log;
  int turns = 0;
};

/// An actor that keeps running (it has an endpoint) and logs what it gets.
actor<tally> target(std::vector<std::string>& log) {
  return actor<tally>{{&log}, "target"}.on_message(
      "note($x)"_t, [](turn<tally>& t, const message& m) {
        t.state.log->push_back("note " + m["x"].to_string());
      });
}

/// A function for vm::post that logs "posted N" in the actor's state.
std::function<void(turn_base&)> logs(int n) {
  return [n](turn_base& b) {
    turn<tally> t(b);
    ++t.state.turns;
    t.state.log->push_back("posted " + std::to_string(n));
  };
}

}  // namespace

TEST_CASE("post: functions run as turns of the actor, in post order, after what was queued") {
  vm v;
  std::vector<std::string> log;
  const actor_id a = v.spawn(target(log));
  v.run();
  v.send(rec("note", 1));
  v.post(a, logs(1));
  v.post(a, logs(2));
  v.send(rec("note", 2));
  CHECK(v.stats().queued == 4);
  const auto turns = v.stats().turns;
  v.run();
  CHECK(log == std::vector<std::string>{"note 1", "posted 1", "posted 2", "note 2"});
  CHECK(v.stats().turns == turns + 4);
}

TEST_CASE("post: the turn acts like a handler's (send, quit), and its actions apply in order") {
  vm v;
  std::vector<std::string> log;
  const actor_id a = v.spawn(target(log));
  v.spawn(target(log).named("other"));
  v.run();
  v.post(a, [a](turn_base& t) {
    CHECK(t.self() == a);
    t.send(rec("note", "from a posted turn"));
    t.quit();
  });
  v.run();
  // Applied in order: the message went out, then `a` quit, so only the
  // other target handled it.
  CHECK(log == std::vector<std::string>{"note \"from a posted turn\""});
  CHECK(!v.alive(a));
  CHECK(v.actor_count() == 1);
}

TEST_CASE("post: a turn for an actor that is gone is dropped, before or after it is queued") {
  vm v;
  std::vector<std::string> log;
  const actor_id a = v.spawn(target(log));
  v.run();
  v.post(a, logs(1));
  v.stop(a);  // the queued turn stays, for nobody
  const auto dropped = v.stats().events_dropped;
  v.run();
  CHECK(v.stats().events_dropped == dropped + 1);
  v.post(a, logs(2));  // a stale id: dropped at once
  CHECK(v.stats().events_dropped == dropped + 2);
  CHECK(v.stats().queued == 0);

  // A new actor in the same slot is another actor: the stale id reaches nothing.
  const actor_id b = v.spawn(target(log));
  CHECK(b.index() == a.index());
  v.post(a, logs(3));
  v.run();
  CHECK(log.empty());
}

TEST_CASE("post: a turn that throws crashes its actor, nothing of it is applied") {
  vm v;
  std::vector<std::string> log;
  std::string why;
  const actor_id a = v.spawn(target(log));
  v.spawn(actor<>{}.publish("note(_)"_t, {.on_absence = [&](turn<>&, const absence& x) {
    why = x.why.to_string();
  }}));
  v.run();
  v.post(a, [](turn_base& t) {
    t.send(rec("note", "lost"));
    throw std::runtime_error("bad completion");
  });
  v.run();
  CHECK(!v.alive(a));
  CHECK(log.empty());
  CHECK(why == R"(crashed("bad completion"))");
  CHECK(v.stats().crashes == 1);
}
