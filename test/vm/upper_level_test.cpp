// The seam between a root VM and the level above it (agora/upper_level.hpp):
// actions arrive there in turn order with the endpoint's handlers stated,
// events come back to the right endpoint, and hold() stops the turns.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

/// Records what reaches it; the test answers through `port`.
struct recording_level final : upper_level {
  std::vector<upper_action> seen;
  root_port* port = nullptr;
  bool stopped = false;
  void start(root_port& p) override { port = &p; }
  void apply(std::span<upper_action> batch) override {
    for (auto& a : batch) seen.push_back(std::move(a));
  }
  void stop() override { stopped = true; }
};

}  // namespace

TEST_CASE("a root VM's actions at the level above arrive in turn order") {
  auto level = std::make_shared<recording_level>();
  {
    agora::vm v("root", level);
    REQUIRE(level->port != nullptr);
    v.spawn(actor<>{}.on_start([](turn<>& t) {
      auto up = t.at_cluster();
      auto ep = up.subscribe("svc($x)"_t, {.on_message = [](turn<>&, const message&) {}});
      up.send("svc(1)"_t);
      up.feedback("svc(2)"_t);
      t.remove(ep, reason::crashed("gone"));
    }));
    v.run();
    REQUIRE(level->seen.size() == 4);
    CHECK(level->seen[0].kind == upper_action::kind::declare);
    CHECK(level->seen[0].topic == "svc($x)"_t);
    CHECK(level->seen[0].message);
    CHECK_FALSE(level->seen[0].presence);
    CHECK(level->seen[1].kind == upper_action::kind::send);
    CHECK(level->seen[2].kind == upper_action::kind::feedback);
    CHECK(level->seen[3].kind == upper_action::kind::withdraw);
    CHECK(level->seen[3].endpoint == level->seen[0].endpoint);
    CHECK(level->seen[3].why.is_record("crashed"));
  }
  CHECK(level->stopped);
}

TEST_CASE("events from the level above reach the endpoint, also from a nested VM") {
  auto level = std::make_shared<recording_level>();
  agora::vm v("root", level);
  auto got = std::make_shared<std::vector<std::string>>();
  v.spawn(nested_vm("inner", {actor<>{}.on_start([got](turn<>& t) {
    CHECK(t.in_cluster());
    t.at_cluster().subscribe("svc($x)"_t,
                             {.on_presence = [got](turn<>&, const presence& p) { got->push_back("+" + p["x"].to_string()); },
                              .on_message = [got](turn<>&, const message& m) { got->push_back(m.body().to_string()); }});
  })}));
  v.run();
  REQUIRE(level->seen.size() == 1);
  const auto ep = level->seen[0].endpoint;
  level->port->deliver({{.kind = upper_event::kind::presence, .endpoint = ep, .topic = "svc(1)"_t},
                        {.kind = upper_event::kind::message, .endpoint = ep, .topic = "svc(2)"_t}});
  v.run();
  CHECK(*got == std::vector<std::string>{"+1", "svc(2)"});
}

TEST_CASE("hold stops the turns until it is released") {
  auto level = std::make_shared<recording_level>();
  agora::vm v("root", level);
  auto count = std::make_shared<int>(0);
  v.spawn(actor<>{}.on_message("tick"_t, [count](turn<>&, const message&) { ++*count; }));
  level->port->hold(true);
  v.send("tick"_t);
  CHECK(v.run() == 0);
  CHECK(*count == 0);
  level->port->hold(false);
  v.run();
  CHECK(*count == 1);
}
