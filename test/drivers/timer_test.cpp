// The timer driver, driven through a deterministic agora::vm and a
// pump_port (an io_context on its own thread; the ticks it posts are moved
// into the VM by the test). No assertion on how late a timer is; assertions on
// ordering, counts and semantics, plus "never early".
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agora/drivers/pump_port.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/vm.hpp"
#include "fixture.hpp"

using namespace agora;
using namespace std::chrono_literals;
using tclock = timer::clock;

namespace {

struct firing {
  term id;
  std::int64_t n;
  tclock::time_point at;
};

struct client {
  std::vector<firing>* fires = nullptr;
  endpoint_id sub{};  // the running timer's subscription
};

/// The handler clients use: record id, n and when.
void record(turn<client>& t, const term& id, std::int64_t n) {
  t.state.fires->push_back({id, n, tclock::now()});
}

struct fixture : test::driver_fixture<timer::driver_options> {
  std::size_t driver_endpoints = 0;

  fixture() : driver_fixture(timer::driver, {}) { driver_endpoints = v.endpoint_count(); }

  timer::stats stats() {
    return stats_by<timer::stats>(
        [](auto& t, term id, auto f) { return timer::query_stats(t, std::move(id), std::move(f)); });
  }

  /// A client whose first turn is `first`, which also cancels its timer on
  /// cancel(ID) messages.
  template <class F>
  actor_id spawn_client(std::vector<firing>& fires, F first, std::string name = "client") {
    return v.spawn(actor<client>{{&fires, {}}, std::move(name)}
                       .on_start(std::move(first))
                       .on_message(rec("cancel", _), [](turn<client>& t, const message& m) {
                         timer::cancel(t, t.state.sub, m.body()[0]);
                       }));
  }
};

}  // namespace

TEST_CASE("timer: a one-shot timer fires once, not early, and then lets go") {
  fixture f;
  std::vector<firing> fires;
  const auto start = tclock::now();
  f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::once(t, sym("a"), 3ms, record);
  });
  REQUIRE(f.pump_until([&] { return !fires.empty(); }));
  f.port.pump_for(f.v, 30ms);
  REQUIRE(fires.size() == 1);
  CHECK(fires[0].id == sym("a"));
  CHECK(fires[0].n == 1);
  CHECK(fires[0].at >= start + 3ms);
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);  // the one-shot removed its subscription
  CHECK(s.fired == 1);
  CHECK(f.v.endpoint_count() == f.driver_endpoints + 1);  // the client's cancel(_) is left
}

TEST_CASE("timer: a periodic timer is fixed-rate: 2,000 periods of 1 ms do not drift") {
  fixture f;
  std::vector<firing> fires;
  const auto after = 5ms;
  const auto period = 1ms;
  const auto start = tclock::now();
  f.spawn_client(fires, [=](turn<client>& t) {
    t.state.sub = timer::start(t, sym("p"), after, period, record);
  });
  REQUIRE(f.pump_until([&] { return !fires.empty() && fires.back().n >= 2000; }));

  std::int64_t previous = 0;
  for (const auto& fr : fires) {
    CHECK(fr.n > previous);                                   // strictly increasing
    CHECK(fr.at >= start + after + (fr.n - 1) * period);      // never early
    previous = fr.n;
  }
  // N counts the periods elapsed: at the last delivery, it matches the time
  // since the start (a timer re-based on "now" would lag by hundreds).
  const auto& last = fires.back();
  const std::int64_t elapsed = (last.at - start - after) / period + 1;
  CHECK(last.n <= elapsed);
  CHECK(last.n >= elapsed - 5);

  CHECK(f.stats().active == 1);
  f.v.send(rec("cancel", sym("p")));
  f.v.run();
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  // Every period is accounted for: sent (and delivered, or dropped at the
  // cancel) or coalesced into a later message.
  CHECK(s.fired >= static_cast<std::int64_t>(fires.size()));
  CHECK(s.fired + s.missed >= fires.back().n);
}

TEST_CASE("timer: a timer cancelled before its deadline never fires") {
  fixture f;
  std::vector<firing> fires;
  f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::once(t, sym("c"), 20ms, record);
  });
  f.v.run();
  f.v.send(rec("cancel", sym("c")));
  f.v.run();
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  f.port.pump_for(f.v, 60ms);
  CHECK(fires.empty());
  CHECK(f.stats().fired == 0);
}

