#include "proxy/question_dispatcher.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "proxy/question_handler.hpp"

namespace agora::dns {

namespace {

struct question_book {
  std::size_t clients = 0;  // interests in dns.answer(Q, _)
  bool handled = false;     // a handler runs (spawned, not yet seen gone)
};

struct dispatcher_state {
  std::shared_ptr<const proxy_settings> settings;
  handler_factory make_handler;
  std::unordered_map<term, question_book> questions;
  std::size_t handlers = 0;
};

using dispatcher_turn = turn<dispatcher_state>;

void start_handler(dispatcher_turn& t, const term& q, question_book& book) {
  auto& s = t.state;
  if (s.handlers >= s.settings->clients.max_questions_in_flight) {
    t.meta().send(answer_message(q, busy_result(fmt::format("{} questions in flight (the limit)", s.handlers))));
    return;
  }
  book.handled = true;
  ++s.handlers;
  t.spawn(s.make_handler(q));
}

void forget_if_idle(dispatcher_turn& t, const term& q) {
  auto it = t.state.questions.find(q);
  if (it != t.state.questions.end() && it->second.clients == 0 && !it->second.handled) t.state.questions.erase(it);
}

}  // namespace

actor_spec question_dispatcher(std::shared_ptr<const proxy_settings> settings, handler_factory make_handler) {
  dispatcher_state s{std::move(settings), std::move(make_handler), {}, 0};
  actor<dispatcher_state> a{std::move(s), "question-dispatcher"};
  a.on_start([](dispatcher_turn& t) {
    // The clients' interest, seen without being seen and without messages.
    t.meta().publish(answer_topic(_),
                     {.on_presence = [](dispatcher_turn& t, const presence& p) {
                        const term& q = p.flow()[0];
                        if (!q.is_concrete()) return;
                        auto& book = t.state.questions[q];
                        if (++book.clients == 1 && !book.handled) start_handler(t, q, book);
                      },
                      .on_absence = [](dispatcher_turn& t, const absence& a) {
                        const term& q = a.flow()[0];
                        auto it = t.state.questions.find(q);
                        if (it == t.state.questions.end()) return;
                        if (it->second.clients > 0) --it->second.clients;
                        forget_if_idle(t, q);
                      }},
                     interest::observer);
  });
  a.subscribe(handler_topic(_), {.on_absence = [](dispatcher_turn& t, const absence& a) {
                auto& s = t.state;
                const term& q = a.flow()[0];
                if (s.handlers > 0) --s.handlers;
                auto it = s.questions.find(q);
                if (it == s.questions.end()) return;
                it->second.handled = false;
                if (it->second.clients > 0) {
                  if (a.why.as_term().is_record("crashed"))
                    t.meta().send(answer_message(
                        q, failure_result(rcode::servfail, fmt::format("the handler crashed: {}", a.why.to_string()))));
                  else
                    start_handler(t, q, it->second);
                }
                forget_if_idle(t, q);
              }});
  return a;
}

}  // namespace agora::dns
