// Node cores over the in-memory network (memory_net.hpp): authenticated
// links, membership from one seed, presence across nodes, failure detection
// (crash, pause past the deadline, cut links), incarnations, orderly leave,
// duplicate ids and simultaneous connects — in virtual time.
#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "agora/actor.hpp"
#include "agora/text.hpp"
#include "memory_net.hpp"

using namespace agora;
using namespace agora::cluster;
using agora::cluster::testing::memory_net;
using namespace std::chrono_literals;

namespace {

using log_t = std::shared_ptr<std::vector<std::string>>;
log_t new_log() { return std::make_shared<std::vector<std::string>>(); }

/// Publishes node(ID) at the cluster level and logs other nodes' node(_)
/// coming and going (its own node(ID) it sees too, and leaves out).
actor_spec member_watch(std::int64_t id, log_t log) {
  return actor<>{}.on_start([id, log](turn<>& t) {
    auto c = t.at_cluster();
    c.publish(rec("node", id));
    c.subscribe("node($n)"_t,
                {.on_presence = [log, id](turn<>&, const presence& p) {
                   if (p["n"] != term(id)) log->push_back("+" + p["n"].to_string());
                 },
                 .on_absence = [log, id](turn<>&, const absence& a) {
                   if (a["n"] != term(id))
                     log->push_back("-" + a["n"].to_string() + " " + a.why.to_string());
                 }});
  });
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::size_t up_links(node_core& c) { return c.status().links.size(); }

/// Nodes 1 and 2 (2 seeded with 1), each with a member_watch, linked: the
/// indexes of both and node 1's log.
struct watched {
  std::size_t a, b;
  log_t log_a;
};
watched watched_pair(memory_net& net) {
  auto a = net.add(1);
  auto b = net.add(2, {"mem:1"});
  auto la = new_log();
  net.vm(a).spawn(member_watch(1, la));
  net.vm(b).spawn(member_watch(2, new_log()));
  net.run_for(100ms);
  return {a, b, la};
}

}  // namespace

TEST_CASE("two nodes link through a seed and see each other's presence") {
  memory_net net;
  auto a = net.add(1);
  auto b = net.add(2, {"mem:1"});
  auto la = new_log(), lb = new_log();
  net.vm(a).spawn(member_watch(1, la));
  net.vm(b).spawn(member_watch(2, lb));
  net.run_for(100ms);
  CHECK(up_links(net.core(a)) == 1);
  CHECK(up_links(net.core(b)) == 1);
  CHECK(contains(*la, "+2"));
  CHECK(contains(*lb, "+1"));
  auto s = net.core(a).status();
  REQUIRE(s.members.size() == 2);
  CHECK(s.members[1].id == 2);
  CHECK(s.members[1].state == "up");
}

TEST_CASE("a node with another secret is refused, and nothing of it reaches a VM") {
  memory_net net;
  auto a = net.add(1);
  auto b = net.add(2, {"mem:1"}, [](node_config& c) { c.secret.assign(32, std::byte{9}); });
  auto la = new_log();
  net.vm(a).spawn(member_watch(1, la));
  net.vm(b).spawn(member_watch(2, new_log()));
  net.run_for(500ms);
  CHECK(up_links(net.core(a)) == 0);
  CHECK(la->empty());
  const auto& logs = net.at(b).logs;
  CHECK(std::any_of(logs.begin(), logs.end(),
                    [](const std::string& l) { return l.find("secret") != std::string::npos; }));
}

TEST_CASE("failed handshakes count on both sides, refusals included: past the limit, no more for a minute") {
  memory_net net;
  auto a = net.add(1, {}, [](node_config& c) { c.failed_handshakes_per_minute = 3; });
  auto b = net.add(2, {"mem:1"}, [](node_config& c) {
    c.secret.assign(32, std::byte{9});
    c.failed_handshakes_per_minute = 3;
  });
  auto lines = [&net](std::size_t node, const std::string& text) {
    std::vector<std::string> found;
    for (const auto& l : net.at(node).logs)
      if (l.find(text) != std::string::npos) found.push_back(l);
    return found;
  };
  // Without the limit, node 2 would dial every 5 s at most: a dozen times.
  net.run_for(50s);
  CHECK(net.dials("mem:1") == 3);
  const auto dialer = lines(b, "handshake with mem:1 failed");
  REQUIRE(dialer.size() == 3);
  CHECK(dialer.back().find("this address is not dialed again for a minute") != std::string::npos);
  // Node 1 counted the refusals it was sent.
  const auto acceptor = lines(a, "refused by the peer: auth_failed");
  REQUIRE(acceptor.size() == 3);
  CHECK(acceptor.back().find("refused for a minute") != std::string::npos);
  // Past the minute, node 2 tries again.
  net.run_for(20s);
  CHECK(net.dials("mem:1") > 3);
  CHECK(lines(b, "handshake with mem:1 failed").size() > 3);
  CHECK(up_links(net.core(a)) == 0);
}

TEST_CASE("full mesh from one seed") {
  memory_net net;
  net.add(1);
  for (std::uint64_t id = 2; id <= 5; ++id) net.add(id, {"mem:1"});
  net.run_for(2s);
  for (std::size_t i = 0; i < 5; ++i) {
    INFO("node " << i + 1);
    CHECK(up_links(net.core(i)) == 4);
  }
}

TEST_CASE("a crashed node is lost at once: node_lost for each of its endpoints") {
  memory_net net;
  auto [a, b, la] = watched_pair(net);
  REQUIRE(contains(*la, "+2"));
  const auto t0 = net.now();
  net.crash(b);
  net.run_for(10ms);
  CHECK(contains(*la, "-2 node_lost(2)"));
  CHECK(net.now() - t0 <= 10ms);
}

TEST_CASE("a paused node is lost within the deadline, and rejoins when resumed") {
  memory_net net;
  auto [a, b, la] = watched_pair(net);
  net.pause(b);
  net.run_for(900ms);
  CHECK(!contains(*la, "-2 node_lost(2)"));
  net.run_for(400ms);  // deadline 1 s plus a tick
  CHECK(contains(*la, "-2 node_lost(2)"));
  net.resume(b);
  net.run_for(2s);
  CHECK(std::count(la->begin(), la->end(), "+2") == 2);
  CHECK(up_links(net.core(a)) == 1);
}

TEST_CASE("a node whose own timer was late does not declare its peers lost") {
  memory_net net;
  auto a = net.add(1);
  // Node 2 is patient: it keeps node 1 through the pause below.
  auto b = net.add(2, {"mem:1"}, [](node_config& c) { c.deadline = 5s; });
  auto la = new_log();
  net.vm(a).spawn(member_watch(1, la));
  net.vm(b).spawn(member_watch(2, new_log()));
  net.run_for(100ms);
  // Node 1 stops for 1.5 s. When it resumes, its first tick comes before
  // the frames that waited for it: node 2 looks silent for 1.5 s, past node
  // 1's deadline, but the silence is node 1's own lateness.
  net.pause(a);
  net.run_for(1500ms);
  net.resume(a);
  net.run_for(1s);
  CHECK(!contains(*la, "-2 node_lost(2)"));
  CHECK(up_links(net.core(a)) == 1);
  const auto& logs = net.at(a).logs;
  CHECK(std::any_of(logs.begin(), logs.end(),
                    [](const std::string& l) { return l.find("local lag") != std::string::npos; }));
}

TEST_CASE("orderly leave: peers see shutdown, not node_lost") {
  memory_net net;
  auto [a, b, la] = watched_pair(net);
  net.vm(b).stop_all(reason::shutdown());
  net.core(b).ground_side().stop();
  net.run_for(100ms);
  CHECK(contains(*la, "-2 shutdown"));
  CHECK(!contains(*la, "-2 node_lost(2)"));
  auto s = net.core(a).status();
  CHECK(s.members[1].state == "left");
}

TEST_CASE("a restarted node is a new incarnation, and the old one's endpoints are withdrawn") {
  memory_net net;
  auto [a, b, la] = watched_pair(net);
  const auto first = net.core(a).status().members[1].incarnation;
  net.crash(b);
  auto b2 = net.add(2, {"mem:1"});
  net.vm(b2).spawn(member_watch(2, new_log()));
  net.run_for(1s);
  CHECK(*la == std::vector<std::string>{"+2", "-2 node_lost(2)", "+2"});
  CHECK(net.core(a).status().members[1].incarnation > first);
  // Node 1 still lists the old incarnation (lost) when it welcomes the new
  // one: its predecessor, not another process with its id.
  for (const auto& line : net.at(b2).logs) CHECK_MESSAGE(line.find("another process claims") == std::string::npos, line);
}

TEST_CASE("a duplicate node id is refused with a clear error on both sides") {
  memory_net net;
  auto a = net.add(1);
  net.add(2, {"mem:1"});
  net.run_for(200ms);
  auto dup = net.add(2, {"mem:1"}, [](node_config& c) { c.listen = "mem:22"; });
  net.run_for(500ms);
  CHECK(up_links(net.core(a)) == 1);
  auto has = [](const std::vector<std::string>& logs, const char* what) {
    return std::any_of(logs.begin(), logs.end(),
                       [&](const std::string& l) { return l.find(what) != std::string::npos; });
  };
  CHECK(has(net.at(dup).logs, "duplicate node id 2"));
  CHECK(has(net.at(a).logs, "duplicate node id 2"));
}

TEST_CASE("two nodes dialing each other at once end up with one link") {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    memory_net net;
    net.latency = std::chrono::microseconds(50 + 37 * seed);
    auto a = net.add(1, {"mem:2"});
    auto b = net.add(2, {"mem:1"});
    net.run_for(2s);
    INFO("latency " << net.latency.count());
    CHECK(up_links(net.core(a)) == 1);
    CHECK(up_links(net.core(b)) == 1);
  }
}

