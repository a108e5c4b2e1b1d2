// Presence and absence of flows: docs/DESIGN.md section 3.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

/// An actor that records every presence/absence its one endpoint sees.
struct log_state {
  std::vector<std::string>* log;
};

actor<log_state> watcher(std::vector<std::string>& log, term topic, role r = role::subscriber,
                         interest i = interest::participant, std::string name = "watcher") {
  handlers<log_state> h{
      .on_presence = [](turn<log_state>& t, const presence& p) {
        t.state.log->push_back("+" + p.flow().to_string());
      },
      .on_absence = [](turn<log_state>& t, const absence& a) {
        t.state.log->push_back("-" + a.flow().to_string() + " " + a.why.to_string());
      },
  };
  actor<log_state> a{{&log}, std::move(name)};
  if (r == role::subscriber) a.subscribe(std::move(topic), std::move(h), i);
  else a.publish(std::move(topic), std::move(h), i);
  return a;
}

actor<> announcer(term topic, interest i = interest::participant) {
  return std::move(actor<>{}.publish(std::move(topic), {}, i));
}

}  // namespace

TEST_CASE("a publisher's arrival and departure are presence and absence") {
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "present($who)"_t));
  auto alice = v.spawn(announcer(rec("present", "alice")));
  v.run();
  CHECK(log == std::vector<std::string>{"+present(\"alice\")"});
  v.stop(alice);
  v.run();
  CHECK(log.back() == "-present(\"alice\") quit");
}

TEST_CASE("a late joiner gets presence at once for flows already there") {
  vm v;
  std::vector<std::string> log;
  v.spawn(announcer(rec("present", "alice")));
  v.spawn(announcer(rec("present", "bob")));
  v.run();
  v.spawn(watcher(log, "present(_)"_t));
  v.run();
  std::sort(log.begin(), log.end());
  CHECK(log == std::vector<std::string>{"+present(\"alice\")", "+present(\"bob\")"});
}

TEST_CASE("presence is deduplicated with multiplicity") {
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "present(_)"_t));
  auto a1 = v.spawn(announcer(rec("present", "alice")));
  auto a2 = v.spawn(announcer(rec("present", "alice")));
  v.run();
  CHECK(log.size() == 1);
  v.stop(a1);
  v.run();
  CHECK(log.size() == 1);  // still one alice
  v.stop(a2);
  v.run();
  CHECK(log.size() == 2);
  CHECK(log[1] == "-present(\"alice\") quit");
}

TEST_CASE("the flow is the intersection of the two topics") {
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "pair(1, _)"_t));
  v.spawn(announcer("pair(_, 2)"_t));
  v.run();
  CHECK(log == std::vector<std::string>{"+pair(1, 2)"});
}

TEST_CASE("captures read from a presence event") {
  vm v;
  std::vector<std::string> names;
  struct st {
    std::vector<std::string>* names;
  };
  v.spawn(actor<st>{{&names}}.subscribe(
      "present($who, $age)"_t,
      {.on_presence = [](turn<st>& t, const presence& p) {
        t.state.names->push_back(std::string(p["who"].as_string()) + "/" +
                                 std::to_string(p["age"].as_int()));
      }}));
  v.spawn(announcer(rec("present", "carol", 41)));
  v.run();
  CHECK(names == std::vector<std::string>{"carol/41"});
}

TEST_CASE("visibility: participant, observer, everything") {
  vm v;
  std::vector<std::string> part, obs, every;
  v.spawn(watcher(part, "x(_)"_t, role::subscriber, interest::participant));
  v.spawn(watcher(obs, "x(_)"_t, role::subscriber, interest::observer));
  v.spawn(watcher(every, "x(_)"_t, role::subscriber, interest::everything));

  std::vector<std::string> pub_p, pub_o, pub_e;
  v.spawn(watcher(pub_p, "x(1)"_t, role::publisher, interest::participant));
  v.spawn(watcher(pub_o, "x(2)"_t, role::publisher, interest::observer));
  v.spawn(watcher(pub_e, "x(3)"_t, role::publisher, interest::everything));
  v.run();

  auto sorted = [](std::vector<std::string> s) {
    std::sort(s.begin(), s.end());
    return s;
  };
  // Subscribers: participants and observers see only the participant publisher.
  CHECK(sorted(part) == std::vector<std::string>{"+x(1)"});
  CHECK(sorted(obs) == std::vector<std::string>{"+x(1)"});
  CHECK(sorted(every) == std::vector<std::string>{"+x(1)", "+x(2)", "+x(3)"});
  // Publishers: all see the participant subscriber; only `everything` sees
  // the observer and everything subscribers. The flow is x(n) either way.
  CHECK(sorted(pub_p) == std::vector<std::string>{"+x(1)"});
  CHECK(sorted(pub_o) == std::vector<std::string>{"+x(2)"});
  CHECK(sorted(pub_e) == std::vector<std::string>{"+x(3)"});
}