TEST_CASE("timer: a cancelled timer never fires, even when its expiry is already queued") {
  fixture f;
  std::vector<firing> fires;
  f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::once(t, sym("q"), 1ms, record);
  });
  f.v.run();  // the driver armed it

  // The deadline passes and the tick is posted, but not yet delivered.
  REQUIRE(f.port.wait(tclock::now() + 10s));

  // Queue: [tick, cancel]. The tick's turn queues timer_expired(q, 1) behind
  // the cancel; the cancel's turn runs while the expiry waits in the queue.
  REQUIRE(f.port.deliver(f.v) == 1);
  f.v.send(rec("cancel", sym("q")));
  const auto dropped_before = f.v.stats().events_dropped;
  CHECK(f.v.stats().queued == 2);      // the tick, then the cancel
  REQUIRE(f.v.step());                 // the tick turn: the driver fires
  CHECK(f.v.stats().queued == 2);      // the cancel, then the expiry
  f.v.run();
  CHECK(fires.empty());
  CHECK(f.v.stats().events_dropped == dropped_before + 1);
  auto s = f.stats();
  CHECK(s.fired == 1);  // it did fire: the expiry was dropped, not unsent
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
}

TEST_CASE("timer: a cancel by an earlier receiver of the same expiry wins") {
  // One multicast expiry: a wildcard subscriber (created first, so served
  // first) cancels the timer; the timer's own endpoint never sees it. The
  // wildcard subscription keeps no timer alive.
  fixture f;
  std::vector<firing> fires;
  int seen_by_watcher = 0;
  struct watcher {
    std::vector<firing>* fires;
    int* seen;
    endpoint_id sub;
  };
  f.v.spawn(actor<watcher>{{&fires, &seen_by_watcher, {}}, "watcher"}
                .subscribe(rec("timer_expired", _, _),
                           {.on_message = [](turn<watcher>& t, const message& m) {
                             ++*t.state.seen;
                             timer::cancel(t, t.state.sub, m.body()[0]);
                           }})
                .on_start([](turn<watcher>& t) {
                  t.state.sub = timer::every(
                      t, sym("m"), 2ms, [](turn<watcher>& t, std::int64_t n) {
                        t.state.fires->push_back({sym("m"), n, tclock::now()});
                      });
                }));
  REQUIRE(f.pump_until([&] { return seen_by_watcher > 0; }));
  f.port.pump_for(f.v, 20ms);
  CHECK(seen_by_watcher >= 1);
  CHECK(fires.empty());
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
}

TEST_CASE("timer: a timer whose owner stops or crashes is cancelled") {
  fixture f;
  std::vector<firing> fires;
  bool crash = false;
  SUBCASE("stops") {}
  SUBCASE("crashes") { crash = true; }
  auto owner = f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::every(t, sym("o"), 1ms, [](turn<client>& t, std::int64_t n) {
      record(t, sym("o"), n);
      if (n >= 3 && t.state.fires->size() >= 3) throw std::runtime_error("owner crashed");
    });
  });
  if (crash) {
    REQUIRE(f.pump_until([&] { return !f.v.alive(owner); }));
    CHECK(f.v.stats().crashes == 1);
  } else {
    REQUIRE(f.pump_until([&] { return fires.size() >= 2; }));
    f.v.stop(owner);
    f.v.run();
  }
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  const auto fired = s.fired;
  f.port.pump_for(f.v, 20ms);
  CHECK(f.stats().fired == fired);  // the driver sends nothing more
  CHECK(f.v.endpoint_count() == f.driver_endpoints);
}

