// agora-node's presence demo (apps/node/presence_demo.hpp) in a VM under a
// stand-in cluster level: what it declares there, and the lines it logs when
// other nodes appear and disappear.
#include <doctest/doctest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agora/text.hpp"
#include "agora/vm.hpp"
#include "presence_demo.hpp"

using namespace agora;
using agora::node_app::log_level;
using agora::node_app::node_log;
using agora::node_app::presence_demo;

namespace {

/// Keeps the root VM's actions at the cluster level; the test plays the
/// other nodes through port->deliver().
struct stand_in_cluster : upper_level {
  root_port* port = nullptr;
  std::vector<upper_action> actions;
  void start(root_port& p) override { port = &p; }
  void apply(std::span<upper_action> batch) override {
    for (auto& a : batch) actions.push_back(std::move(a));
  }
  void stop() override {}

  /// The declared endpoint with this topic and role.
  std::optional<std::uint64_t> declared(const term& topic, role r) const {
    for (const auto& a : actions)
      if (a.kind == upper_action::kind::declare && a.topic == topic && a.role == r) return a.endpoint;
    return std::nullopt;
  }
};

struct demo_fixture {
  std::shared_ptr<stand_in_cluster> cluster = std::make_shared<stand_in_cluster>();
  std::vector<std::string> lines;
  vm v{"ground", cluster};

  explicit demo_fixture(log_level level = log_level::info) {
    v.spawn(presence_demo(1, node_log("agora-node 1", level, [this](std::string_view l) { lines.emplace_back(l); })));
    v.run();
  }

  std::uint64_t subscription() const { return cluster->declared("node($id)"_t, role::subscriber).value(); }

  void deliver(enum upper_event::kind k, term flow, term why = {}) {
    cluster->port->deliver({upper_event{k, subscription(), std::move(flow), std::move(why)}});
    v.run();
  }
};

}  // namespace

TEST_CASE("presence demo: publishes node(ID) and watches node($id) at the cluster level") {
  demo_fixture d;
  CHECK(d.cluster->declared(rec("node", 1), role::publisher));
  const auto sub = d.cluster->declared("node($id)"_t, role::subscriber);
  REQUIRE(sub);
  for (const auto& a : d.cluster->actions)
    if (a.endpoint == *sub) {
      CHECK(a.presence);
      CHECK(a.absence);
    }
  CHECK(d.lines.empty());
}

TEST_CASE("presence demo: logs another node's appearance and disappearance with the reason, not its own") {
  demo_fixture d;
  d.deliver(upper_event::kind::presence, rec("node", 1));
  CHECK(d.lines.empty());
  d.deliver(upper_event::kind::presence, rec("node", 2));
  d.deliver(upper_event::kind::presence, rec("node", 3));
  d.deliver(upper_event::kind::absence, rec("node", 2), sym("shutdown"));
  d.deliver(upper_event::kind::absence, rec("node", 3), rec("node_lost", 3));
  CHECK(d.lines == std::vector<std::string>{"agora-node 1: info: node 2 appeared",
                                            "agora-node 1: info: node 3 appeared",
                                            "agora-node 1: info: node 2 disappeared: shutdown",
                                            "agora-node 1: info: node 3 disappeared: node_lost(3)"});
}

TEST_CASE("presence demo: above info, it says nothing") {
  demo_fixture d(log_level::warn);
  d.deliver(upper_event::kind::presence, rec("node", 2));
  d.deliver(upper_event::kind::absence, rec("node", 2), sym("shutdown"));
  CHECK(d.lines.empty());
}
