// respondent: the server VM's face to clients (the original's reader,
// respondent and writer, one actor so that a cached answer is one turn).
//  - UDP: binds HOST:PORT (PORT 0: the kernel's choice), then listens on
//    TCP on the same port (2-byte length framing, RFC 7766); prints
//    "agora-dns: listening on HOST:PORT (UDP and TCP)" once both are up,
//    or says why not and exits with code 1.
//  - Every query goes through take_in (query_intake.hpp): dropped, an error
//    reply (rate-limited), or a query.
//  - A query the cache answers fresh is answered in the same turn.
//  - Otherwise the client waits: its interest in dns.answer(Q, _) is what
//    makes the question dispatcher ask upstream, or joins the question
//    handler already asking. The answer is cached and rendered for each
//    client (its ID, its case, its EDNS, its size limit).
//  - A client still waiting at its deadline gets SERVFAIL; with
//    serve-stale, a stale answer once stale_after has passed (or at once
//    if the refresh failed), while the refresh goes on (RFC 8767).
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

actor_spec respondent(std::shared_ptr<const proxy_settings> settings);

}  // namespace agora::dns
