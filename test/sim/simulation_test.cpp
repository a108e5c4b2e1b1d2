// The simulation as a user sees it: nodes link and see each other's
// presence in virtual time; faults (crash, pause, partition, cut, restart,
// SIGTERM, late timers) give the absences of DESIGN section 5; a seed
// replays the same run, hash for hash.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/sim/simulation.hpp"
#include "agora/text.hpp"

using namespace agora;
using namespace std::chrono_literals;

namespace {

/// What one node's watcher saw: the nodes present (with their counts) and
/// every change, as "+ID" / "-ID REASON".
struct view {
  std::map<std::int64_t, int> present;
  std::vector<std::string> changes;
  bool saw(const std::string& s) const {
    return std::find(changes.begin(), changes.end(), s) != changes.end();
  }
};
using views = std::map<std::uint64_t, view>;

/// Publishes node(ID) at the cluster level and watches node(_).
sim::node_setup watcher(views& v) {
  return [&v](sim::node_context& n) {
    auto& mine = v[n.id];
    mine.present.clear();
    const auto id = static_cast<std::int64_t>(n.id);
    n.ground.spawn(actor<>{}.on_start([id, &mine](turn<>& t) {
      auto c = t.at_cluster();
      c.publish(rec("node", id));
      c.subscribe("node($n)"_t,
                  {.on_presence = [&mine, id](turn<>&, const presence& p) {
                     const auto who = p["n"].as_int();
                     if (who == id) return;
                     ++mine.present[who];
                     mine.changes.push_back("+" + std::to_string(who));
                   },
                   .on_absence = [&mine, id](turn<>&, const absence& a) {
                     const auto who = a["n"].as_int();
                     if (who == id) return;
                     if (--mine.present[who] == 0) mine.present.erase(who);
                     mine.changes.push_back("-" + std::to_string(who) + " " + a.why.to_string());
                   }});
    }));
  };
}

bool sees(const view& v, std::int64_t who) {
  auto it = v.present.find(who);
  return it != v.present.end() && it->second == 1;
}

}  // namespace

TEST_CASE("three simulated nodes link and see each other, in virtual time") {
  sim::simulation s({.seed = 7});
  views v;
  for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  for (std::uint64_t id = 1; id <= 3; ++id) {
    INFO("node ", id);
    CHECK(v[id].present.size() == 2);
    for (std::int64_t other = 1; other <= 3; ++other)
      if (other != static_cast<std::int64_t>(id)) CHECK(sees(v[id], other));
    CHECK(s.status(id).links.size() == 2);
  }
  CHECK(s.now() - s.start_time() == 1s);
}

TEST_CASE("a crashed node is node_lost at once, a restarted one is a new incarnation") {
  sim::simulation s({.seed = 3});
  views v;
  for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  const auto first = s.incarnation(3);
  s.crash(3);
  s.run_for(5ms);
  CHECK(v[1].saw("-3 node_lost(3)"));
  CHECK(v[2].saw("-3 node_lost(3)"));
  s.run_for(1s);
  s.restart(3);
  s.run_for(2s);
  CHECK(s.incarnation(3) > first);
  CHECK(sees(v[1], 3));
  CHECK(sees(v[2], 3));
  CHECK(v[3].present.size() == 2);
}

TEST_CASE("a paused node is lost within the deadline and rejoins when resumed") {
  sim::simulation s({.seed = 11});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  s.pause(2);
  // Silence counts from node 2's last frame, which may have left up to a
  // heartbeat (200 ms) before the pause.
  s.run_for(750ms);
  CHECK(!v[1].saw("-2 node_lost(2)"));
  s.run_for(500ms);
  CHECK(v[1].saw("-2 node_lost(2)"));
  s.resume(2);
  s.run_for(6s);
  CHECK(sees(v[1], 2));
  CHECK(sees(v[2], 1));
}

TEST_CASE("a partition is node_lost on both sides, after the heal the mesh is whole again") {
  sim::simulation s({.seed = 5});
  views v;
  for (std::uint64_t id = 1; id <= 5; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  s.partition({{1, 2}, {3, 4, 5}});
  s.run_for(2s);
  CHECK(v[1].present.size() == 1);
  CHECK(v[3].present.size() == 2);
  CHECK(v[1].saw("-4 node_lost(4)"));
  CHECK(v[4].saw("-2 node_lost(2)"));
  s.heal();
  s.run_for(10s);
  for (std::uint64_t id = 1; id <= 5; ++id) {
    INFO("node ", id);
    CHECK(v[id].present.size() == 4);
  }
}

TEST_CASE("a one-way cut ends the link, it comes back once restored") {
  sim::simulation s({.seed = 9});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  s.cut(1, 2);
  s.run_for(2s);
  CHECK(v[2].saw("-1 node_lost(1)"));
  s.restore(1, 2);
  s.run_for(10s);
  CHECK(sees(v[1], 2));
  CHECK(sees(v[2], 1));
}

TEST_CASE("SIGTERM: peers see shutdown, not node_lost") {
  sim::simulation s({.seed = 2});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  s.stop(2);
  s.run_for(100ms);
  CHECK(v[1].saw("-2 shutdown"));
  CHECK(!v[1].saw("-2 node_lost(2)"));
  CHECK(s.state(2) == sim::node_state::stopped);
}

TEST_CASE("a node whose timers fire late does not declare healthy peers lost") {
  sim::simulation s({.seed = 4});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  s.set_late(1, 1500ms);
  s.run_for(5s);
  CHECK(!v[1].saw("-2 node_lost(2)"));
}

TEST_CASE("timers run in virtual time: an hour passes in a moment") {
  sim::simulation s({.seed = 1});
  int fired = 0;
  s.add_node(1, [&fired](sim::node_context& n) {
    n.ground.spawn(actor<>{}.on_start([&fired](turn<>& t) {
      timer::every(t, sym("tick"), 1s, [&fired](turn<>&, std::int64_t) { ++fired; });
    }));
  });
  s.run_for(1h);
  CHECK(fired == 3600);
}

TEST_CASE("the same seed gives the same trace, another seed another one") {
  auto run = [](std::uint64_t seed) {
    sim::simulation s({.seed = seed});
    views v;
    for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, watcher(v));
    s.run_for(1s);
    s.crash(2);
    s.run_for(500ms);
    s.restart(2);
    s.run_for(2s);
    return std::make_pair(s.trace_hash(), s.events());
  };
  const auto a = run(42), b = run(42), c = run(43);
  CHECK(a == b);
  CHECK(a.first != c.first);
}

