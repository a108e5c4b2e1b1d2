#include "proxy/iterative_handler.hpp"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "agora/drivers/timer.hpp"
#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "proxy/delegation_book.hpp"
#include "proxy/answer_interest.hpp"
#include "resolve/scrub.hpp"

namespace agora::dns {

namespace {

struct iter_state {
  answer_interest interest;
  std::shared_ptr<const proxy_settings> settings;
  std::optional<question> asked;
  name current;                        // the name resolved now (after CNAMEs)
  std::vector<resource_record> chain;  // CNAME and DNAME records so far
  zone_cut cut;
  std::set<std::string> tried;         // addresses of this cut already asked
  std::set<std::string> looked_up;     // server names resolved as questions
  std::unordered_map<std::uint64_t, name> lookups;  // by endpoint: glueless servers being resolved
  std::optional<endpoint_id> exchange_ep, cut_ep, timer_ep;
  std::size_t referrals = 0, cnames = 0, glueless = 0, exchanges = 0;
  std::string failures;
};

using iter_turn = turn<iter_state>;

term timer_id(iter_turn& t) { return rec("dns.iter", static_cast<std::int64_t>(t.self().value)); }

void conclude(iter_turn& t, term result) {
  auto& s = t.state;
  if (s.interest.result) return;
  if (s.exchange_ep) t.remove(*s.exchange_ep);
  s.exchange_ep.reset();
  for (const auto& [ep, host] : s.lookups) t.remove(endpoint_id{ep});
  s.lookups.clear();
  if (s.timer_ep) timer::cancel(t, *s.timer_ep, timer_id(t));
  s.timer_ep.reset();
  publish_answer(t, std::move(result), s.exchanges > 0);
}

void fail(iter_turn& t, std::string_view why) {
  auto& s = t.state;
  conclude(t, failure_result(rcode::servfail,
                             s.failures.empty() ? std::string(why) : fmt::format("{}; {}", why, s.failures)));
}

void note_failure(iter_turn& t, std::string_view why) {
  auto& s = t.state;
  if (s.failures.size() > 2000) return;  // enough to tell
  if (!s.failures.empty()) s.failures += "; ";
  s.failures += why;
}

/// The final reply: the chain, then what the last server said.
void conclude_with(iter_turn& t, rcode code, const std::vector<resource_record>& answers,
                   const std::vector<resource_record>& authorities) {
  auto& s = t.state;
  message m;
  m.header.qr = true;
  m.header.ra = true;
  m.set_rcode(code);
  m.questions = {*s.asked};
  m.answers = s.chain;
  m.answers.insert(m.answers.end(), answers.begin(), answers.end());
  m.authorities = authorities;
  const auto wire = encode(m);
  conclude(t, reply_result(chars_of(wire)));
}

void ask_cut(iter_turn& t) { t.send(cut_query_message(t.state.current, rec("dns.iter", static_cast<std::int64_t>(t.self().value)))); }

void next_server(iter_turn& t);

void on_exchange(iter_turn& t, const term& result) {
  auto& s = t.state;
  if (s.exchange_ep) t.remove(*s.exchange_ep);
  s.exchange_ep.reset();
  const auto r = read_result(result);
  if (!r || !r->reply) {
    note_failure(t, r ? r->why : std::string_view("a malformed result"));
    next_server(t);
    return;
  }
  const auto wire = wire_of(*r->reply);
  auto reply = decode(wire);
  if (!reply) {
    note_failure(t, fmt::format("malformed reply: {}", reply.error().describe()));
    next_server(t);
    return;
  }
  const question step{s.current, s.asked->qtype, s.asked->qclass};
  scrubbed_reply scrubbed = scrub(step, *reply, s.cut.zone);
  switch (scrubbed.kind) {
    case reply_kind::answer:
      conclude_with(t, rcode::noerror, scrubbed.reply.answers, {});
      return;
    case reply_kind::nxdomain:
      conclude_with(t, rcode::nxdomain, scrubbed.reply.answers, scrubbed.reply.authorities);
      return;
    case reply_kind::nodata:
      conclude_with(t, rcode::noerror, scrubbed.reply.answers, scrubbed.reply.authorities);
      return;
    case reply_kind::cname: {
      if (++s.cnames > s.settings->iterative.max_cnames) {
        fail(t, fmt::format("more than {} CNAME steps", s.settings->iterative.max_cnames));
        return;
      }
      for (const auto& rr : s.chain)
        if (rr.owner == scrubbed.final_name) {
          fail(t, fmt::format("a CNAME loop through {}", scrubbed.final_name.to_text()));
          return;
        }
      s.chain.insert(s.chain.end(), scrubbed.reply.answers.begin(), scrubbed.reply.answers.end());
      s.current = scrubbed.final_name;
      ask_cut(t);
      return;
    }
    case reply_kind::referral: {
      if (++s.referrals > s.settings->iterative.max_referrals) {
        fail(t, fmt::format("more than {} referrals", s.settings->iterative.max_referrals));
        return;
      }
      zone_cut cut{*scrubbed.referral_zone, {}};
      for (const auto& host : scrubbed.referral_servers) {
        name_server ns{host, {}};
        for (const auto& [glue_host, address] : scrubbed.glue)
          if (glue_host == host) ns.addresses.push_back(address);
        cut.servers.push_back(std::move(ns));
      }
      std::uint32_t ttl = 0x7fffffff;
      for (const auto& rr : scrubbed.reply.authorities)
        if (rr.type == rr_type::ns) ttl = std::min(ttl, rr.ttl);
      t.send(learn_cut_message(cut, ttl));
      s.cut = std::move(cut);
      s.tried.clear();
      next_server(t);
      return;
    }
    case reply_kind::lame:
    case reply_kind::server_error:
    case reply_kind::bad:
      note_failure(t, scrubbed.why.empty() ? std::string("an unusable reply") : scrubbed.why);
      next_server(t);
      return;
  }
}

void ask_server(iter_turn& t, const std::string& address) {
  auto& s = t.state;
  const term upstream = upstream_term(address, s.settings->iterative.server_port);
  const term token = rec("x", static_cast<std::int64_t>(t.self().value), static_cast<std::int64_t>(s.exchanges++));
  s.exchange_ep = t.subscribe(exchange_topic(upstream, question_term({s.current, s.asked->qtype, s.asked->qclass}), token),
                              {.on_message = [](iter_turn& t, const agora::message& m) {
                                if (m.body().is_record("dns.exchange", 4)) on_exchange(t, m.body()[3]);
                              }});
}

void on_lookup(iter_turn& t, endpoint_id ep, const term& result) {
  auto& s = t.state;
  auto it = s.lookups.find(ep.value);
  if (it == s.lookups.end()) return;
  const name host = it->second;
  s.lookups.erase(it);
  t.remove(ep);
  std::vector<ip_address> addresses;
  if (auto r = read_result(result); r && r->reply) {
    const auto wire = wire_of(*r->reply);
    if (auto reply = decode(wire))
      for (const auto& rr : reply->answers)
        if (auto a = ip_address::from_record(rr)) addresses.push_back(*a);
  }
  if (addresses.empty()) {
    note_failure(t, fmt::format("no address for {}", host.to_text()));
  } else {
    t.send(learn_address_message(host, addresses));
    for (auto& ns : s.cut.servers)
      if (ns.host == host) ns.addresses = addresses;
  }
  next_server(t);
}

void next_server(iter_turn& t) {
  auto& s = t.state;
  if (s.interest.result) return;
  for (const auto& ns : s.cut.servers)
    for (const auto& a : ns.addresses) {
      std::string text = a.to_text();
      if (s.tried.insert(text).second) {
        ask_server(t, text);
        return;
      }
    }
  if (!s.lookups.empty()) return;  // a glueless server's address is on its way
  for (const auto& ns : s.cut.servers) {
    // A server inside the zone it serves needs glue: without it, asking
    // for its address would come back here.
    if (!ns.addresses.empty() || ns.host.is_subdomain_of(s.cut.zone)) continue;
    if (!s.looked_up.insert(ns.host.canonical_key()).second) continue;
    if (++s.glueless > s.settings->iterative.max_glueless) {
      fail(t, fmt::format("more than {} glueless servers to resolve", s.settings->iterative.max_glueless));
      return;
    }
    const endpoint_id ep = t.meta().subscribe(
        answer_topic(question_term({ns.host, rr_type::a, rr_class::in})),
        {.on_message = [](iter_turn& t, const agora::message& m) {
          if (m.body().is_record("dns.answer", 2)) on_lookup(t, m.endpoint, m.body()[1]);
        }});
    s.lookups.emplace(ep.value, ns.host);
    return;
  }
  fail(t, fmt::format("no server of {} answered", s.cut.zone.to_text()));
}

}  // namespace

actor_spec iterative_handler(term q, std::shared_ptr<const proxy_settings> settings) {
  iter_state s;
  s.interest.q = q;
  s.asked = read_question_term(q);
  if (s.asked) s.current = s.asked->qname;
  s.settings = std::move(settings);
  actor<iter_state> a{std::move(s), "question-handler"};
  a.publish(handler_topic(q));
  a.on_start([](iter_turn& t) {
    auto& s = t.state;
    serve_interest(t);
    if (!s.asked) {
      conclude(t, failure_result(rcode::servfail, fmt::format("not a question: {}", s.interest.q.to_string())));
      return;
    }
    s.cut_ep = t.subscribe(cut_topic(rec("dns.iter", static_cast<std::int64_t>(t.self().value))),
                           {.on_message = [](iter_turn& t, const agora::message& m) {
                             const term& b = m.body();
                             if (!b[1].is_string()) return;
                             auto zone = name::from_text(b[1].as_string());
                             auto servers = read_servers_term(b[2]);
                             if (!zone || !servers) return;
                             t.state.cut = zone_cut{std::move(*zone), std::move(*servers)};
                             t.state.tried.clear();
                             next_server(t);
                           }});
    s.timer_ep = timer::once(t, timer_id(t), s.settings->iterative.question_budget, [](iter_turn& t, std::int64_t) {
      t.state.timer_ep.reset();
      fail(t, fmt::format("not resolved within {} ms", t.state.settings->iterative.question_budget.count()));
    });
    ask_cut(t);
  });
  return a;
}

}  // namespace agora::dns
