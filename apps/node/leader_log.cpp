#include "leader_log.hpp"

#include "agora/actors/election.hpp"

namespace agora::node_app {

actor_spec leader_log(node_log log) {
  return actor<>{}.on_start([log](turn<>& t) {
    election::on_leader(t, [log](turn<>&, std::optional<election::leader_info> l) {
      if (l)
        log.info("leader: node {} (epoch {})", l->id, l->epoch);
      else
        log.info("leader: none");
    });
  });
}

}  // namespace agora::node_app