TEST_CASE("timer: a timer lives while any subscriber of its ID does") {
  fixture f;
  std::vector<firing> fires;
  struct raw {
    endpoint_id sub;
  };
  // A: subscribes and arms (raw protocol); B: also listens to the same ID.
  auto a = f.v.spawn(actor<raw>{{}, "a"}
                         .on_start([](turn<raw>& t) {
                           t.state.sub = t.subscribe(timer::expired_topic(sym("shared")));
                           t.send(timer::set_timer_message(sym("shared"), 2ms, 2ms));
                         })
                         .on_message(sym("leave"), [](turn<raw>& t, const message&) {
                           t.remove(t.state.sub);
                         }));
  auto b = f.v.spawn(actor<client>{{&fires, {}}, "b"}.subscribe(
      timer::expired_topic(sym("shared")), {.on_message = [](turn<client>& t, const message& m) {
        record(t, m.body()[0], m.body()[1].as_int());
      }}));
  REQUIRE(f.pump_until([&] { return fires.size() >= 2; }));
  f.v.send(sym("leave"));  // A's endpoint goes: B still listens
  f.v.run();
  CHECK(f.stats().active == 1);
  const auto before = fires.size();
  REQUIRE(f.pump_until([&] { return fires.size() >= before + 2; }));
  f.v.stop(b);
  f.v.run();
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  f.v.stop(a);
}

TEST_CASE("timer: setting an armed ID again replaces its schedule") {
  fixture f;
  std::vector<firing> fires;
  struct raw {
    std::vector<firing>* fires;
  };
  f.v.spawn(actor<raw>{{&fires}, "raw"}
                .subscribe(rec("timer_expired", _, _),
                           {.on_message = [](turn<raw>& t, const message& m) {
                             t.state.fires->push_back(
                                 {m.body()[0], m.body()[1].as_int(), tclock::now()});
                           }})
                .on_start([](turn<raw>& t) {
                  // Concrete subscriptions keep the IDs alive at the driver.
                  t.subscribe(timer::expired_topic(sym("r1")));
                  t.subscribe(timer::expired_topic(sym("r2")));
                  t.send(timer::set_timer_message(sym("r1"), 10s, 0s));
                  t.send(timer::set_timer_message(sym("r2"), 1ms, 1ms));
                })
                .on_message(sym("reset"), [](turn<raw>& t, const message&) {
                  t.send(timer::set_timer_message(sym("r1"), 2ms, 0s));  // 10 s → 2 ms
                  t.send(timer::set_timer_message(sym("r2"), 5ms, 0s));  // periodic → once
                }));
  auto count = [&](const char* id) {
    std::size_t k = 0;
    for (auto& fr : fires) k += fr.id == sym(id);
    return k;
  };
  REQUIRE(f.pump_until([&] { return count("r2") >= 3; }));
  f.v.send(sym("reset"));
  const auto reset_at = tclock::now();
  const std::size_t reset_index = fires.size();
  // The new one-shot r2 is the only r2 firing with N = 1 after the reset (the
  // old periodic one was at N >= 3; at most one of its expiries may still
  // have been queued when the reset turn ran).
  auto new_r2 = [&]() -> const firing* {
    for (std::size_t i = reset_index; i < fires.size(); ++i)
      if (fires[i].id == sym("r2") && fires[i].n == 1) return &fires[i];
    return nullptr;
  };
  // r1 fires long before its first schedule (10 s) would have.
  REQUIRE(f.pump_until([&] { return count("r1") == 1 && new_r2() != nullptr; }, 5s));
  const auto r2_total = count("r2");
  f.port.pump_for(f.v, 30ms);
  CHECK(count("r1") == 1);
  CHECK(count("r2") == r2_total);  // the periodic schedule is gone
  CHECK(new_r2()->at >= reset_at + 5ms);
  CHECK(fires.back().id == sym("r2"));
  CHECK(fires.back().n == 1);
  CHECK(f.stats().active == 0);
}

TEST_CASE("timer: 10,000 timers all fire, once each, and nothing stays behind") {
  fixture f;
  constexpr int count = 10'000;
  std::vector<int> hits(count, 0);
  struct many {
    std::vector<int>* hits;
  };
  f.v.spawn(actor<many>{{&hits}, "many"}.on_start([](turn<many>& t) {
    for (int i = 0; i < count; ++i)
      timer::once(t, term(i), std::chrono::microseconds(5 * (i % 1000)),  // spread over 5 ms
                  [](turn<many>& t, const term& id, std::int64_t n) {
                    if (n == 1) ++(*t.state.hits)[static_cast<std::size_t>(id.as_int())];
                  });
  }));
  int total = 0;
  REQUIRE(f.pump_until([&] {
    total = 0;
    for (int h : hits) total += h;
    return total == count;
  }));
  f.port.pump_for(f.v, 10ms);
  for (int i = 0; i < count; ++i) CHECK_MESSAGE(hits[static_cast<std::size_t>(i)] == 1, i);
  auto s = f.stats();
  CHECK(s.fired == count);
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  CHECK(f.v.endpoint_count() == f.driver_endpoints);  // every one-shot let go
}

