// question-handler: one per distinct question in flight (the original's
// question-handler). The question dispatcher starts it when a client's
// interest in dns.answer(Q, _) appears and no handler for Q runs; clients
// asking Q meanwhile join it by their own interest, so one upstream query
// serves them all (what dnsmasq's CVE-2020-25686 lacked). Forwarding mode:
// it asks the upstreams in turn (an exchange at a time, at most
// max_attempts), scrubs the first usable reply (resolve/scrub.hpp, the root
// as bailiwick) and sends dns.answer(Q, reply(BYTES)), or
// failure(SERVFAIL, "why") when every attempt failed. It answers clients
// that come later with the same result, and quits when no client is
// interested any more (which also cancels an exchange in flight).
// It asserts dns.handler(Q) for the dispatcher.
#pragma once

#include <memory>
#include <vector>

#include "agora/actor.hpp"
#include "proxy/answer_interest.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

actor_spec forwarding_handler(term q, std::shared_ptr<const proxy_settings> settings);

}  // namespace agora::dns
