// Messages, feedback, turns, spawn, quit, inertness and ordering.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

struct inbox {
  std::vector<std::string>* got;
  std::string tag;
};

/// Subscribes (or publishes) `topic` and logs "tag:body" for each message.
actor<inbox> logger(std::vector<std::string>& got, std::string tag, term topic,
                    role r = role::subscriber, interest i = interest::participant) {
  handlers<inbox> h{.on_message = [](turn<inbox>& t, const message& m) {
    t.state.got->push_back(t.state.tag + (m.is_feedback ? "<" : ":") + m.body().to_string());
  }};
  actor<inbox> a{{&got, std::move(tag)}};
  if (r == role::subscriber) a.subscribe(std::move(topic), std::move(h), i);
  else a.publish(std::move(topic), std::move(h), i);
  return a;
}

}  // namespace

TEST_CASE("send reaches every matching subscriber once, feedback every matching publisher") {
  vm v;
  std::vector<std::string> got;
  v.spawn(logger(got, "a", "say(_, _)"_t));
  v.spawn(logger(got, "b", "say(\"bob\", _)"_t));
  v.spawn(logger(got, "c", "other"_t));
  v.spawn(logger(got, "p", "say(_, _)"_t, role::publisher));
  v.spawn(logger(got, "o", "say(_, _)"_t, role::subscriber, interest::observer));
  v.send(rec("say", "bob", "hi"));
  v.run();
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<std::string>{"a:say(\"bob\", \"hi\")", "b:say(\"bob\", \"hi\")",
                                        "o:say(\"bob\", \"hi\")"});
  got.clear();
  v.feedback(rec("say", "bob", "ack"));
  v.run();
  CHECK(got == std::vector<std::string>{"p<say(\"bob\", \"ack\")"});
}

TEST_CASE("two endpoints of one actor each get their delivery") {
  vm v;
  int n = 0;
  struct st {
    int* n;
  };
  handlers<st> count{.on_message = [](turn<st>& t, const message&) { ++*t.state.n; }};
  v.spawn(actor<st>{{&n}}.subscribe("m(_)"_t, count).subscribe("m(1)"_t, count));
  v.send("m(1)"_t);
  v.run();
  CHECK(n == 2);
}

TEST_CASE("the sender's own endpoints are included") {
  vm v;
  std::vector<std::string> got;
  struct st {
    std::vector<std::string>* got;
  };
  v.spawn(actor<st>{{&got}}
              .on_message("echo($x)"_t, [](turn<st>& t, const message& m) {
                t.state.got->push_back(m["x"].to_string());
                if (m["x"].as_int() < 3) t.send(rec("echo", m["x"].as_int() + 1));
              })
              .on_start([](turn<st>& t) { t.send(rec("echo", 1)); }));
  v.run();
  CHECK(got == std::vector<std::string>{"1", "2", "3"});
}

TEST_CASE("a throwing handler's actions never happen, only its actor stops") {
  vm v;
  std::vector<std::string> got;
  v.spawn(logger(got, "l", "out(_)"_t));
  auto bystander = v.spawn(logger(got, "by", "in"_t));
  int spawned = 0;
  struct st {
    int* spawned;
  };
  auto doomed = v.spawn(actor<st>{{&spawned}}.on_message("go"_t, [](turn<st>& t, const message&) {
    t.send(rec("out", 1));
    t.publish("left_behind"_t);
    t.spawn(actor<st>{{t.state.spawned}}.subscribe("child"_t).on_start(
        [](turn<st>& c) { ++*c.state.spawned; }));
    t.stop(actor_id{});  // recorded, never applied
    throw std::runtime_error("bad input");
  }));
  v.send("go"_t);
  v.run();
  CHECK(got.empty());
  CHECK(spawned == 0);
  CHECK_FALSE(v.alive(doomed));
  CHECK(v.alive(bystander));
  CHECK(v.stats().crashes == 1);
  // the bystander is unaffected and keeps serving
  v.send("in"_t);
  v.run();
  CHECK(got == std::vector<std::string>{"by:in"});
  // nothing was left behind: watcher + logger + bystander endpoints only
  CHECK(v.endpoint_count() == 2);
}

TEST_CASE("non-exception throws and state type mismatches crash cleanly") {
  vm v;
  auto a = v.spawn(actor<>{}.on_message("x"_t, [](turn<>&, const message&) -> void { throw 42; }));
  struct other {};
  auto b = v.spawn(actor<int>{7}.subscribe(
      "y"_t, handlers<int>{}).on_start([](turn<int>& t) {
    // A handler written for another state type, added at run time.
    t.add({"y"_t, role::subscriber, interest::participant,
           make_handlers(handlers<other>{.on_message = [](turn<other>&, const message&) {}}).erased()});
  }));
  v.run();
  v.send("x"_t);
  v.send("y"_t);
  v.run();
  CHECK_FALSE(v.alive(a));
  CHECK_FALSE(v.alive(b));
}

TEST_CASE("sending a pattern is an error of the sending actor") {
  vm v;
  std::vector<std::string> log;
  struct st {
    std::vector<std::string>* log;
  };
  v.spawn(actor<st>{{&log}}.subscribe(
      "p(_)"_t, {.on_absence = [](turn<st>& t, const absence& a) {
        t.state.log->push_back(a.why.to_string());
      }}));
  v.spawn(actor<>{}.publish("p(1)"_t).on_message(
      "go"_t, [](turn<>& t, const message&) { t.send("p(_)"_t); }));
  v.run();
  v.send("go"_t);
  v.run();
  REQUIRE(log.size() == 1);
  CHECK(log[0].starts_with("crashed(\"send: message must be concrete"));
  CHECK_THROWS_AS(v.send("q($x)"_t), term_error);
}

