// question-handler of the iterative mode: resolves its question from the
// root down, as the original resolver did (RFC 1034 §5.3.3):
//  - asks the delegation book for the closest known zone cut, and one of
//    its servers (RD clear) through that server's relay;
//  - a referral (scrubbed: NS below the zone asked, in-bailiwick glue
//    only) is taught to the book and followed;
//  - a server with no known address is resolved first as a question of its
//    own (its A record), through dns.answer at the server VM like any
//    client's question: the original's glueless-question-handler is just
//    another question handler, joined by presence;
//  - a CNAME chain that leaves the zone is followed from its target;
//  - the answer, NXDOMAIN or NODATA ends it, with the chain in front.
// Budgets (iterative_settings): referrals, CNAME steps, glueless lookups and
// time per question; then SERVFAIL. Clients join and leave as with the
// forwarding handler, and it asserts dns.handler(Q) the same way.
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

actor_spec iterative_handler(term q, std::shared_ptr<const proxy_settings> settings);

}  // namespace agora::dns
