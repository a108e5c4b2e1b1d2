// Leader election in the simulation: the scenarios of issue 11, each
// checked against what the electors reported and what every node's
// on_leader watcher saw.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agora/actors/election.hpp"
#include "agora/sim/simulation.hpp"

using namespace agora;
using namespace std::chrono_literals;
using election::leader_info;
using erole = election::role;

namespace {

/// What one node's elector and watcher reported (current incarnation).
struct node_view {
  election::state state{};
  std::optional<leader_info> sees;
  std::vector<std::optional<leader_info>> seen;  // every change on_leader reported
};

struct cluster_fixture {
  explicit cluster_fixture(std::uint64_t seed, std::size_t n = 5,
                           std::function<void(election::config&)> tweak = {})
      : s({.seed = seed}) {
    for (std::uint64_t id = 1; id <= n; ++id)
      s.add_node(
          id,
          [this, n, tweak](sim::node_context& ctx) {
            auto& v = views[ctx.id];
            v = std::make_unique<node_view>();
            election::config c;
            c.id = ctx.id;
            c.incarnation = ctx.incarnation;
            c.cluster_size = n;
            if (tweak) tweak(c);
            ctx.ground.spawn(election::elector(c, [&v = *v](const election::state& st) { v.state = st; }));
            ctx.ground.spawn(actor<>{}.on_start([&v = *v](turn<>& t) {
              election::on_leader(t, [&v](turn<>&, std::optional<leader_info> l) {
                v.sees = l;
                v.seen.push_back(l);
              });
            }));
          },
          [n](cluster::node_config& c) {
            c.seeds.clear();
            for (std::uint64_t other = 1; other <= n; ++other)
              if (other != c.id) c.seeds.push_back(sim::simulation::address_of(other));
          });
  }

  node_view& at(std::uint64_t id) { return *views.at(id); }

  /// Every running node (not in `except`) sees `id` as leader, which acts.
  bool all_see(std::uint64_t id, std::vector<std::uint64_t> except = {}) {
    if (at(id).state.role != erole::leader || !at(id).state.acting) return false;
    for (auto& [n, v] : views) {
      if (std::find(except.begin(), except.end(), n) != except.end()) continue;
      if (s.state(n) != sim::node_state::up) continue;
      if (!v->sees || v->sees->id != id || v->sees->epoch != at(id).state.epoch) return false;
    }
    return true;
  }

  /// Leaders acting now (among running nodes).
  int acting_leaders() {
    int k = 0;
    for (auto& [n, v] : views)
      if (s.state(n) == sim::node_state::up && v->state.role == erole::leader && v->state.acting) ++k;
    return k;
  }

  sim::simulation s;
  std::map<std::uint64_t, std::unique_ptr<node_view>> views;
};

}  // namespace

TEST_CASE("five nodes started at once elect one leader, the highest, and stay with it") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed ", seed);
    cluster_fixture c(seed);
    c.s.run_for(3s);
    CHECK(c.all_see(5));
    const auto epoch = c.at(5).state.epoch;
    c.s.run_for(10s);
    CHECK(c.all_see(5));
    CHECK(c.at(5).state.epoch == epoch);
    for (std::uint64_t id = 1; id <= 4; ++id) CHECK(c.at(id).state.role == erole::follower);
  }
}

TEST_CASE("kill -9 of the leader: the next highest leads within milliseconds, in a newer epoch") {
  cluster_fixture c(3);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  const auto old_epoch = c.at(5).state.epoch;
  c.s.crash(5);
  const auto t0 = c.s.now();
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 2s));
  CHECK(c.s.now() - t0 < 50ms);
  CHECK(c.at(4).state.epoch > old_epoch);
}

