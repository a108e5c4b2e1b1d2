// question-dispatcher: watches, one level up (the server VM), the clients'
// interest in dns.answer(Q, _), and keeps exactly one question handler per
// question with interest (on_demand.hpp): it starts one when interest in Q
// appears and no handler for Q runs, and again if a handler ends while
// clients still wait (unless it crashed: those clients get busy("..."),
// not a crash loop). Beyond max_questions_in_flight handlers it answers
// busy("...") at once.
#pragma once

#include <memory>

#include "agora/actor.hpp"
#include "proxy/proxy_settings.hpp"

namespace agora::dns {

/// How a handler is made for a question (forwarding or iterative).
using handler_factory = std::function<actor_spec(term q)>;

actor_spec question_dispatcher(std::shared_ptr<const proxy_settings> settings, handler_factory make_handler);

}  // namespace agora::dns
