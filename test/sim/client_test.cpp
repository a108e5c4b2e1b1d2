// Clients (agora-node submit, cancel, status) take part in the cluster
// level: they link to every member, their assertions are seen everywhere
// and outlive the loss of the member they first dialed, and their loss is
// absence node_lost(ID) everywhere (DESIGN section 5, docs/CLUSTER.md).
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/sim/simulation.hpp"
#include "agora/text.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

constexpr std::uint64_t client_id = 100;

/// Per node: the owners of ticket(N) assertions it sees, and every change.
struct tickets {
  std::map<std::uint64_t, int> present;
  std::vector<std::string> changes;
};

sim::node_setup watch(std::map<std::uint64_t, tickets>& seen) {
  return [&seen](sim::node_context& n) {
    auto& mine = seen[n.id];
    mine.present.clear();
    n.ground.spawn(actor<>{}.on_start([&mine](turn<>& t) {
      t.at_cluster().subscribe(
          "ticket($n)"_t,
          {.on_presence = [&mine](turn<>&, const presence& p) { ++mine.present[p["n"].as_int()]; },
           .on_absence =
               [&mine](turn<>&, const absence& a) {
                 if (--mine.present[a["n"].as_int()] == 0) mine.present.erase(a["n"].as_int());
                 mine.changes.push_back(a.why.to_string());
               }});
    }));
  };
}

/// The client asserts ticket(7) and counts the members' echo(ID) it sees.
sim::node_setup client(int& echoes_seen) {
  return [&echoes_seen](sim::node_context& n) {
    n.ground.spawn(actor<>{}.on_start([&echoes_seen](turn<>& t) {
      auto c = t.at_cluster();
      c.publish("ticket(7)"_t);
      c.subscribe("echo(_)"_t, {.on_presence = [&echoes_seen](turn<>&, const presence&) { ++echoes_seen; },
                                .on_absence = [&echoes_seen](turn<>&, const absence&) { --echoes_seen; }});
    }));
  };
}

sim::node_setup member(std::map<std::uint64_t, tickets>& seen) {
  auto w = watch(seen);
  return [w](sim::node_context& n) {
    w(n);
    const auto id = static_cast<std::int64_t>(n.id);
    n.ground.spawn(actor<>{}.on_start([id](turn<>& t) { t.at_cluster().publish(rec("echo", id)); }));
  };
}

}  // namespace

TEST_CASE("a client links to every member, and its assertions outlive the member it dialed") {
  sim::simulation s({.seed = 11});
  std::map<std::uint64_t, tickets> seen;
  for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, member(seen));
  s.run_for(1s);
  int echoes = 0;
  s.add_client(client_id, 1, client(echoes));
  s.run_for(1s);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    INFO("member ", id);
    CHECK(seen[id].present.count(7) == 1);
    CHECK(s.status(id).members.size() == 3);  // the client is no member
    CHECK(s.status(id).links.size() == 2);    // nor a member's link
  }
  CHECK(echoes == 3);
  CHECK(s.status(client_id).members.size() == 3);

  s.crash(1);  // the member the client dialed
  s.run_for(2s);
  CHECK(seen[2].present.count(7) == 1);
  CHECK(seen[3].present.count(7) == 1);
  CHECK(seen[2].changes.empty());
  CHECK(echoes == 2);

  s.restart(1);  // the client links to the new incarnation too
  s.run_for(3s);
  CHECK(seen[1].present.count(7) == 1);
  CHECK(echoes == 3);

  s.crash(client_id);
  s.run_for(2s);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    INFO("member ", id);
    CHECK(seen[id].present.empty());
    REQUIRE(!seen[id].changes.empty());
    CHECK(seen[id].changes.back() == "node_lost(100)");
  }
}

TEST_CASE("a client that leaves in order is withdrawn with shutdown") {
  sim::simulation s({.seed = 12});
  std::map<std::uint64_t, tickets> seen;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, member(seen));
  int echoes = 0;
  s.add_client(client_id, 2, client(echoes));
  s.run_for(2s);
  CHECK(seen[1].present.count(7) == 1);
  s.stop(client_id);
  s.run_for(1s);
  for (std::uint64_t id = 1; id <= 2; ++id) {
    REQUIRE(!seen[id].changes.empty());
    CHECK(seen[id].changes.back() == "shutdown");
  }
}

TEST_CASE("a client links again to members that all left in order and came back") {
  // Nobody dials a client: it dials members that left (SIGTERM) again
  // itself, or its assertions would never reach them once they return.
  sim::simulation s({.seed = 13});
  std::map<std::uint64_t, tickets> seen;
  for (std::uint64_t id = 1; id <= 2; ++id)
    s.add_node(id, member(seen), [](cluster::node_config& c) {
      c.seeds = {sim::simulation::address_of(c.id == 1 ? 2 : 1)};
    });
  int echoes = 0;
  s.add_client(client_id, 1, client(echoes));
  s.run_for(2s);
  REQUIRE(echoes == 2);
  s.stop(1);
  s.stop(2);
  s.run_for(1s);
  CHECK(echoes == 0);
  s.restart(1);
  s.restart(2);
  s.run_for(8s);
  CHECK(echoes == 2);
  CHECK(seen[1].present.count(7) == 1);
  CHECK(seen[2].present.count(7) == 1);
}