TEST_CASE("spawn: initial endpoints exist at once, the parent learns the id, on_start runs first") {
  vm v;
  std::vector<std::string> log;
  struct parent_state {
    std::vector<std::string>* log;
    actor_id child;
  };
  struct child_state {
    std::vector<std::string>* log;
  };
  v.spawn(actor<parent_state>{{&log, {}}}
              .subscribe("child_up(_)"_t, {.on_presence = [](turn<parent_state>& t, const presence& p) {
                           t.state.log->push_back("parent sees " + p.flow().to_string());
                         }})
              .on_start([](turn<parent_state>& t) {
                t.state.child = t.spawn(
                    actor<child_state>{{t.state.log}, "kid"}
                        .publish("child_up(1)"_t)
                        .subscribe("child_up(_)"_t,
                                   {.on_presence = [](turn<child_state>& c, const presence&) {
                                     c.state.log->push_back("child sees itself");
                                   }})
                        .on_start([](turn<child_state>& c) { c.state.log->push_back("child starts"); }));
                t.state.log->push_back("parent spawned " + t.state.child.to_string());
              }));
  v.run();
  REQUIRE(log.size() == 4);
  CHECK(log[0] == "parent spawned 1");
  CHECK(log[1] == "child starts");
  CHECK((log[2] == "parent sees child_up(1)" || log[3] == "parent sees child_up(1)"));
  CHECK(v.actor_name(actor_id::make(1, 0)) == "kid");
}

TEST_CASE("quit of self and stop of another actor by id") {
  vm v;
  auto target = v.spawn(actor<>{}.subscribe("t"_t));
  v.spawn(actor<actor_id>{target}.on_message("kill"_t, [](turn<actor_id>& t, const message&) {
    t.stop(t.state);
    t.quit();
  }));
  v.run();
  CHECK(v.actor_count() == 2);
  v.send("kill"_t);
  v.run();
  CHECK(v.actor_count() == 0);
}

TEST_CASE("an actor with no endpoints left is stopped") {
  vm v;
  struct st {
    endpoint_id ep;
  };
  auto a = v.spawn(actor<st>{}.on_start([](turn<st>& t) {
    t.state.ep = t.subscribe("once"_t, {.on_message = [](turn<st>& t2, const message&) {
                               t2.remove(t2.state.ep);
                             }});
  }));
  v.run();
  CHECK(v.alive(a));
  v.send("once"_t);
  v.run();
  CHECK_FALSE(v.alive(a));
  // spawned without endpoints or a first turn: inert at once
  auto b = v.spawn(actor<>{});
  CHECK_FALSE(v.alive(b));
  // removing a stale endpoint id is harmless
  auto c = v.spawn(actor<>{}.subscribe("keep"_t).on_start([](turn<>& t) {
    t.remove(endpoint_id::make(12345, 7));
  }));
  v.run();
  CHECK(v.alive(c));
}

TEST_CASE("removing another actor's endpoint is an error") {
  vm v;
  struct st {
    endpoint_id ep;
  };
  auto owner = v.spawn(actor<>{}.subscribe("mine"_t));
  v.run();
  // endpoint 0 belongs to `owner`; the thief tries to remove it
  auto thief = v.spawn(actor<>{}.subscribe("t"_t).on_start([](turn<>& t) {
    t.remove(endpoint_id::make(0, 0));
  }));
  v.run();
  CHECK(v.alive(owner));
  CHECK_FALSE(v.alive(thief));
}

TEST_CASE("events arrive in the order their causes were applied") {
  vm v;
  std::vector<std::string> got;
  v.spawn(logger(got, "r", "n(_)"_t));
  v.spawn(actor<>{}.on_start([](turn<>& t) {
    for (int i = 0; i < 1000; ++i) t.send(rec("n", i));
  }));
  for (int i = 1000; i < 1100; ++i) v.send(rec("n", i));
  v.run();
  REQUIRE(got.size() == 1100);
  // outside sends were applied first, then the first turn's 1000 sends
  for (int i = 0; i < 100; ++i) CHECK(got[i] == "r:n(" + std::to_string(1000 + i) + ")");
  for (int i = 0; i < 1000; ++i) CHECK(got[100 + i] == "r:n(" + std::to_string(i) + ")");
}

TEST_CASE("presence and messages interleave in action order") {
  vm v;
  std::vector<std::string> log;
  struct st {
    std::vector<std::string>* log;
  };
  v.spawn(actor<st>{{&log}}
              .subscribe("chan(_)"_t,
                         {.on_presence = [](turn<st>& t, const presence& p) {
                            t.state.log->push_back("+" + p.flow().to_string());
                          },
                          .on_absence = [](turn<st>& t, const absence& a) {
                            t.state.log->push_back("-" + a.flow().to_string());
                          },
                          .on_message = [](turn<st>& t, const message& m) {
                            t.state.log->push_back(m.body().to_string());
                          }}));
  v.spawn(actor<>{}.subscribe("never"_t).on_start([](turn<>& t) {
    t.send("chan(0)"_t);
    auto ep = t.publish("chan(1)"_t);
    t.send("chan(2)"_t);
    t.remove(ep);
    t.send("chan(3)"_t);
  }));
  v.run();
  CHECK(log == std::vector<std::string>{"chan(0)", "+chan(1)", "chan(2)", "-chan(1)", "chan(3)"});
}
