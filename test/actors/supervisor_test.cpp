#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agora/actors/monitor.hpp"
#include "agora/actors/supervisor.hpp"
#include "agora/vm.hpp"

using namespace agora;
using namespace agora::actors;
using namespace std::chrono_literals;

namespace {

using lines = std::vector<std::string>;

// A child that logs its first turn, publishes alive("name") (so a monitor
// sees it come and go), counts bump messages and crashes or quits on demand.
struct worker {
  std::string name;
  lines* log;
  int bumps = 0;
};

actor_spec worker_spec(const std::string& name, lines& log) {
  return actor<worker>{{name, &log}, name}
      .publish(rec("alive", name))
      .on_start([](turn<worker>& t) { t.state.log->push_back("start " + t.state.name); })
      .on_message(rec("crash", name),
                  [](turn<worker>& t, const message&) -> void {
                    throw std::runtime_error("boom " + t.state.name);
                  })
      .on_message(rec("quit", name), [](turn<worker>& t, const message&) { t.quit(); })
      .on_message(rec("bump", name), [](turn<worker>& t, const message&) {
        t.state.log->push_back(t.state.name + " bumps=" + std::to_string(++t.state.bumps));
      });
}

child_spec child(const std::string& name, lines& log, restart_type r = restart_type::permanent) {
  return {name, worker_spec(name, log), r};
}

/// Logs "+ alive(...)" / "- alive(...) reason" for the workers.
void watch_workers(vm& v, lines& log) {
  v.spawn(monitor(rec("alive", _), [&log](std::string_view l) { log.emplace_back(l); }));
}

/// Logs "gone <name> <reason>" when the supervisor called `name` goes away,
/// through the topic every supervisor publishes.
void watch_supervisor(vm& v, const std::string& name, lines& log) {
  v.spawn(actor<lines*>{&log}.subscribe(
      rec("agora.supervisor", _, name),
      {.on_absence = [](turn<lines*>& t, const absence& a) {
        t.state->push_back("gone " + std::string(a.flow()[1].as_string()) + " " +
                           a.why.to_string());
      }}));
}

/// A clock the test moves by hand.
struct fake_clock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>();
  void advance(std::chrono::milliseconds d) { *now += d; }
  std::function<std::chrono::steady_clock::time_point()> fn() const {
    return [now = now] { return *now; };
  }
};

/// Runs v until idle and returns what was logged since, clearing the log.
lines run(vm& v, lines& log) {
  v.run();
  return std::exchange(log, {});
}

}  // namespace

TEST_CASE("supervisor starts its children in order") {
  vm v;
  lines log;
  auto sup = v.spawn(supervisor("sup", {}, {child("a", log), child("b", log), child("c", log)}));
  CHECK(run(v, log) == lines{"start a", "start b", "start c"});
  CHECK(v.alive(sup));
  CHECK(v.actor_count() == 4);
}

TEST_CASE("one_for_one restarts only the crashed child, with a fresh state") {
  vm v;
  lines log;
  watch_workers(v, log);
  auto sup = v.spawn(supervisor("sup", {}, {child("a", log), child("b", log), child("c", log)}));
  v.run();
  log.clear();
  v.send(rec("bump", "b"));
  v.send(rec("bump", "b"));
  v.send(rec("crash", "b"));
  v.send(rec("bump", "a"));
  CHECK(run(v, log) == lines{"b bumps=1", "b bumps=2", "a bumps=1",
                             "- alive(\"b\") crashed(\"boom b\")", "start b", "+ alive(\"b\")"});
  v.send(rec("bump", "b"));  // the new b starts from the spec's state
  v.send(rec("bump", "a"));  // a kept its state
  CHECK(run(v, log) == lines{"b bumps=1", "a bumps=2"});
  CHECK(v.alive(sup));
}

TEST_CASE("one_for_all stops the others in reverse order, then restarts all in order") {
  vm v;
  lines log;
  watch_workers(v, log);
  auto sup = v.spawn(supervisor("sup", {.strategy = restart_strategy::one_for_all},
                                {child("a", log), child("b", log), child("c", log)}));
  v.run();
  log.clear();
  v.send(rec("crash", "b"));
  CHECK(run(v, log) == lines{"- alive(\"b\") crashed(\"boom b\")",
                             "- alive(\"c\") shutdown", "- alive(\"a\") shutdown",
                             "start a", "+ alive(\"a\")", "start b", "+ alive(\"b\")",
                             "start c", "+ alive(\"c\")"});
  // The children it stopped itself did not count as restarts (max 1): still
  // there, and one more restart within the period is one too many.
  CHECK(v.alive(sup));
  CHECK(v.actor_count() == 5);
}

