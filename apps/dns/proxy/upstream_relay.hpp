// upstream-relay: one per upstream server (the original's packet relay).
// It watches the interest in dns.exchange(U, _, _, _) and starts a
// network-query for each new one, unless U has max_outstanding queries in
// flight already or is down: then the exchange fails at once
// (failure(SERVFAIL, "...")) and the question handler moves on. It counts
// its queries by their dns.nq(U, TOKEN) assertions (a crashed query stops
// counting too), and takes U as down after down_after_timeouts timeouts in
// a row, for down_for; it asserts dns.upstream(U, up | down("why")), and
// dns.relay(U) from its first instant to its end. With `idle_quit`, it
// ends when it was not asked for that long and is not down (relays to the
// servers of the iterative mode come and go on demand).
#pragma once

#include <chrono>
#include <memory>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

actor_spec upstream_relay(const upstream_address& upstream, std::shared_ptr<const upstream_settings> settings,
                          std::chrono::milliseconds idle_quit = std::chrono::milliseconds(0));
/// dns.relay(U), dns.relay(_).
term relay_topic(const term& upstream);

}  // namespace agora::dns
