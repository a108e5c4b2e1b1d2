// Nested VMs under the runtime: each VM its own CAF actor, batches across
// the boundary, order kept, reasons up, taps from outside.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "agora/runtime.hpp"
#include "agora/text.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

/// A nested VM's child that listens at the meta level for job(n), answers
/// done(n) there, and crashes on job(-1).
actor<> worker() {
  actor<> a{{}, "worker"};
  a.on_start([](turn<>& t) {
    t.meta().subscribe("job($n)"_t, {.on_message = [](turn<>& t, const message& m) {
                         if (m["n"].as_int() < 0) throw std::runtime_error("bad job");
                         t.meta().send(rec("done", m["n"]));
                       }});
  });
  return a;
}

std::optional<tap_event> next_of(tap& w, enum tap_event::kind k) {
  for (;;) {
    auto e = w.next(10s);
    if (!e || e->kind == k) return e;
  }
}

}  // namespace

TEST_CASE("runtime: a nested VM's meta endpoint is seen, used and withdrawn with a located reason") {
  runtime rt({.threads = 2});
  auto top = rt.spawn_vm("top", {nested_vm("jobs", {worker()})});
  tap jobs(top, "job(_)"_t, role::publisher);  // sees the worker's subscription
  tap results(top, "done(_)"_t);

  auto p = next_of(jobs, tap_event::kind::presence);
  REQUIRE(p);
  CHECK(p->topic == "job(_)"_t);

  for (int i = 0; i < 1000; ++i) top.send(rec("job", i));
  for (int i = 0; i < 1000; ++i) {
    auto e = results.next(10s);
    REQUIRE(e);
    CHECK(e->topic == rec("done", i));  // order kept through two CAF hops
  }

  top.send(rec("job", -1));
  auto a = next_of(jobs, tap_event::kind::absence);
  REQUIRE(a);
  CHECK(a->why.to_string() == R"(crashed("bad job", vm("top/jobs"), actor(0)))");
  top.shutdown();
  CHECK(rt.wait_for(10s));
}

TEST_CASE("runtime: five levels deep, at_ground() reaches the top VM") {
  runtime rt({.threads = 2});
  actor<> deep{{}, "deep"};
  deep.on_start([](turn<>& t) {
    t.at_ground().subscribe("pong(_)"_t, {.on_message = [](turn<>& t, const message&) { t.quit(); }});
    t.at_ground().send(rec("ping", 5));
  });
  actor_spec tree = deep;
  for (int level = 5; level >= 1; --level) tree = nested_vm("l" + std::to_string(level), {tree});
  auto top = rt.spawn_vm("top", [tree](vm& v) {
    v.spawn(actor<>{}.on_message("ping($n)"_t, [](turn<>& t, const message& m) {
      t.send(rec("pong", m["n"]));
      t.quit();
    }));
    v.spawn(tree);
  });
  // Everything quits by itself: the deep actor after its pong, each nested
  // VM with its last child, the echo after one ping.
  CHECK(rt.wait_for(10s));
}

TEST_CASE("runtime: stopping the top VM stops the nested ones") {
  runtime rt({.threads = 2});
  auto top = rt.spawn_vm("top", {nested_vm("a", {nested_vm("b", {worker()})})});
  tap jobs(top, "job(_)"_t, role::publisher);
  // The worker's subscription is declared in "a" (one level up from "b"),
  // not in top: nothing shows here.
  CHECK(!jobs.next(200ms));
  top.shutdown();
  CHECK(rt.wait_for(10s));
}

TEST_CASE("a tap sees presence, messages and absence from another thread") {
  runtime rt({.threads = 1});
  auto v = rt.spawn_vm("v", {actor<>{}.publish("present(\"alice\")"_t).on_message(
      "bye"_t, [](turn<>& t, const message&) { t.quit(); })});
  tap w(v, "present($who)"_t);
  tap m(v, "note(_)"_t);
  auto p = w.next(10s);
  REQUIRE(p);
  CHECK(p->kind == tap_event::kind::presence);
  CHECK(p->topic == "present(\"alice\")"_t);
  v.send("note(1)"_t);
  auto n = m.next(10s);
  REQUIRE(n);
  CHECK(n->topic == "note(1)"_t);
  v.send("bye"_t);
  auto a = w.next(10s);
  REQUIRE(a);
  CHECK(a->kind == tap_event::kind::absence);
  CHECK(a->why.is("quit"));
  v.shutdown();
  CHECK(rt.wait_for(10s));
}