TEST_CASE("kill -9 of a leader that has just taken over: the one that made way leads again within "
          "milliseconds") {
  // Found by agora-bench --only election (kill -9 at once after node 5
  // took over again: ~450 ms): node 4, having made way, held back for an
  // election timeout, though the node it made way for was gone.
  cluster_fixture c(3);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.crash(5);
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 2s));
  c.s.restart(5);
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 10s));
  c.s.crash(5);
  const auto t0 = c.s.now();
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 2s));
  CHECK(c.s.now() - t0 < 50ms);
}

TEST_CASE("SIGSTOP of the leader: a new leader after the deadline, on SIGCONT the old one's "
          "renewals are refused as stale and it steps down") {
  cluster_fixture c(4);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.pause(5);
  const auto t0 = c.s.now();
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 3s));
  CHECK(c.s.now() - t0 < 1500ms);
  CHECK(c.s.now() - t0 > 700ms);  // not before the deadline (less the last heartbeat's age)
  c.s.resume(5);
  c.s.run_for(1ms);
  CHECK(c.at(5).state.role != erole::leader);  // it stepped down at once
  CHECK(c.acting_leaders() == 1);
  // After stable_after, the highest takes over again, in a newer epoch.
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 10s));
  CHECK(c.at(5).state.epoch > c.at(4).state.newest_epoch - 1);
}

TEST_CASE("SIGCONT with the link to the new leader slow to come back: the old leader's own candidacy "
          "does not fence the working leader, it takes over only after stable_after") {
  // Found by the process test (election_stop_test.cpp): the resumed node
  // linked to three others before the leader, saw no leader and stood; its
  // candidacy's epoch, which nobody granted, then made it answer the
  // leader's renewals with stale_epoch, and the leader stepped down at once.
  cluster_fixture c(4);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.pause(5);
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 3s));
  const auto epoch4 = c.at(4).state.epoch;
  c.s.set_link(4, 5, 300ms);  // node 5 links to 1, 2 and 3 first
  c.s.set_link(5, 4, 300ms);
  c.s.resume(5);
  REQUIRE(c.s.run_until([&] { return c.at(5).sees && c.at(5).sees->id == 4; }, 5s));
  c.s.run_for(1s);  // half of stable_after: node 5 has not asked yet
  CHECK(c.at(4).state.role == erole::leader);
  CHECK(c.at(4).state.acting);
  CHECK(c.at(4).state.epoch == epoch4);
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 10s));
  CHECK(c.acting_leaders() == 1);
}

TEST_CASE("a 2|3 partition: the minority side has no acting leader, and the heal leaves one") {
  cluster_fixture c(5);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.partition({{4, 5}, {1, 2, 3}});
  REQUIRE(c.s.run_until([&] { return c.at(3).state.role == erole::leader && c.at(3).state.acting; }, 3s));
  CHECK(c.at(5).state.role != erole::leader);
  CHECK(c.at(4).state.role != erole::leader);
  CHECK(c.acting_leaders() == 1);
  c.s.heal();
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 15s));
  CHECK(c.acting_leaders() == 1);
}

TEST_CASE("one cut link (leader to one follower): still one leader, and all agree after") {
  cluster_fixture c(6);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.cut(5, 2);
  for (int i = 0; i < 50; ++i) {
    c.s.run_for(100ms);
    CHECK(c.acting_leaders() <= 1);
  }
  c.s.restore(5, 2);
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 15s));
}

TEST_CASE("the highest node restarted ten times in a row: leadership changes a bounded number of times") {
  cluster_fixture c(7);
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  const auto changes_before = c.at(1).seen.size();
  for (int i = 0; i < 10; ++i) {
    c.s.restart(5);
    c.s.run_for(1s);  // shorter than stable_after: it never takes over
  }
  // n4 took over once; n5, back for good, takes over once more.
  REQUIRE(c.s.run_until([&] { return c.all_see(5); }, 10s));
  const auto changes = c.at(1).seen.size() - changes_before;
  std::string history;
  for (auto i = changes_before; i < c.at(1).seen.size(); ++i)
    history += c.at(1).seen[i] ? " n" + std::to_string(c.at(1).seen[i]->id) : " none";
  INFO("changes seen by node 1:", history);
  CHECK(changes <= 6);  // lose 5 (none), 4, none, 5 — with slack for the absences in between
}