TEST_CASE("timer: malformed requests are ignored with one line each, and the driver carries on") {
  fixture f;
  f.v.spawn(actor<>{}.subscribe(timer::expired_topic(sym("x"))));
  f.v.run();
  f.v.send(rec("set_timer", sym("x"), "soon", 0));
  f.v.send(rec("set_timer", sym("x"), -5, 0));
  f.v.send(rec("set_timer", sym("x"), 1.5, 0));
  f.v.send(rec("set_timer", sym("x"), 0, timer::max_duration_us + 1));
  f.v.send(rec("set_timer", sym("x")));
  f.v.send(rec("set_timer", sym("x"), 1, 2, 3));
  f.v.send(rec("cancel_timer"));
  f.v.send(rec("get_timer_stats", 1, 2));
  f.v.send(rec("set_timer", sym("nobody"), 1, 0));  // no subscriber: would leak
  f.v.run();
  CHECK(f.v.alive(f.driver));
  REQUIRE(f.log.size() == 9);
  for (auto& line : f.log) CHECK_MESSAGE(line.find("agora.timer: ignored ") == 0, line);
  CHECK(f.log[0].find("after_us and period_us must be integers") != std::string::npos);
  CHECK(f.log[4].find("want set_timer(ID, after_us, period_us)") != std::string::npos);
  CHECK(f.log[6].find("want cancel_timer(ID)") != std::string::npos);
  CHECK(f.log[8].find("nobody subscribes to timer_expired(nobody, _)") != std::string::npos);
  auto s = f.stats();
  CHECK(s.ignored == 9);
  CHECK(s.active == 0);

  std::vector<firing> fires;
  f.spawn_client(fires, [](turn<client>& t) { t.state.sub = timer::once(t, sym("ok"), 1ms, record); });
  REQUIRE(f.pump_until([&] { return fires.size() == 1; }));
}

TEST_CASE("timer: ticks cannot be forged: the old private tick reaches nobody") {
  fixture f;
  std::vector<firing> fires;
  f.spawn_client(fires, [](turn<client>& t) { t.state.sub = timer::once(t, sym("t"), 1h, record); });
  f.v.run();
  // What the I/O side used to inject: agora.timer.tick(INSTANCE, GEN), with
  // INSTANCE the driver's id, for the generations an arming might have.
  const term instance(static_cast<std::int64_t>(f.driver.value));
  for (std::int64_t gen = 0; gen < 3; ++gen)
    CHECK(f.turns_for(rec("agora.timer.tick", instance, gen)) == 0);
  CHECK(fires.empty());
  CHECK(f.stats().active == 1);
  CHECK(f.log.empty());
}

TEST_CASE("timer: a malformed request goes to the port's log sink, as a warning") {
  fixture f;  // its driver has no sink of its own: the port's is the default
  f.v.send(rec("cancel_timer", 1, 2));
  f.v.run();
  REQUIRE(f.log.size() == 1);
  CHECK(f.log[0] == "agora.timer: ignored cancel_timer(1, 2): want cancel_timer(ID)");
  CHECK(f.levels == std::vector<log_level>{log_level::warn});
  CHECK(f.stats().ignored == 1);

  // A sink of the driver's own takes precedence.
  std::vector<std::string> own;
  pump_port port;
  vm v;
  v.spawn(timer::driver(port, {.log = [&](log_level, std::string_view line) { own.emplace_back(line); }}));
  v.send(rec("set_timer"));
  v.run();
  REQUIRE(own.size() == 1);
  CHECK(own[0] == "agora.timer: ignored " + rec("set_timer").to_string() +
                      ": want set_timer(ID, after_us, period_us)");
}

