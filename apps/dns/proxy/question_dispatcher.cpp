#include "proxy/question_dispatcher.hpp"

#include "proxy/on_demand.hpp"
#include "proxy/question_handler.hpp"

namespace agora::dns {

actor_spec question_dispatcher(std::shared_ptr<const proxy_settings> settings, handler_factory make_handler) {
  return on_demand({
      .name = "question-dispatcher",
      .interest_topic = answer_topic(_),
      .interest_level = 1,
      .key_of = [](const term& flow) -> std::optional<term> {
        if (flow.is_record("dns.answer", 2) && flow[0].is_concrete()) return flow[0];
        return std::nullopt;
      },
      .running_topic = handler_topic(_),
      .key_of_running = [](const term& flow) -> std::optional<term> {
        if (flow.is_record("dns.handler", 1)) return flow[0];
        return std::nullopt;
      },
      .make = std::move(make_handler),
      .max_running = settings->clients.max_questions_in_flight,
      .refuse = [](turn_base& t, const term& q, const std::string& why) {
        t.meta().send(answer_message(q, busy_result(why)));
      },
  });
}

}  // namespace agora::dns