TEST_CASE("with preempt = false a returning higher node never takes over a working leader") {
  cluster_fixture c(8, 5, [](election::config& e) { e.preempt = false; });
  c.s.run_for(3s);
  REQUIRE(c.all_see(5));
  c.s.crash(5);
  REQUIRE(c.s.run_until([&] { return c.all_see(4, {5}); }, 2s));
  c.s.restart(5);
  c.s.run_for(10s);
  CHECK(c.all_see(4));
}

TEST_CASE("the leader is lost while an election runs: one leader comes out of it") {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    INFO("seed ", seed);
    cluster_fixture c(100 + seed);
    c.s.run_for(3s);
    REQUIRE(c.all_see(5));
    c.s.crash(5);
    c.s.run_for(std::chrono::microseconds(100 + 150 * seed));  // n4's election under way
    c.s.crash(4);
    REQUIRE(c.s.run_until([&] { return c.all_see(3, {4, 5}); }, 3s));
    CHECK(c.acting_leaders() == 1);
  }
}

TEST_CASE("two nodes without the guard: a partition gives two leaders, the heal one again") {
  cluster_fixture c(9, 2);
  c.s.run_for(3s);
  REQUIRE(c.all_see(2));
  c.s.partition({{1}, {2}});
  c.s.run_for(3s);
  CHECK(c.at(1).state.role == erole::leader);  // each side leads itself: documented
  CHECK(c.at(2).state.role == erole::leader);
  c.s.heal();
  REQUIRE(c.s.run_until([&] { return c.all_see(2) || c.all_see(1); }, 15s));
  REQUIRE(c.s.run_until([&] { return c.all_see(2); }, 15s));  // and the highest in the end
}

TEST_CASE("leader_view: the newest epoch leads, ties go to the higher id") {
  election::leader_view v;
  CHECK(v.appeared({3, 7}));
  CHECK(!v.appeared({2, 5}));
  CHECK(v.current() == leader_info{3, 7});
  CHECK(v.appeared({4, 7}));
  CHECK(v.current() == leader_info{4, 7});
  CHECK(v.disappeared({4, 7}));
  CHECK(v.disappeared({3, 7}));
  CHECK(v.current() == leader_info{2, 5});
  CHECK(!v.disappeared({9, 9}));
}

TEST_CASE("epoch_fence refuses commands older than the newest epoch seen") {
  election::epoch_fence f;
  CHECK(!f.admit(5));
  CHECK(!f.admit(5));
  f.learn(9);
  auto why = f.admit(6);
  REQUIRE(why);
  CHECK(why->to_string() == "stale_epoch(6, 9)");
  CHECK(!f.admit(10));
  CHECK(f.newest() == 10);
}

TEST_CASE("election settings are checked against the failure deadline") {
  election::config c;
  c.id = 1;
  CHECK(election::validate(c, 1000ms).empty());
  c.lease = 950ms;
  auto problems = election::validate(c, 1000ms);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].find("must stay below the failure deadline") != std::string::npos);
  c = {};
  CHECK(!election::validate(c, 1000ms).empty());  // no id
  CHECK_THROWS_AS(election::elector(c), std::invalid_argument);
}

TEST_CASE("a node that is no candidate never leads, but its vote counts toward the majority") {
  // Node 5 votes but never stands; of 1..4, two are lost: 3 of 5 remain,
  // a majority only with node 5's vote.
  cluster_fixture c(10, 5, [](election::config& e) { e.candidate = e.id != 5; });
  c.s.run_for(3s);
  REQUIRE(c.all_see(4));
  c.s.crash(4);
  c.s.crash(3);
  REQUIRE(c.s.run_until([&] { return c.all_see(2, {3, 4}); }, 3s));
  CHECK(c.at(5).state.role == erole::follower);
}