TEST_CASE("rest_for_one restarts the crashed child and those started after it") {
  vm v;
  lines log;
  watch_workers(v, log);
  auto sup = v.spawn(supervisor("sup", {.strategy = restart_strategy::rest_for_one},
                                {child("a", log), child("b", log), child("c", log),
                                 child("d", log)}));
  v.run();
  log.clear();
  v.send(rec("bump", "a"));
  v.send(rec("crash", "b"));
  CHECK(run(v, log) == lines{"a bumps=1", "- alive(\"b\") crashed(\"boom b\")",
                             "- alive(\"d\") shutdown", "- alive(\"c\") shutdown",
                             "start b", "+ alive(\"b\")", "start c", "+ alive(\"c\")",
                             "start d", "+ alive(\"d\")"});
  v.send(rec("bump", "a"));  // a was left alone
  CHECK(run(v, log) == lines{"a bumps=2"});
  CHECK(v.alive(sup));
}

TEST_CASE("restart types: permanent, transient, temporary") {
  vm v;
  lines log;
  fake_clock clock;
  // A generous intensity: this test is about which children come back.
  auto sup = v.spawn(supervisor("sup", {.max_restarts = 10, .clock = clock.fn()},
                                {child("p", log), child("t", log, restart_type::transient),
                                 child("x", log, restart_type::temporary)}));
  v.run();
  log.clear();

  SUBCASE("normal stops") {
    v.send(rec("quit", "p"));
    v.send(rec("quit", "t"));
    v.send(rec("quit", "x"));
    CHECK(run(v, log) == lines{"start p"});  // only the permanent one
    CHECK(v.actor_count() == 2);             // supervisor and p
  }
  SUBCASE("crashes") {
    v.send(rec("crash", "p"));
    v.send(rec("crash", "t"));
    v.send(rec("crash", "x"));
    CHECK(run(v, log) == lines{"start p", "start t"});
    CHECK(v.actor_count() == 3);
  }
  CHECK(v.alive(sup));
}

TEST_CASE("a group restart forgets temporary children and restarts stopped transient ones") {
  vm v;
  lines log;
  watch_workers(v, log);
  auto sup = v.spawn(supervisor("sup", {.strategy = restart_strategy::one_for_all},
                                {child("a", log), child("t", log, restart_type::transient),
                                 child("x", log, restart_type::temporary)}));
  v.run();
  v.send(rec("quit", "t"));  // transient, normal: not restarted ...
  CHECK(run(v, log) == lines{"start a", "+ alive(\"a\")", "start t", "+ alive(\"t\")",
                             "start x", "+ alive(\"x\")", "- alive(\"t\") quit"});
  v.send(rec("crash", "a"));  // ... but a group restart covers it (as in OTP)
  CHECK(run(v, log) == lines{"- alive(\"a\") crashed(\"boom a\")", "- alive(\"x\") shutdown",
                             "start a", "+ alive(\"a\")", "start t", "+ alive(\"t\")"});
  CHECK(v.alive(sup));
}

TEST_CASE("intensity: a second restart within the period makes the supervisor give up") {
  vm v;
  lines log;
  fake_clock clock;
  watch_workers(v, log);
  watch_supervisor(v, "sup", log);
  // Default intensity (more than 1 restart in 5 s), on the fake clock.
  auto sup = v.spawn(supervisor("sup", {.clock = clock.fn()},
                                {child("a", log), child("b", log), child("c", log)}));
  v.run();
  log.clear();
  v.send(rec("crash", "b"));
  CHECK(run(v, log) == lines{"- alive(\"b\") crashed(\"boom b\")", "start b", "+ alive(\"b\")"});
  clock.advance(4999ms);
  v.send(rec("crash", "b"));
  CHECK(run(v, log) == lines{"- alive(\"b\") crashed(\"boom b\")", "- alive(\"c\") shutdown",
                             "- alive(\"a\") shutdown",
                             "gone sup gave_up(\"b\", crashed(\"boom b\"))"});
  CHECK_FALSE(v.alive(sup));
  CHECK(v.actor_count() == 2);  // the two watchers
}

TEST_CASE("intensity: restarts spaced beyond the period go on") {
  vm v;
  lines log;
  fake_clock clock;
  auto sup = v.spawn(supervisor("sup", {.clock = clock.fn()}, {child("a", log)}));
  v.run();
  log.clear();
  for (int i = 0; i < 5; ++i) {
    clock.advance(5000ms);
    v.send(rec("crash", "a"));
    CHECK(run(v, log) == lines{"start a"});
  }
  CHECK(v.alive(sup));
}

TEST_CASE("intensity: max_restarts and period are honoured") {
  vm v;
  lines log;
  fake_clock clock;
  watch_supervisor(v, "sup", log);
  auto sup = v.spawn(supervisor("sup", {.max_restarts = 3, .period = 1000ms, .clock = clock.fn()},
                                {child("a", log)}));
  v.run();
  log.clear();
  for (int i = 0; i < 3; ++i) {  // 3 restarts within 1 s: allowed
    clock.advance(100ms);
    v.send(rec("quit", "a"));  // a permanent child is restarted after a normal stop too
    CHECK(run(v, log) == lines{"start a"});
  }
  clock.advance(800ms);  // the first restart is now 1 s old: out of the window
  v.send(rec("quit", "a"));
  CHECK(run(v, log) == lines{"start a"});
  clock.advance(50ms);  // the other three are less than 1 s old
  v.send(rec("crash", "a"));
  CHECK(run(v, log) == lines{"gone sup gave_up(\"a\", crashed(\"boom a\"))"});
  CHECK_FALSE(v.alive(sup));
}

