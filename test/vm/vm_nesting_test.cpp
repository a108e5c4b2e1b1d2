// Nested VMs (docs/DESIGN.md section 4), run deterministically by agora::vm:
// meta-level endpoints, send/feedback and spawn, the union of children's
// endpoints with multiplicity, reasons on the way up, stopping, depth.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

using log_t = std::vector<std::string>;
struct logger {
  log_t* log;
  std::string tag;
};

/// Watches `topic` (as subscriber or publisher) and logs flows and messages.
actor<logger> watcher(log_t& log, term topic, role r = role::subscriber, std::string tag = "w") {
  handlers<logger> h{
      .on_presence = [](turn<logger>& t, const presence& p) {
        t.state.log->push_back(t.state.tag + " +" + p.flow().to_string());
      },
      .on_absence = [](turn<logger>& t, const absence& a) {
        t.state.log->push_back(t.state.tag + " -" + a.flow().to_string() + " " + a.why.to_string());
      },
      .on_message = [](turn<logger>& t, const message& m) {
        t.state.log->push_back(t.state.tag + " " + m.body().to_string());
      },
  };
  actor<logger> a{{&log, tag}, tag};
  if (r == role::subscriber) a.subscribe(std::move(topic), std::move(h));
  else a.publish(std::move(topic), std::move(h));
  return a;
}

/// A child of a nested VM that, in its first turn, subscribes `levels` VMs
/// up to `topic` (logging what arrives) and to ctl(tag, cmd): cmd "crash"
/// throws, "leave" quits.
actor<logger> meta_listener(log_t& log, std::string tag, term topic, unsigned levels = 1) {
  actor<logger> a{{&log, tag}, tag};
  a.on_start([topic, levels](turn<logger>& t) {
    auto up = t.meta(levels);
    up.subscribe(topic, {.on_message = [](turn<logger>& t, const message& m) {
                   t.state.log->push_back(t.state.tag + " " + m.body().to_string());
                 }});
    up.subscribe(rec("ctl", t.state.tag, _), {.on_message = [](turn<logger>& t, const message& m) {
                   if (m.body()[1] == term("crash")) throw std::runtime_error("boom");
                   t.quit();
                 }});
  });
  return a;
}

}  // namespace

TEST_CASE("a child's meta-level subscription receives messages sent in the parent") {
  vm v("root");
  log_t log;
  v.spawn(nested_vm("jobs", {meta_listener(log, "a", "job(_)"_t)}));
  v.run();
  CHECK(v.vm_count() == 2);
  v.send("job(1)"_t);
  v.send("job(2)"_t);
  v.run();
  CHECK(log == log_t{"a job(1)", "a job(2)"});
}

TEST_CASE("seen from the parent, a nested VM's endpoints are its children's, with multiplicity") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  v.spawn(nested_vm("jobs", {meta_listener(log, "a", "job(_)"_t),
                             meta_listener(log, "b", "job(_)"_t)}));
  v.run();
  CHECK(log == log_t{"boss +job(_)"});  // two children, one flow: presence once

  v.send(rec("ctl", "a", "leave"));
  v.run();
  CHECK(log.size() == 1);  // b still there

  v.send("job(7)"_t);  // the VM's union: only b's endpoint is left
  v.run();
  CHECK(log.back() == "b job(7)");

  v.send(rec("ctl", "b", "leave"));
  v.run();
  CHECK(log.back() == "boss -job(_) quit");
  // The nested VM had no children left: it stopped, and its actor is gone.
  CHECK(v.vm_count() == 1);
  CHECK(v.actor_count() == 1);
}

TEST_CASE("a crash inside a nested VM reaches the parent as crashed(what, vm(path), actor(n))") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  v.spawn(nested_vm("jobs", {meta_listener(log, "a", "job(_)"_t)}));
  v.run();
  v.send(rec("ctl", "a", "crash"));
  v.run();
  REQUIRE(log.size() == 2);
  CHECK(log[1] == "boss -job(_) crashed(\"boom\", vm(\"root/jobs\"), actor(0))");
}

TEST_CASE("meta-level send keeps its order and reaches the parent's subscribers") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "report(_)"_t, role::subscriber, "boss"));
  actor<> reporter;
  reporter.on_start([](turn<>& t) {
    for (int i = 0; i < 100; ++i) t.meta().send(rec("report", i));
  });
  v.spawn(nested_vm("jobs", {reporter}));
  v.run();
  REQUIRE(log.size() == 100);
  for (int i = 0; i < 100; ++i) CHECK(log[static_cast<std::size_t>(i)] == "boss report(" + std::to_string(i) + ")");
}

TEST_CASE("meta-level feedback reaches the parent's publishers") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "credit(_)"_t, role::publisher, "source"));
  actor<> reader;
  reader.on_start([](turn<>& t) { t.meta().feedback(rec("credit", 10)); });
  v.spawn(nested_vm("sink", {reader}));
  v.run();
  CHECK(log == log_t{"source credit(10)"});
}