TEST_CASE("link counters: a message crosses only to nodes with a matching subscriber") {
  memory_net net;
  auto a = net.add(1);
  auto b = net.add(2, {"mem:1"});
  auto c = net.add(3, {"mem:1"});
  auto got = new_log();
  net.vm(b).spawn(actor<>{}.on_start([got](turn<>& t) {
    t.at_cluster().subscribe("news(_)"_t, {.on_message = [got](turn<>&, const message& m) {
                               got->push_back(m.body().to_string());
                             }});
  }));
  net.vm(c).spawn(actor<>{}.on_start([](turn<>& t) { t.at_cluster().subscribe("other(_)"_t); }));
  net.run_for(500ms);
  net.vm(a).spawn(actor<>{}.on_start([](turn<>& t) {
    for (int i = 0; i < 10; ++i) t.at_cluster().send(rec("news", i));
  }));
  net.run_for(100ms);
  CHECK(got->size() == 10);
  auto s = net.core(a).status();
  REQUIRE(s.links.size() == 2);
  CHECK(s.links[0].peer == 2);
  CHECK(s.links[0].counters.messages_out == 10);
  CHECK(s.links[1].peer == 3);
  CHECK(s.links[1].counters.messages_out == 0);
}

TEST_CASE("a node is dialed at the address it advertises, also when its peers redial it") {
  memory_net net;
  net.alias("mem:20002", "mem:2");  // a proxy in front of node 2
  auto a = net.add(1);
  auto b = net.add(2, {"mem:1"}, [](node_config& c) { c.advertise = "mem:20002"; });
  auto la = new_log();
  net.vm(a).spawn(member_watch(1, la));
  net.vm(b).spawn(member_watch(2, new_log()));
  net.run_for(100ms);
  auto s = net.core(a).status();
  REQUIRE(s.members.size() == 2);
  CHECK(s.members[1].id == 2);
  CHECK(s.members[1].address == "mem:20002");
  CHECK(net.core(b).status().members[1].address == "mem:20002");  // its own entry too
  CHECK(net.dials("mem:20002") == 0);  // node 2 dialed node 1 so far

  net.cut(a, b);
  net.run_for(2s);
  CHECK(*la == std::vector<std::string>{"+2", "-2 node_lost(2)", "+2"});
  CHECK(net.dials("mem:20002") >= 1);  // node 1 redialed node 2 where it advertises
  CHECK(net.dials("mem:2") == 0);      // and never where it listens
}