TEST_CASE("an everything-observer counts each kind of counterpart") {
  vm v;
  std::vector<std::string> every;
  v.spawn(watcher(every, "x(_)"_t, role::publisher, interest::everything));
  std::vector<std::string> s1_log;
  auto s1 = v.spawn(watcher(s1_log, "x(1)"_t, role::subscriber, interest::observer));
  auto s2 = v.spawn(announcer("x(1)"_t, interest::participant));
  v.run();
  // s2 is a publisher: not a counterpart of a publisher.
  CHECK(every == std::vector<std::string>{"+x(1)"});
  CHECK(s1_log == std::vector<std::string>{"+x(1)"});  // s1 sees s2, not the observer
  (void)s2;
  v.stop(s1);
  v.run();
  CHECK(every.back() == "-x(1) quit");
}

TEST_CASE("absence reasons: deleted, quit, crashed") {
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "p($n)"_t));

  // deleted: the counterpart removed its endpoint (but lives on)
  struct holder {
    endpoint_id ep;
  };
  auto remover = v.spawn(actor<holder>{}
                             .subscribe("keepalive"_t)
                             .on_start([](turn<holder>& t) { t.state.ep = t.publish(rec("p", 1)); })
                             .on_message("drop"_t, [](turn<holder>& t, const message&) {
                               t.remove(t.state.ep);
                             }));
  // quit
  auto quitter = v.spawn(actor<>{}.publish(rec("p", 2)).on_message(
      "bye"_t, [](turn<>& t, const message&) { t.quit(); }));
  // crashed
  v.spawn(actor<>{}.publish(rec("p", 3)).on_message(
      "boom"_t, [](turn<>&, const message&) -> void { throw std::runtime_error("kaboom"); }));
  v.run();
  CHECK(log.size() == 3);

  v.send("drop"_t);
  v.send("bye"_t);
  v.send("boom"_t);
  v.run();
  REQUIRE(log.size() == 6);
  CHECK(log[3] == "-p(1) deleted");
  CHECK(log[4] == "-p(2) quit");
  CHECK(log[5] == "-p(3) crashed(\"kaboom\")");
  CHECK(v.alive(remover));
  CHECK_FALSE(v.alive(quitter));
}

TEST_CASE("an actor's own endpoints see each other") {
  vm v;
  std::vector<std::string> log;
  struct st {
    std::vector<std::string>* log;
  };
  v.spawn(actor<st>{{&log}}
              .publish("self(1)"_t)
              .subscribe("self(_)"_t, {.on_presence = [](turn<st>& t, const presence& p) {
                           t.state.log->push_back(p.flow().to_string());
                         }}));
  v.run();
  CHECK(log == std::vector<std::string>{"self(1)"});
}

TEST_CASE("stop with a custom reason and stop of a stale id") {
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "t"_t));
  auto a = v.spawn(announcer("t"_t));
  v.run();
  v.stop(a, reason(rec("evicted", "too slow")));
  v.run();
  CHECK(log.back() == "-t evicted(\"too slow\")");
  v.stop(a);  // already gone: nothing happens
  CHECK(v.run() == 0);
}

TEST_CASE("an integer reason is an absence reason like any other") {
  // A queue entry's reason once doubled as a fan-out countdown: an integer
  // there was taken for a multicast entry.
  vm v;
  std::vector<std::string> log;
  v.spawn(watcher(log, "t"_t));
  v.spawn(watcher(log, "t"_t));
  auto a = v.spawn(announcer("t"_t));
  v.run();
  v.stop(a, reason(term(7)));
  v.run();
  CHECK(log == std::vector<std::string>{"+t", "+t", "-t 7", "-t 7"});
}
