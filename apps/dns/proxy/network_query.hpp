// network-query: one question asked of one upstream, as the original's
// network-query process. Started by the upstream's relay for a subscriber's
// interest in dns.exchange(U, Q, TOKEN, _); it
//  - binds a socket of its own on an ephemeral port (the kernel's random
//    choice: a random source port per query, RFC 5452) and sends the query
//    with the random ID and, with 0x20, the random case of the name it was
//    given (drawn by the relay from its random_pool);
//  - accepts a reply only from U's address and port, with that ID and that
//    question spelled byte for byte as asked; anything else is dropped and
//    it keeps waiting;
//  - on a truncated (TC) reply asks again over TCP;
//  - sends dns.exchange(U, Q, TOKEN, reply(BYTES) | failure(...)) once, and
//    dns.nq_outcome(U, ok | timeout | failed) for the relay's health view,
//    then quits; it quits at once, silently, when the interest goes.
// It asserts dns.nq(U, TOKEN) while it runs: the relay counts those.
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "agora/term.hpp"
#include "proxy/proxy_settings.hpp"
#include "proxy/secure_random.hpp"

namespace agora::dns {

/// dns.nq(U, _): what the relay counts; dns.nq_outcome(U, _): what it learns.
term network_query_topic(const term& upstream);
term network_query_outcome_topic(const term& upstream);

actor_spec network_query(const upstream_address& upstream, term q, term token,
                         std::shared_ptr<const upstream_settings> settings, query_randomness random);

}  // namespace agora::dns
