#include "proxy/question_handler.hpp"

#include <fmt/format.h>

#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "resolve/scrub.hpp"

namespace agora::dns {

namespace {

struct handler_state {
  answer_interest interest;
  std::shared_ptr<const proxy_settings> settings;
  std::optional<question> asked;
  std::vector<term> upstreams;
  std::size_t attempts = 0;
  std::optional<endpoint_id> exchange_ep;
  std::string failures;        // why the attempts so far failed
  bool only_busy = true;       // every failure so far was a limit of ours
};

using handler_turn = turn<handler_state>;

void conclude(handler_turn& t, term result) {
  auto& s = t.state;
  if (s.exchange_ep) {
    t.remove(*s.exchange_ep);
    s.exchange_ep.reset();
  }
  publish_answer(t, std::move(result), s.attempts > 0);
}

void next_attempt(handler_turn& t);

void attempt_failed(handler_turn& t, std::string_view why, bool busy = false) {
  auto& s = t.state;
  if (!busy) s.only_busy = false;
  if (!s.failures.empty()) s.failures += "; ";
  s.failures += why;
  next_attempt(t);
}

/// What an upstream's reply makes of the question.
void on_reply(handler_turn& t, std::string_view bytes) {
  auto& s = t.state;
  const auto wire = wire_of(bytes);
  auto decoded = decode(wire);
  if (!decoded) {  // the network query checked it: cannot happen, but never trust
    attempt_failed(t, fmt::format("malformed reply: {}", decoded.error().describe()));
    return;
  }
  scrubbed_reply scrubbed = scrub(*s.asked, *decoded, name::root());
  switch (scrubbed.kind) {
    case reply_kind::answer:
    case reply_kind::cname:
    case reply_kind::nxdomain:
    case reply_kind::nodata: {
      const auto out = encode(scrubbed.reply);
      conclude(t, reply_result(chars_of(out)));
      return;
    }
    case reply_kind::server_error:
      attempt_failed(t, fmt::format("upstream said {}", to_string(decoded->full_rcode())));
      return;
    case reply_kind::referral:
      attempt_failed(t, "upstream gave a referral (not a recursive server?)");
      return;
    case reply_kind::lame:
    case reply_kind::bad:
      attempt_failed(t, scrubbed.why.empty() ? std::string("unusable reply") : scrubbed.why);
      return;
  }
}

void next_attempt(handler_turn& t) {
  auto& s = t.state;
  if (s.exchange_ep) {
    t.remove(*s.exchange_ep);
    s.exchange_ep.reset();
  }
  if (s.upstreams.empty() || s.attempts >= s.settings->upstream.max_attempts) {
    if (s.upstreams.empty()) conclude(t, failure_result(rcode::servfail, "no upstream"));
    else if (s.only_busy) conclude(t, busy_result(s.failures));
    else conclude(t, failure_result(rcode::servfail, s.failures));
    return;
  }
  const term& upstream = s.upstreams[s.attempts % s.upstreams.size()];
  const term token = rec("x", static_cast<std::int64_t>(t.self().value), static_cast<std::int64_t>(s.attempts));
  ++s.attempts;
  s.exchange_ep = t.subscribe(exchange_topic(upstream, s.interest.q, token), {.on_message = [](handler_turn& t, const agora::message& m) {
                                const term& body = m.body();
                                if (!body.is_record("dns.exchange", 4)) return;
                                const auto r = read_result(body[3]);
                                if (!r) return;
                                if (r->reply) on_reply(t, *r->reply);
                                else attempt_failed(t, r->why, r->busy);
                              }});
}

}  // namespace

actor_spec forwarding_handler(term q, std::shared_ptr<const proxy_settings> settings) {
  handler_state s;
  s.interest.q = q;
  s.asked = read_question_term(q);
  for (const auto& u : settings->upstreams) s.upstreams.push_back(upstream_term(u.host, u.port));
  s.settings = std::move(settings);
  actor<handler_state> a{std::move(s), "question-handler"};
  a.publish(handler_topic(q));
  a.on_start([](handler_turn& t) {
    auto& s = t.state;
    serve_interest(t);
    if (!s.asked) {
      conclude(t, failure_result(rcode::servfail, fmt::format("not a question: {}", s.interest.q.to_string())));
      return;
    }
    next_attempt(t);
  });
  return a;
}

}  // namespace agora::dns
