#include "presence_demo.hpp"

#include <optional>

#include "agora/text.hpp"

namespace agora::node_app {

namespace {

struct demo_state {
  std::int64_t id = 0;
  node_log log;
};

/// The other node a node(ID) flow is about; nullopt for this node's own.
std::optional<std::int64_t> other_node(const turn<demo_state>& t, const term& id) {
  if (!id.is_int() || id.as_int() == t.state.id) return std::nullopt;
  return id.as_int();
}

}  // namespace

actor_spec presence_demo(std::uint64_t id, node_log log) {
  return actor<demo_state>{{static_cast<std::int64_t>(id), std::move(log)}, "presence-demo"}.on_start(
      [](turn<demo_state>& t) {
        auto cluster = t.at_cluster();
        cluster.publish(rec("node", t.state.id));
        cluster.subscribe("node($id)"_t,
                          {.on_presence =
                               [](turn<demo_state>& t, const presence& p) {
                                 if (auto other = other_node(t, p["id"])) t.state.log.info("node {} appeared", *other);
                               },
                           .on_absence =
                               [](turn<demo_state>& t, const absence& a) {
                                 if (auto other = other_node(t, a["id"]))
                                   t.state.log.info("node {} disappeared: {}", *other, a.why.to_string());
                               }});
      });
}

}  // namespace agora::node_app