TEST_CASE("nested supervisors: an inner supervisor that gives up is restarted by the outer") {
  vm v;
  lines log;
  fake_clock clock;
  watch_supervisor(v, "inner", log);
  auto inner = supervisor("inner", {.clock = clock.fn()}, {child("a", log), child("b", log)});
  auto outer = v.spawn(
      supervisor("outer", {.clock = clock.fn()}, {{"inner", inner}, child("c", log)}));
  // inner spawns a and b in its first turn, which comes before c's first
  // turn but not before c's spawn.
  CHECK(run(v, log) == lines{"start c", "start a", "start b"});
  v.send(rec("crash", "a"));
  CHECK(run(v, log) == lines{"start a"});
  v.send(rec("crash", "a"));
  CHECK(run(v, log) == lines{"gone inner gave_up(\"a\", crashed(\"boom a\"))", "start a",
                             "start b"});
  v.send(rec("bump", "c"));  // c was not touched (one_for_one)
  CHECK(run(v, log) == lines{"c bumps=1"});
  CHECK(v.alive(outer));
  CHECK(v.actor_count() == 6);  // watcher, outer, inner, a, b, c
}

TEST_CASE("a supervisor stopped from outside takes its children (and grandchildren) along") {
  vm v;
  lines log;
  watch_workers(v, log);
  auto inner = supervisor("inner", {}, {child("a", log), child("b", log)});
  auto outer = v.spawn(supervisor("outer", {}, {{"inner", inner}, child("c", log)}));
  v.run();
  log.clear();
  v.stop(outer, reason(sym("bye")));
  auto out = run(v, log);
  std::sort(out.begin(), out.end());  // the order among them is not specified
  CHECK(out == lines{"- alive(\"a\") bye", "- alive(\"b\") bye", "- alive(\"c\") bye"});
  CHECK(v.actor_count() == 1);  // the monitor
}

TEST_CASE("supervisors in one VM do not mix up their children") {
  vm v;
  lines log;
  // Same child id "w" under both; different workers.
  auto s1 = v.spawn(supervisor("s1", {}, {{"w", worker_spec("a", log)}}));
  auto s2 = v.spawn(supervisor("s2", {}, {{"w", worker_spec("b", log)}}));
  v.run();
  log.clear();
  v.send(rec("crash", "a"));
  CHECK(run(v, log) == lines{"start a"});
  v.send(rec("crash", "b"));
  CHECK(run(v, log) == lines{"start b"});
  CHECK(v.alive(s1));
  CHECK(v.alive(s2));
}

TEST_CASE("a supervisor without children stays, duplicate ids are refused") {
  vm v;
  auto sup = v.spawn(supervisor("empty", {}, {}));
  v.run();
  CHECK(v.alive(sup));
  lines log;
  CHECK_THROWS_AS(supervisor("dup", {}, {child("a", log), child("a", log)}), std::invalid_argument);
}

TEST_CASE("a nested VM as a child is supervised like any other actor") {
  vm v("root");
  lines log;
  // The nested VM's only child listens in the parent VM for crash/quit
  // orders; when it stops, the nested VM ends, and with it the supervised
  // actor (the nested VM's proxy).
  actor<lines*> inside{&log, "w"};
  inside.on_start([](turn<lines*>& t) {
    t.state->push_back("start w");
    t.meta().subscribe(rec("crash", "w"), {.on_message = [](turn<lines*>&, const message&) {
                         throw std::runtime_error("boom w");
                       }});
    t.meta().subscribe(rec("quit", "w"),
                       {.on_message = [](turn<lines*>& t, const message&) { t.quit(); }});
  });
  auto sup = v.spawn(supervisor("sup", {.max_restarts = 5},
                                {{"jobs", nested_vm("jobs", {inside}), restart_type::transient}}));
  CHECK(run(v, log) == lines{"start w"});
  CHECK(v.vm_count() == 2);
  v.send(rec("crash", "w"));
  CHECK(run(v, log) == lines{"start w"});  // a new nested VM
  CHECK(v.vm_count() == 2);
  v.send(rec("quit", "w"));  // normal: a transient child stays down
  CHECK(run(v, log).empty());
  CHECK(v.vm_count() == 1);
  CHECK(v.alive(sup));
}

TEST_CASE("a nested VM child goes when its supervisor is stopped from outside") {
  vm v("root");
  lines log;
  actor<lines*> inside{&log, "w"};
  inside.on_start([](turn<lines*>& t) {
    t.state->push_back("start w");
    t.meta().publish(rec("alive", "w"));
  });
  watch_workers(v, log);
  auto sup = v.spawn(supervisor("sup", {}, {{"jobs", nested_vm("jobs", {inside})}}));
  CHECK(run(v, log) == lines{"start w", "+ alive(\"w\")"});
  v.stop(sup, reason(sym("bye")));
  v.run();
  CHECK(v.vm_count() == 1);
  CHECK(v.actor_count() == 1);  // the monitor
  REQUIRE(log.size() == 1);
  CHECK(log[0].starts_with("- alive(\"w\") "));
}
