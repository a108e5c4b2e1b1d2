// A plain CAF actor (its own actor system, no agora code in it) injects
// messages into a VM through a vm_handle and observes presence through a
// push-form tap that forwards to it with caf::anon_send.
#include <doctest/doctest.h>

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <future>
#include <string>
#include <vector>

#include "agora/runtime.hpp"
#include "agora/text.hpp"

using namespace agora;

namespace {
struct seen {
  std::string line;
};
}  // namespace

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(seen)

namespace {
using lines_promise = std::promise<std::vector<std::string>>;

/// The plain CAF actor: sends hello(...) into the VM from its CAF thread and
/// collects what the tap forwards. (A free function: CAF 0.17's lambda
/// spawn path trips UBSan inside CAF itself.)
caf::behavior observer(caf::event_based_actor* self, vm_handle v, lines_promise* result) {
  auto lines = std::make_shared<std::vector<std::string>>();
  for (auto who : {"ann", "bob"}) v.send(rec("hello", who));
  return {[=](seen& s) {
    lines->push_back(s.line);
    if (lines->size() == 2) {
      result->set_value(*lines);
      self->quit();
    }
  }};
}
}  // namespace

TEST_CASE("a plain CAF actor injects into a VM and observes presence through a tap") {
  runtime rt({.threads = 1});
  // In the VM: a greeter that publishes greeted(who) for everyone who says hello.
  auto v = rt.spawn_vm("v", {actor<>{}.on_message("hello($who)"_t, [](turn<>& t, const message& m) {
    t.publish(rec("greeted", m["who"]));
  })});

  caf::actor_system_config cfg;
  cfg.set("logger.console", caf::atom("none"));
  caf::actor_system sys(cfg);
  lines_promise result;
  auto obs = sys.spawn(observer, v, &result);
  tap forward(v, "greeted(_)"_t, [obs](tap_event e) {
    caf::anon_send(obs, seen{e.topic.to_string()});
  });
  auto fut = result.get_future();
  REQUIRE(fut.wait_for(std::chrono::seconds(10)) == std::future_status::ready);
  auto lines = fut.get();
  std::sort(lines.begin(), lines.end());
  CHECK(lines == std::vector<std::string>{"greeted(\"ann\")", "greeted(\"bob\")"});
  v.shutdown();
  CHECK(rt.wait_for(std::chrono::seconds(10)));
}