TEST_CASE("a seed known by another address than the member's is not dialed again once linked") {
  memory_net net;
  net.alias("mem:20001", "mem:1");  // a name, a proxy, a forwarded port: node 1 does not advertise it
  auto a = net.add(1);
  auto b = net.add(2, {"mem:20001"});
  net.run_for(5s);
  CHECK(up_links(net.core(a)) == 1);
  CHECK(net.dials("mem:20001") == 1);
  for (const auto& line : net.at(b).logs) CHECK_MESSAGE(line.find("refused") == std::string::npos, line);
  for (const auto& line : net.at(a).logs) CHECK_MESSAGE(line.find("already linked") == std::string::npos, line);

  // Lost, node 1 is redialed as the member it is, where it advertises itself.
  net.cut(a, b);
  net.run_for(2s);
  CHECK(up_links(net.core(b)) == 1);
}

TEST_CASE("a peer that stops reading is cut off as too slow, although no write to it completes") {
  for (const bool over_max : {false, true}) {
    CAPTURE(over_max);
    memory_net net;
    auto a = net.add(1, {}, [over_max](node_config& c) {
      c.send_queue_high = 10'000;
      c.send_queue_max = over_max ? 15'000 : 1'000'000;
      c.too_slow_after = 1s;
    });
    // Node 2 never gives up on node 1 by itself (its pings still arrive).
    auto b = net.add(2, {"mem:1"}, [](node_config& c) { c.deadline = 60s; });
    auto got = new_log();
    net.vm(b).spawn(actor<>{}.on_start([got](turn<>& t) {
      t.at_cluster().subscribe("news(_, _)"_t, {.on_message = [got](turn<>&, const message& m) {
                                 got->push_back(m.body().to_string());
                               }});
    }));
    net.run_for(200ms);
    REQUIRE(up_links(net.core(a)) == 1);
    net.stop_reading(b);
    net.vm(a).spawn(actor<>{}.on_start([](turn<>& t) {
      for (int i = 0; i < 100; ++i) t.at_cluster().send(rec("news", i, std::string(200, 'x')));  // 20 KB
    }));
    // Above send_queue_max: cut off at the next tick. Above send_queue_high
    // only: once it has been so for too_slow_after, not before.
    net.run_for(over_max ? 100ms : 900ms);
    CHECK(up_links(net.core(a)) == (over_max ? 0u : 1u));
    net.run_for(300ms);
    CHECK(up_links(net.core(a)) == 0);
    const auto s = net.core(a).status();
    REQUIRE(s.members.size() == 2);
    CHECK(s.members[1].state == "lost");
    CHECK(s.members[1].reason == "too slow");
    CHECK(got->empty());
  }
}

