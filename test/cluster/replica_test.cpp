// The cluster level over replicas linked in memory (replica_mesh): presence
// across nodes with the visibility rule and multiplicity, late joiners,
// messages once per link, interest filtering, ordering, loss of a node.
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/text.hpp"
#include "replica_mesh.hpp"

using namespace agora;
using agora::cluster::testing::replica_mesh;

namespace {

using log_t = std::shared_ptr<std::vector<std::string>>;

/// Subscribes (at the cluster level) to `topic` and logs every event.
actor_spec watcher(log_t log, term topic, role r = role::subscriber,
                   interest i = interest::participant) {
  return actor<>{}.on_start([log, topic, r, i](turn<>& t) {
    handlers<> h{
        .on_presence = [log](turn<>&, const presence& p) { log->push_back("+" + p.flow().to_string()); },
        .on_absence = [log](turn<>&, const absence& a) {
          log->push_back("-" + a.flow().to_string() + " " + a.why.to_string());
        },
        .on_message = [log](turn<>&, const message& m) { log->push_back(m.body().to_string()); }};
    auto c = t.at_cluster();
    if (r == role::subscriber) c.subscribe(topic, h, i);
    else c.publish(topic, h, i);
  });
}

/// Publishes `topic` at the cluster level and sends `messages` after it.
actor_spec announcer(term topic, std::vector<term> messages = {}, interest i = interest::participant) {
  return actor<>{}.on_start([topic, messages, i](turn<>& t) {
    auto c = t.at_cluster();
    c.publish(topic, {}, i);
    for (const auto& m : messages) c.send(m);
  });
}

log_t new_log() { return std::make_shared<std::vector<std::string>>(); }

}  // namespace

TEST_CASE("one node: actors meet at the cluster level as in one VM") {
  replica_mesh mesh(1);
  auto log = new_log();
  mesh.vm(0).spawn(watcher(log, "svc($x)"_t));
  auto a = mesh.vm(0).spawn(announcer("svc(1)"_t, {"svc(1)"_t}));
  mesh.run();
  CHECK(*log == std::vector<std::string>{"+svc(1)", "svc(1)"});
  mesh.vm(0).stop(a);
  mesh.run();
  CHECK(log->back() == "-svc(1) quit");
}

TEST_CASE("presence and messages cross a link, absence carries the far side's reason") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto log = new_log();
  mesh.vm(1).spawn(watcher(log, "svc($x)"_t));
  mesh.run();
  auto a = mesh.vm(0).spawn(announcer("svc(1)"_t, {"svc(1)"_t, "svc(2)"_t}));
  mesh.run();
  CHECK(*log == std::vector<std::string>{"+svc(1)", "svc(1)", "svc(2)"});
  mesh.vm(0).stop(a, reason::crashed("boom"));
  mesh.run();
  CHECK(log->back() == R"(-svc(1) crashed("boom", vm("node1"), actor(0)))");
}

TEST_CASE("a late joiner sees what is already there") {
  replica_mesh mesh(2);
  auto log = new_log();
  mesh.vm(0).spawn(announcer("svc(1)"_t));
  mesh.vm(0).spawn(announcer("svc(2)"_t));
  mesh.vm(1).spawn(watcher(log, "svc($x)"_t));
  mesh.run();
  CHECK(log->empty());
  mesh.link(0, 1);
  mesh.run();
  CHECK(*log == std::vector<std::string>{"+svc(1)", "+svc(2)"});
}

TEST_CASE("flows have multiplicity across nodes") {
  replica_mesh mesh(3);
  mesh.link(0, 1);
  mesh.link(0, 2);
  mesh.link(1, 2);
  auto log = new_log();
  mesh.vm(0).spawn(watcher(log, "svc(_)"_t));
  mesh.run();
  auto a = mesh.vm(1).spawn(announcer("svc(1)"_t));
  auto b = mesh.vm(2).spawn(announcer("svc(1)"_t));
  mesh.run();
  CHECK(*log == std::vector<std::string>{"+svc(1)"});  // one flow, two publishers
  mesh.vm(1).stop(a);
  mesh.run();
  CHECK(log->size() == 1);
  mesh.vm(2).stop(b);
  mesh.run();
  CHECK(log->back() == "-svc(1) quit");
}

TEST_CASE("the visibility rule holds across nodes: observers are invisible to participants") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto participant_log = new_log(), observer_log = new_log(), everything_log = new_log();
  mesh.vm(0).spawn(watcher(participant_log, "svc(_)"_t));
  mesh.vm(0).spawn(watcher(observer_log, "svc(_)"_t, role::subscriber, interest::observer));
  mesh.vm(0).spawn(watcher(everything_log, "svc(_)"_t, role::subscriber, interest::everything));
  mesh.vm(1).spawn(announcer("svc(1)"_t, {}, interest::observer));
  mesh.run();
  CHECK(participant_log->empty());
  CHECK(observer_log->empty());
  CHECK(*everything_log == std::vector<std::string>{"+svc(1)"});
}

