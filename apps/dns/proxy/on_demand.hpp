// on-demand: keeps exactly one worker actor per key that has interest, the
// pattern of the original's question dispatcher. It watches an interest
// topic (in its own VM or one level up) without being seen, and the workers'
// own assertions in its VM:
//  - the first interest in a key with no worker starts one (make(key));
//  - a worker that ends while interest in its key remains is started again,
//    unless it crashed: then refuse(key) answers the interested instead of
//    a crash loop;
//  - with max_running workers running, refuse(key) answers at once.
// Workers must assert running_topic(key) from their first instant (an
// initial endpoint of their spec) until they end.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "agora/actor.hpp"
#include "agora/term.hpp"

namespace agora::dns {

struct on_demand_spec {
  std::string name;
  /// What is watched (e.g. dns.answer(_, _)), and how many levels up (0 or 1).
  term interest_topic;
  unsigned interest_level = 0;
  /// The key of an interest's flow, or nullopt to ignore it.
  std::function<std::optional<term>(const term& flow)> key_of;
  /// What a worker asserts, as a pattern over all keys (dns.handler(_)),
  /// and the key of one such assertion.
  term running_topic;
  std::function<std::optional<term>(const term& flow)> key_of_running;
  std::function<actor_spec(const term& key)> make;
  std::size_t max_running = 1024;
  /// Answers the interest in `key` when no worker can serve it; `why` says
  /// why ("... running (the limit)", "the worker crashed: ...").
  std::function<void(turn_base& t, const term& key, const std::string& why)> refuse;
};

actor_spec on_demand(on_demand_spec spec);

}  // namespace agora::dns
