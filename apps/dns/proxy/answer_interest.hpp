// What every question handler does with its clients' interest, whatever
// the mode: the handler's state embeds an answer_interest, and
//  - serve_interest(t, a) publishes dns.answer(Q, _) one level up (the
//    server VM): each client that arrives is answered at once when the
//    answer is known; the last one leaving ends the handler;
//  - publish_answer(t, a, result, worked) sends dns.answer(Q, RESULT) to
//    the clients there, keeps the result for later ones, and ends the
//    handler if everyone left while it worked (`worked`: before any work
//    the clients' presence has not reached it yet).
// Handlers also assert handler_topic(Q) for the dispatcher.
#pragma once

#include <cstddef>
#include <optional>

#include "agora/actor.hpp"
#include "proxy/proxy_terms.hpp"

namespace agora::dns {

struct answer_interest {
  term q;
  std::optional<term> result;  // the answer, once known
  std::size_t waiting = 0;     // clients interested
};

/// dns.handler(Q) / dns.handler(_).
inline term handler_topic(const term& q) { return rec("dns.handler", q); }

/// S has a member `interest` of type answer_interest.
template <class S>
void serve_interest(turn<S>& t) {
  t.meta().publish(answer_topic(t.state.interest.q), {.on_presence = [](turn<S>& t, const presence&) {
                                                        auto& a = t.state.interest;
                                                        ++a.waiting;
                                                        if (a.result) t.meta().send(answer_message(a.q, *a.result));
                                                      },
                                                      .on_absence = [](turn<S>& t, const absence&) {
                                                        if (--t.state.interest.waiting == 0) t.quit();
                                                      }});
}

template <class S>
void publish_answer(turn<S>& t, term result, bool worked) {
  auto& a = t.state.interest;
  a.result = std::move(result);
  t.meta().send(answer_message(a.q, *a.result));
  if (a.waiting == 0 && worked) t.quit();
}

}  // namespace agora::dns
