// Randomised model check of presence: after every burst of random endpoint
// additions, removals and crashes, each endpoint's set of present flows (as
// told by its presence/absence events) must equal what a naive model computes
// from the visibility rule over all live endpoints.
#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "agora/pattern.hpp"
#include "agora/text.hpp"
#include "agora/vm.hpp"

using namespace agora;

namespace {

struct model_endpoint {
  term topic;
  role r;
  interest i;
  int puppet;
};

struct world {
  std::map<std::uint64_t, model_endpoint> live;         // endpoint id -> declared
  std::map<std::uint64_t, std::set<term>> observed;     // endpoint id -> flows told
  std::vector<std::string> violations;
  std::size_t presences = 0, absences = 0;
};

struct puppet_state {
  world* w;
  const std::vector<term>* pool;
  int index;
  std::vector<endpoint_id> mine;
};

std::vector<term> topic_pool() {
  std::vector<term> pool;
  const std::vector<term> parts = {1, 2, "a", _, cap("x")};
  for (auto& a : parts)
    for (auto& b : parts) pool.push_back(rec("t", a, b));
  pool.push_back("t(_)"_t);
  pool.push_back("t(1)"_t);
  pool.push_back("t([1, _])"_t);
  pool.push_back("t(_, [_, 2])"_t);
  pool.push_back("t([1, 2], 1)"_t);
  return pool;
}

handlers<puppet_state> tracking() {
  return {
      .on_presence = [](turn<puppet_state>& t, const presence& p) {
        ++t.state.w->presences;
        auto& seen = t.state.w->observed[p.endpoint.value];
        if (!seen.insert(p.flow()).second)
          t.state.w->violations.push_back("duplicate presence " + p.flow().to_string());
      },
      .on_absence = [](turn<puppet_state>& t, const absence& a) {
        ++t.state.w->absences;
        auto& seen = t.state.w->observed[a.endpoint.value];
        if (seen.erase(a.flow()) != 1)
          t.state.w->violations.push_back("absence without presence " + a.flow().to_string());
      },
  };
}

actor<puppet_state> puppet(world& w, const std::vector<term>& pool, int index) {
  // ctl(index, op, arg, role, interest): op 0 = add the pool's arg-th topic with role/interest, 1 = remove
  // the arg-th endpoint, 2 = crash.
  return std::move(actor<puppet_state>{{&w, &pool, index, {}}}.on_message(
      rec("ctl", index, _, _, _, _),
      [](turn<puppet_state>& t, const message& m) {
        auto& st = t.state;
        auto op = m.body()[1].as_int();
        if (op == 0) {
          auto r = static_cast<role>(m.body()[3].as_int());
          auto i = static_cast<interest>(m.body()[4].as_int());
          auto topic = (*st.pool)[static_cast<std::size_t>(m.body()[2].as_int())];
          auto id = r == role::publisher ? t.publish(topic, tracking(), i)
                                         : t.subscribe(topic, tracking(), i);
          st.mine.push_back(id);
          st.w->live[id.value] = {topic, r, i, st.index};
        } else if (op == 1 && !st.mine.empty()) {
          auto k = static_cast<std::size_t>(m.body()[2].as_int()) % st.mine.size();
          t.remove(st.mine[k]);
          st.w->live.erase(st.mine[k].value);
          st.w->observed.erase(st.mine[k].value);
          st.mine.erase(st.mine.begin() + static_cast<long>(k));
        } else if (op == 2) {
          for (auto id : st.mine) {
            st.w->live.erase(id.value);
            st.w->observed.erase(id.value);
          }
          throw std::runtime_error("puppet crash");
        }
      }));
}

bool sees(const model_endpoint& a, const model_endpoint& b) {
  return b.i == interest::participant || a.i == interest::everything;
}

std::set<term> expected_flows(const world& w, const model_endpoint& a) {
  std::set<term> flows;
  for (auto& [id, b] : w.live) {
    if (b.r == a.r || !sees(a, b)) continue;
    if (auto f = overlap(a.topic, b.topic)) flows.insert(*f);
  }
  return flows;
}

}  // namespace

TEST_CASE("presence matches a naive model over random endpoint churn") {
  std::mt19937_64 rng(20261121);
  const auto pool = topic_pool();
  const int puppets = 8;
  std::size_t presences = 0, absences = 0;
  for (int round = 0; round < 30; ++round) {
    vm v;
    world w;
    std::vector<actor_id> ids;
    for (int p = 0; p < puppets; ++p) ids.push_back(v.spawn(puppet(w, pool, p)));
    v.run();
    for (int burst = 0; burst < 40; ++burst) {
      int ops = 1 + static_cast<int>(rng() % 6);
      for (int k = 0; k < ops; ++k) {
        int who = static_cast<int>(rng() % puppets);
        auto dice = rng() % 100;
        if (dice < 60) {
          v.send(rec("ctl", who, 0, static_cast<int>(rng() % pool.size()), static_cast<int>(rng() % 2),
                     static_cast<int>(rng() % 3)));
        } else if (dice < 95) {
          v.send(rec("ctl", who, 1, static_cast<int>(rng() % 8), 0, 0));
        } else {
          v.send(rec("ctl", who, 2, 0, 0, 0));
        }
      }
      v.run();
      // respawn crashed puppets (a crashed actor's endpoints are gone)
      for (int p = 0; p < puppets; ++p)
        if (!v.alive(ids[p])) ids[p] = v.spawn(puppet(w, pool, p));
      v.run();
      REQUIRE(w.violations.empty());
      for (auto& [id, e] : w.live) {
        auto want = expected_flows(w, e);
        auto it = w.observed.find(id);
        auto got = it == w.observed.end() ? std::set<term>{} : it->second;
        if (got != want) {
          std::string g, x;
          for (auto& f : got) g += f.to_string() + " ";
          for (auto& f : want) x += f.to_string() + " ";
          FAIL("endpoint " << e.topic.to_string() << " (" << to_string(e.r) << ", "
                           << to_string(e.i) << ") saw {" << g << "} expected {" << x << "}");
        }
      }
    }
    presences += w.presences;
    absences += w.absences;
    // everything is cleaned up when the VM stops all actors
    v.stop_all(reason(sym("shutdown")));
    v.run();
    CHECK(v.endpoint_count() == 0);
    CHECK(v.actor_count() == 0);
  }
  // the random walk really exercised presence
  CHECK(presences > 3000);
  CHECK(absences > 1000);
  MESSAGE("presence events: " << presences << ", absence events: " << absences);
}
