#include "proxy/on_demand.hpp"

#include <fmt/format.h>

#include <memory>
#include <unordered_map>

namespace agora::dns {

namespace {

struct demand {
  std::size_t interested = 0;
  bool running = false;  // started, its assertion not yet seen gone
};

struct on_demand_state {
  std::shared_ptr<const on_demand_spec> spec;
  std::unordered_map<term, demand> keys;
  std::size_t running = 0;
};

using od_turn = turn<on_demand_state>;

void start_worker(od_turn& t, const term& key, demand& d) {
  auto& s = t.state;
  if (s.running >= s.spec->max_running) {
    s.spec->refuse(t, key, fmt::format("{} running (the limit)", s.running));
    return;
  }
  d.running = true;
  ++s.running;
  t.spawn(s.spec->make(key));
}

void forget_if_idle(od_turn& t, const term& key) {
  auto it = t.state.keys.find(key);
  if (it != t.state.keys.end() && it->second.interested == 0 && !it->second.running) t.state.keys.erase(it);
}

handlers<on_demand_state> interest_handlers() {
  return {.on_presence = [](od_turn& t, const presence& p) {
            auto key = t.state.spec->key_of(p.flow());
            if (!key) return;
            auto& d = t.state.keys[*key];
            if (++d.interested == 1 && !d.running) start_worker(t, *key, d);
          },
          .on_absence = [](od_turn& t, const absence& a) {
            auto key = t.state.spec->key_of(a.flow());
            if (!key) return;
            auto it = t.state.keys.find(*key);
            if (it == t.state.keys.end()) return;
            if (it->second.interested > 0) --it->second.interested;
            forget_if_idle(t, *key);
          }};
}

}  // namespace

actor_spec on_demand(on_demand_spec spec) {
  auto shared = std::make_shared<const on_demand_spec>(std::move(spec));
  actor<on_demand_state> a{on_demand_state{shared, {}, 0}, shared->name};
  a.on_start([](od_turn& t) {
    const auto& spec = *t.state.spec;
    // Seen without being seen, and without messages: an observing publisher.
    t.meta(spec.interest_level).publish(spec.interest_topic, interest_handlers(), interest::observer);
  });
  a.subscribe(shared->running_topic, {.on_absence = [](od_turn& t, const absence& a) {
                auto& s = t.state;
                auto key = s.spec->key_of_running(a.flow());
                if (!key) return;
                if (s.running > 0) --s.running;
                auto it = s.keys.find(*key);
                if (it == s.keys.end()) return;
                it->second.running = false;
                if (it->second.interested > 0) {
                  if (a.why.as_term().is_record("crashed"))
                    s.spec->refuse(t, *key, fmt::format("the worker crashed: {}", a.why.to_string()));
                  else
                    start_worker(t, *key, it->second);
                }
                forget_if_idle(t, *key);
              }});
  return a;
}

}  // namespace agora::dns