TEST_CASE("a message crosses each link once, only where a subscriber is") {
  replica_mesh mesh(3);
  mesh.link(0, 1);
  mesh.link(0, 2);
  mesh.link(1, 2);
  auto log1 = new_log(), log2 = new_log();
  for (int i = 0; i < 5; ++i) mesh.vm(1).spawn(watcher(log1, "news(_)"_t));  // five on node 2
  mesh.vm(2).spawn(watcher(log2, "other(_)"_t));                            // none on node 3
  mesh.run();
  mesh.crossings = 0;
  mesh.vm(0).spawn(actor<>{}.on_start([](turn<>& t) {
    t.at_cluster().send("news(1)"_t);
    t.at_cluster().send("other(1)"_t);
  }));
  mesh.run();
  CHECK(mesh.crossings == 2);  // news(1) to node 2, other(1) to node 3
  CHECK(log1->size() == 5);
  CHECK(*log2 == std::vector<std::string>{"other(1)"});
}

TEST_CASE("per-sender order across a link, presence first") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto log = new_log();
  mesh.vm(1).spawn(watcher(log, "seq(_)"_t));
  mesh.run();
  std::vector<term> msgs;
  for (int i = 0; i < 100; ++i) msgs.push_back(rec("seq", i));
  mesh.vm(0).spawn(announcer("seq(_)"_t, msgs));
  mesh.run();
  REQUIRE(log->size() == 101);
  CHECK(log->front() == "+seq(_)");
  for (int i = 0; i < 100; ++i) CHECK((*log)[static_cast<std::size_t>(i) + 1] == rec("seq", i).to_string());
}

TEST_CASE("a subscriber sees a remote publisher only once the publisher's node knows the subscriber") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto log = new_log();
  // Both appear in the same round: node 2's subscriber must not report the
  // publisher before node 1 has its declare, or it could miss messages.
  mesh.vm(0).spawn(announcer("svc(1)"_t));
  auto sub = std::make_shared<bool>(false);
  mesh.vm(1).spawn(actor<>{}.on_start([log](turn<>& t) {
    t.at_cluster().subscribe("svc(_)"_t, {.on_presence = [log](turn<>& t, const presence&) {
                                            log->push_back("presence");
                                            t.at_cluster().feedback("svc(1)"_t);
                                          }});
  }));
  mesh.run();
  CHECK(*log == std::vector<std::string>{"presence"});
  (void)sub;
}

TEST_CASE("a lost node's endpoints go with the reason given, links elsewhere stay") {
  replica_mesh mesh(3);
  mesh.link(0, 1);
  mesh.link(0, 2);
  mesh.link(1, 2);
  auto log = new_log();
  mesh.vm(0).spawn(watcher(log, "svc($x)"_t));
  mesh.vm(1).spawn(announcer("svc(2)"_t));
  mesh.vm(2).spawn(announcer("svc(3)"_t));
  mesh.run();
  CHECK(log->size() == 2);
  mesh.cut(0, 1, rec("node_lost", 2), rec("node_lost", 1));
  mesh.run();
  CHECK(log->back() == "-svc(2) node_lost(2)");
  CHECK(log->size() == 3);
}

TEST_CASE("an actor in a nested VM reaches the cluster level") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto log = new_log();
  mesh.vm(1).spawn(nested_vm("outer", {nested_vm("inner", {watcher(log, "svc($x)"_t)})}));
  mesh.run();
  mesh.vm(0).spawn(announcer("svc(1)"_t, {"svc(7)"_t}));
  mesh.run();
  CHECK(*log == std::vector<std::string>{"+svc(1)", "svc(7)"});
}

TEST_CASE("without a cluster, at_cluster() says so, spawning at the cluster level is refused") {
  agora::vm plain("plain");
  auto crashed = std::make_shared<std::string>();
  auto probe = [crashed](turn<>& t) {
    try {
      t.at_cluster();
    } catch (const std::logic_error& e) {
      *crashed = e.what();
    }
  };
  plain.spawn(actor<>{}.on_start(probe));
  plain.run();
  CHECK(crashed->find("no cluster level") != std::string::npos);

  replica_mesh mesh(1);
  auto refused = std::make_shared<std::string>();
  mesh.vm(0).spawn(actor<>{}.on_start([refused](turn<>& t) {
    try {
      t.at_cluster().spawn(actor<>{});
    } catch (const std::logic_error& e) {
      *refused = e.what();
    }
  }));
  mesh.run();
  CHECK(refused->find("cluster level") != std::string::npos);
}

TEST_CASE("protocol errors from a peer are reported, not applied") {
  replica_mesh mesh(2);
  mesh.link(0, 1);
  auto& r = mesh.level(0);
  const auto peer = replica_mesh::key(1);
  r.peer_declare(peer, {7, role::publisher, interest::participant, {}, "x"_t});
  CHECK_THROWS_AS(r.peer_declare(peer, {7, role::publisher, interest::participant, {}, "y"_t}),
                  agora::cluster::protocol_error);
  CHECK_THROWS_AS(r.peer_withdraw(peer, 8, reason::quit().as_term()), agora::cluster::protocol_error);
  CHECK_THROWS_AS(r.peer_message(peer, "x(_)"_t, false), agora::cluster::protocol_error);
  CHECK_THROWS_AS(r.peer_ack(peer, 1000), agora::cluster::protocol_error);
}
