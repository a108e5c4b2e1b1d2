#include "status_collector.hpp"

#include "agora/actors/election.hpp"
#include "telemetry_topics.hpp"

namespace agora::node_app {

namespace {

struct collector_state {
  std::shared_ptr<telemetry_board> board;
};

bool node_id(const term& t) { return t.is_int() && t.as_int() >= 1; }

bool fields(const term& t) {
  if (!t.is_sequence()) return false;
  for (const auto& f : t.items())
    if (!f.is_record() || f.size() != 1) return false;
  return true;
}

}  // namespace

actor_spec status_collector(std::shared_ptr<telemetry_board> board) {
  return actor<collector_state>{{std::move(board)}, "status-collector"}.on_start([](turn<collector_state>& t) {
    t.at_cluster().subscribe(
        telemetry::status_topic(),
        {.on_absence =
             [](turn<collector_state>& t, const absence& a) {
               if (a.flow().is_record("status", 2) && node_id(a.flow()[0]))
                 t.state.board->forget(static_cast<std::uint64_t>(a.flow()[0].as_int()));
             },
         .on_message =
             [](turn<collector_state>& t, const message& m) {
               const term& b = m.body();
               if (b.is_record("status", 2) && node_id(b[0]) && fields(b[1]))
                 t.state.board->set_status(static_cast<std::uint64_t>(b[0].as_int()), b[1]);
             }});
    election::on_leader(t, [](turn<collector_state>& t, std::optional<election::leader_info> l) {
      t.state.board->set_leader(l ? std::optional(cluster::leader_status{l->id, l->epoch}) : std::nullopt);
    });
  });
}

}  // namespace agora::node_app