TEST_CASE("a readable trace shows the faults and the nodes' logs") {
  std::vector<std::string> lines;
  sim::simulation s({.seed = 8, .trace = [&lines](std::string_view l) { lines.emplace_back(l); }});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.run_for(500ms);
  s.crash(2);
  s.run_for(100ms);
  auto has = [&](std::string_view part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(part) != std::string::npos; });
  };
  CHECK(has("fault: n2 crashes (kill -9)"));
  CHECK(has("net: n1 -> n2 frame"));
  CHECK(has("n1 "));
}

TEST_CASE("two nodes dialing each other at once end up with one link, over many seeds") {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    INFO("seed ", seed);
    sim::simulation s({.seed = seed});
    views v;
    s.add_node(1, watcher(v), [](cluster::node_config& c) {
      c.seeds = {sim::simulation::address_of(2)};
    });
    s.add_node(2, watcher(v));  // seeded with node 1
    s.run_for(2s);
    CHECK(s.status(1).links.size() == 1);
    CHECK(s.status(2).links.size() == 1);
    CHECK(sees(v[1], 2));
    CHECK(sees(v[2], 1));
    CHECK(v[1].changes.size() == 1);  // no flapping while the dials were sorted out
  }
}

TEST_CASE("restart with the same id, again and again: each incarnation replaces the last") {
  sim::simulation s({.seed = 21});
  views v;
  for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, watcher(v));
  s.run_for(1s);
  for (int i = 0; i < 10; ++i) {
    s.restart(3);  // kill -9 and start at once: the old incarnation is still linked
    s.run_for(300ms);
  }
  s.run_for(5s);
  CHECK(sees(v[1], 3));
  CHECK(sees(v[2], 3));
  for (const auto& m : s.status(1).members)
    if (m.id == 3) CHECK(m.incarnation == s.incarnation(3));
}

TEST_CASE("faults asked for from inside a run take effect right after the current event") {
  sim::simulation s({.seed = 6});
  views v;
  for (std::uint64_t id = 1; id <= 2; ++id) s.add_node(id, watcher(v));
  s.at(s.now() + 500ms, [&s] { s.crash(2); });
  s.run_for(1s);
  CHECK(s.state(2) == sim::node_state::crashed);
  CHECK(v[1].saw("-2 node_lost(2)"));
  CHECK_THROWS_AS(s.ground(2), std::logic_error);
  CHECK_THROWS_AS(s.add_node(1, {}), std::invalid_argument);
  CHECK_THROWS_WITH(s.add_node(9, {}, [](cluster::node_config& c) { c.heartbeat = 0ms; }),
                    doctest::Contains("heartbeat: must be positive"));
}

TEST_CASE("latency per link: a slow link shows in the round trip the node measures") {
  sim::simulation s({.seed = 12});
  views v;
  s.set_link(1, 2, 40ms);
  s.set_link(2, 1, 40ms);
  for (std::uint64_t id = 1; id <= 3; ++id) s.add_node(id, watcher(v));
  s.run_for(3s);
  for (const auto& l : s.status(1).links) {
    INFO("link to ", l.peer);
    if (l.peer == 2) CHECK(l.rtt_us >= 80'000);
    if (l.peer == 3) CHECK(l.rtt_us < 2'000);
  }
  CHECK(sees(v[1], 2));
}

TEST_CASE("an actor in a nested VM meets another node's actor at the cluster level") {
  sim::simulation s({.seed = 14});
  std::vector<std::string> got;
  s.add_node(1, [](sim::node_context& n) {
    // Two levels down: the cluster level is one call away all the same.
    auto speaker = actor<>{}.on_start([](turn<>& t) {
      t.at_cluster().subscribe("ear"_t, {.on_presence = [](turn<>& t, const presence&) {
                                  t.at_cluster().send(rec("said", "hello from depth 2"));
                                }});
    });
    n.ground.spawn(nested_vm("outer", {nested_vm("inner", {speaker})}));
  });
  s.add_node(2, [&got](sim::node_context& n) {
    n.ground.spawn(actor<>{}.on_start([&got](turn<>& t) {
      auto c = t.at_cluster();
      c.publish("ear"_t);
      c.subscribe("said($x)"_t, {.on_message = [&got](turn<>&, const message& m) {
                                  got.emplace_back(m["x"].as_string());
                                }});
    }));
  });
  s.run_for(1s);
  REQUIRE(got.size() == 1);
  CHECK(got[0] == "hello from depth 2");
  CHECK(s.ground(1).vm_count() == 3);
}
