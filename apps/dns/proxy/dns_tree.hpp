// The actor tree of agora-dns (docs/DNS.md, "Structure"):
//
//   ground VM          timer, UDP and TCP drivers
//   └─ dns.server VM   respondent (client sockets, cache, waiting clients)
//      └─ dns.proxy VM question-dispatcher, question-handler per question
//                      in flight, upstream-relay per upstream, network-query
//                      per exchange
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

/// The dns.server VM with everything in it, for the ground to run.
actor_spec dns_server(std::shared_ptr<const proxy_settings> settings);

}  // namespace agora::dns