TEST_CASE("a cut link: both sides see node_lost and link again") {
  memory_net net;
  auto [a, b, la] = watched_pair(net);
  net.cut(a, b);
  net.run_for(2s);
  CHECK(*la == std::vector<std::string>{"+2", "-2 node_lost(2)", "+2"});
}

TEST_CASE("back-pressure: a send queue above the bound holds the node's VMs until it drains") {
  memory_net net;
  auto a = net.add(1, {}, [](node_config& c) { c.send_queue_high = 1000; });
  auto b = net.add(2, {"mem:1"});
  auto got = std::make_shared<int>(0);
  net.vm(b).spawn(actor<>{}.on_start([](turn<>& t) { t.at_cluster().subscribe("n(_)"_t); }));
  net.run_for(200ms);
  net.at(a).transport->backlog = 5000;  // the peer reads slowly
  net.vm(a).spawn(actor<>{}.on_start([](turn<>& t) { t.at_cluster().send("n(1)"_t); }));
  net.run_for(10ms);
  REQUIRE(net.at(a).congestion == std::vector<bool>{true});
  net.vm(a).spawn(actor<>{}.on_start([got](turn<>&) { ++*got; }));
  net.run_for(10ms);
  CHECK(*got == 0);  // held: no turn runs
  net.at(a).transport->backlog = 0;
  for (const auto& [conn, state] : net.at(a).transport->conns_)
    if (state.open) net.core(a).on_sent(conn, 0);  // a write completed
  net.run_for(10ms);
  CHECK(net.at(a).congestion == std::vector<bool>{true, false});
  CHECK(*got == 1);
}

TEST_CASE("a peer that stays too slow past the bound is disconnected with too_slow") {
  memory_net net;
  auto a = net.add(1, {}, [](node_config& c) {
    c.send_queue_high = 1000;
    c.too_slow_after = 2s;
  });
  auto b = net.add(2, {"mem:1"});
  auto lb = new_log();
  net.vm(a).spawn(member_watch(1, new_log()));
  net.vm(b).spawn(member_watch(2, lb));
  net.run_for(200ms);
  net.at(a).transport->backlog = 5000;
  net.vm(a).spawn(actor<>{}.on_start([](turn<>& t) { t.at_cluster().send("n(1)"_t); }));
  net.run_for(1s);
  CHECK(up_links(net.core(a)) == 1);
  net.run_for(1500ms);
  const auto& logs = net.at(a).logs;
  CHECK(std::any_of(logs.begin(), logs.end(),
                    [](const std::string& l) { return l.find("too slow") != std::string::npos; }));
  CHECK(contains(*lb, "-1 node_lost(1)"));
}
