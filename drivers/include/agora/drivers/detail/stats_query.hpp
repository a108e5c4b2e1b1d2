// The requester's side of get_KIND_stats(R) / KIND_stats(R, ...), shared by
// the drivers' query_stats helpers.
#pragma once

#include <utility>

#include "agora/actor.hpp"
#include "agora/event.hpp"
#include "agora/term.hpp"

namespace agora::drivers_detail {

/// Subscribes, in the ground VM, to `reply_topic`, then sends `request`
/// there; the first reply removes the subscription and, if read(body) makes
/// figures of it, runs on_reply(t, figures).
template <class S, class Read, class F>
endpoint_id query_stats(turn<S>& t, term reply_topic, term request, Read read, F on_reply) {
  auto ground = t.at_ground();
  auto sub = ground.subscribe(
      std::move(reply_topic),
      {.on_message = [read, f = std::move(on_reply)](turn<S>& t, const message& m) mutable {
        t.remove(m.endpoint);
        if (auto s = read(m.body())) f(t, *s);
      }});
  ground.send(std::move(request));
  return sub;
}

}  // namespace agora::drivers_detail
