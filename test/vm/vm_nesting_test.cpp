// Nested VMs (DESIGN.md section 4), run deterministically by agora::vm:
// meta-level endpoints, send/feedback and spawn, the union of children's
// endpoints with multiplicity, reasons on the way up, stopping, depth.
#include <doctest/doctest.h>

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