TEST_CASE("five levels deep: at_ground() declares, sends and hears at the root") {
  vm v("ground");
  log_t log;
  // At the root: an echo that answers ping(n) with pong(n), and a publisher
  // watching who listens for pongs.
  v.spawn(actor<>{}.on_message("ping($n)"_t, [](turn<>& t, const message& m) {
    t.send(rec("pong", m["n"]));
  }));
  v.spawn(watcher(log, "pong(_)"_t, role::publisher, "root"));
  actor<logger> deep{{&log, "deep"}, "deep"};
  deep.on_start([](turn<logger>& t) {
    CHECK(t.depth() == 5);
    t.at_ground().subscribe("pong(_)"_t, {.on_message = [](turn<logger>& t, const message& m) {
      t.state.log->push_back("deep " + m.body().to_string());
      t.quit();
    }});
    t.at_ground().send(rec("ping", 42));
  });
  actor_spec tree = deep;
  for (int level = 5; level >= 1; --level) tree = nested_vm("l" + std::to_string(level), {tree});
  v.spawn(tree);
  v.run();
  CHECK(log == log_t{"root +pong(_)", "deep pong(42)", "root -pong(_) quit"});
  CHECK(v.vm_count() == 1);  // every nested VM ended with its last child
}

TEST_CASE("a reason from deep down names the VM path where it happened") {
  vm v("ground");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  v.spawn(nested_vm("a", {nested_vm("b", {meta_listener(log, "x", "job(_)"_t, 2)})}));
  v.run();
  v.send(rec("ctl", "x", "crash"));  // ctl is also subscribed two levels up
  v.run();
  REQUIRE(log.size() == 2);
  CHECK(log[1] == "boss -job(_) crashed(\"boom\", vm(\"ground/a/b\"), actor(0))");
}

TEST_CASE("stopping a nested VM withdraws all its endpoints with the reason and stops its children") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  v.spawn(watcher(log, "svc(_)"_t, role::publisher, "svc"));
  auto jobs = v.spawn(nested_vm("jobs", {meta_listener(log, "a", "job(_)"_t),
                                         meta_listener(log, "b", "svc(_)"_t)}));
  v.run();
  CHECK(log == log_t{"boss +job(_)", "svc +svc(_)"});
  v.stop(jobs, reason(sym("shutdown")));
  v.run();
  // One actor's endpoints go in no particular order.
  REQUIRE(log.size() == 4);
  std::sort(log.begin() + 2, log.end());
  CHECK(log == log_t{"boss +job(_)", "svc +svc(_)", "boss -job(_) shutdown", "svc -svc(_) shutdown"});
  CHECK(!v.alive(jobs));
  CHECK(v.vm_count() == 1);
}

TEST_CASE("a child spawns a sibling of its VM at the meta level") {
  vm v("root");
  log_t log;
  actor<> spawner;
  spawner.on_start([&log](turn<>& t) {
    t.meta().spawn(watcher(log, "hello(_)"_t, role::subscriber, "sibling"));
    t.meta().send(rec("hello", 1));  // applied after the spawn: the sibling hears it
  });
  v.spawn(nested_vm("jobs", {spawner}));
  v.run();
  CHECK(log == log_t{"sibling hello(1)"});
  CHECK(v.actor_count() == 1);  // the sibling lives on; the nested VM ended
}

TEST_CASE("meta-level actions of a turn that throws never happen") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  v.spawn(watcher(log, "report(_)"_t, role::subscriber, "boss2"));
  actor<> flaky;
  flaky.on_start([](turn<>& t) {
    t.meta().subscribe("job(_)"_t, {.on_message = [](turn<>&, const message&) {}});
    t.meta().send(rec("report", 1));
    throw std::runtime_error("no");
  });
  v.spawn(nested_vm("jobs", {flaky}));
  v.run();
  CHECK(log.empty());
  CHECK(v.vm_count() == 1);
}

TEST_CASE("asking for a level above the root crashes that turn only") {
  vm v("root");
  log_t log;
  v.spawn(watcher(log, "job(_)"_t, role::publisher, "boss"));
  actor<> greedy;
  greedy.on_start([](turn<>& t) { t.meta(2); });
  v.spawn(watcher(log, "x(_)"_t, role::subscriber, "bystander"));
  v.spawn(nested_vm("jobs", {greedy}));
  v.run();
  CHECK(v.vm_count() == 1);
  CHECK(v.actor_count() == 2);
}

TEST_CASE("an empty nested VM stops at once, and a nested VM is an actor of its parent") {
  vm v("root");
  auto empty = v.spawn(nested_vm("empty", {}));
  v.run();
  CHECK(!v.alive(empty));
  log_t log;
  auto busy = v.spawn(nested_vm("busy", {meta_listener(log, "z", "x"_t)}));
  v.run();
  CHECK(v.alive(busy));
  CHECK(v.actor_name(busy) == "busy");
  v.stop(busy);
  v.run();
  CHECK(v.vm_count() == 1);
}