TEST_CASE("timer: the helpers refuse negative durations in the requester's turn") {
  fixture f;
  std::vector<firing> fires;
  auto c = f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::start(t, sym("neg"), -1ms, 0ms, record);
  });
  f.v.run();
  CHECK_FALSE(f.v.alive(c));
  CHECK(f.v.stats().crashes == 1);
  CHECK(f.log.empty());
  CHECK(f.stats().subscribed == 0);
}

TEST_CASE("timer: stopping the driver with armed timers lets go of everything") {
  // Run under ASan/LSan: the pending asio wait and the driver's state must
  // all be freed; the port's destructor must not hang.
  fixture f;
  std::vector<firing> fires;
  f.spawn_client(fires, [](turn<client>& t) {
    t.state.sub = timer::once(t, sym("far"), std::chrono::hours(1), record);
    timer::every(t, sym("near"), 1ms, record);
  });
  // A requester can watch the driver come and go.
  std::vector<std::string> seen;
  f.v.spawn(actor<std::vector<std::string>*>{&seen}.subscribe(
      timer::expired_topic(sym("watch")),
      {.on_presence = [](auto& t, const presence& p) { t.state->push_back("+ " + p.flow().to_string()); },
       .on_absence = [](auto& t, const absence& a) {
         t.state->push_back("- " + a.flow().to_string() + " " + a.why.to_string());
       }}));
  REQUIRE(f.pump_until([&] { return fires.size() >= 2; }));
  f.v.stop(f.driver);
  f.v.run();
  const auto n = fires.size();
  f.port.pump_for(f.v, 20ms);
  CHECK(fires.size() == n);
  CHECK(seen == std::vector<std::string>{"+ timer_expired(watch, _)", "- timer_expired(watch, _) quit"});
}

TEST_CASE("timer: timers work from nested VMs, relayed without user code") {
  // The client code is the same as at the ground: the helpers declare the
  // subscription and send the request with t.at_ground().
  fixture f;
  std::vector<firing> fires;
  actor_spec deep = actor<client>{{&fires, {}}, "deep-client"}.on_start([](turn<client>& t) {
    CHECK(t.depth() == 2);
    t.state.sub = timer::every(t, sym("deep"), 1ms, record);
  });
  const auto start = tclock::now();
  auto outer = f.v.spawn(nested_vm("outer", {nested_vm("inner", {deep})}));
  REQUIRE(f.pump_until([&] { return fires.size() >= 3; }));
  for (auto& fr : fires) CHECK(fr.at >= start + fr.n * 1ms);
  auto s = f.stats();
  CHECK(s.active == 1);
  CHECK(s.subscribed == 1);
  // The nested VMs go: their ground endpoints go, and the driver lets go.
  f.v.stop(outer);
  f.v.run();
  s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
  const auto n = fires.size();
  f.port.pump_for(f.v, 20ms);
  CHECK(fires.size() == n);
}

TEST_CASE("timer: a cancel in a nested VM wins over an expiry already relayed") {
  // As at the ground: the nested client's wildcard ground subscription is
  // served first and cancels; the timer's own (relayed) endpoint never sees
  // the expiry.
  fixture f;
  std::vector<firing> fires;
  int seen = 0;
  struct watcher {
    std::vector<firing>* fires;
    int* seen;
    endpoint_id sub;
  };
  actor_spec w = actor<watcher>{{&fires, &seen, {}}, "nested-watcher"}.on_start(
      [](turn<watcher>& t) {
        t.at_ground().subscribe(rec("timer_expired", _, _),
                                {.on_message = [](turn<watcher>& t, const message& m) {
                                  ++*t.state.seen;
                                  timer::cancel(t, t.state.sub, m.body()[0]);
                                }});
        t.state.sub = timer::every(t, sym("nm"), 2ms, [](turn<watcher>& t, std::int64_t n) {
          t.state.fires->push_back({sym("nm"), n, tclock::now()});
        });
      });
  f.v.spawn(nested_vm("outer", {w}));
  REQUIRE(f.pump_until([&] { return seen > 0; }));
  f.port.pump_for(f.v, 20ms);
  CHECK(fires.empty());
  auto s = f.stats();
  CHECK(s.active == 0);
  CHECK(s.subscribed == 0);
}
