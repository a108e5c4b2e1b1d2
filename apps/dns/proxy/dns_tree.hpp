// The actor tree of agora-dns (docs/DNS.md, "Structure"):
//
//   ground VM          timer, UDP and TCP drivers
//   └─ dns.server VM   respondent (client sockets, cache, waiting clients)
//      └─ dns.proxy VM question-dispatcher, a question-handler per question
//                      in flight, an upstream-relay per server, a
//                      network-query per exchange; iterative mode: the
//                      delegation-book and the relay-dispatcher (relays to
//                      authoritative servers on demand)
#pragma once

#include <memory>
#include <vector>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"
#include "resolve/zone_cuts.hpp"

namespace agora::dns {

/// The dns.server VM of the forwarding mode (settings->upstreams).
actor_spec forwarding_server(std::shared_ptr<const proxy_settings> settings);
/// The dns.server VM of the iterative mode, starting from `roots`.
actor_spec iterative_server(std::shared_ptr<const proxy_settings> settings, std::vector<name_server> roots);

}  // namespace agora::dns
