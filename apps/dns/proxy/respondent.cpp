#include "proxy/respondent.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <optional>
#include <span>
#include <unordered_map>

#include "agora/drivers/tcp.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/drivers/udp.hpp"
#include "cache/answer_cache.hpp"
#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"
#include "proxy/client_reply.hpp"
#include "proxy/query_intake.hpp"
#include "proxy/rate_limit.hpp"

namespace agora::dns {

namespace {

using clock = std::chrono::steady_clock;
constexpr auto sweep_period = std::chrono::milliseconds(100);

/// Where a reply goes: a UDP peer through our socket, or a TCP connection.
struct client_address {
  term via;   // udp: the BIND; tcp: the connection
  term peer;  // udp: peer(HOST, PORT)
  bool tcp = false;
};

/// A client waiting for dns.answer(Q, _) (or, with no client, the refresh
/// of a stale entry that was served).
struct waiter {
  std::optional<client_address> client;
  message query;
  clock::time_point asked, deadline;
  bool stale_served = false;  // serve-stale: a stale answer may be served at stale_after
};

struct respondent_state {
  std::shared_ptr<const proxy_settings> settings;
  std::shared_ptr<answer_cache> cache;
  term bind, listen;
  std::unordered_map<std::uint64_t, waiter> waiting;     // by endpoint
  std::multimap<clock::time_point, endpoint_id> checks;  // the waiters' next look
  std::size_t tcp_clients = 0;
  rate_limit error_replies{100, 100}, log_lines{5, 5};
  std::vector<std::byte> out;
  // While a batch of datagrams is taken: the UDP replies made meanwhile,
  // handed to the driver together at its end.
  std::optional<udp::send_batch> udp_replies;
};

using resp_turn = turn<respondent_state>;

void send_to(resp_turn& t, const client_address& c, std::string_view bytes) {
  if (c.tcp) tcp::write(t, c.via, bytes);
  else if (t.state.udp_replies) t.state.udp_replies->add(c.via, c.peer, bytes);
  else udp::send(t, c.via, c.peer, bytes);
}

std::size_t size_limit(const respondent_state& s, const client_address& c, const message& query) {
  return c.tcp ? max_message_size : udp_reply_limit(query, s.settings->clients.edns_size);
}

void note_bad_input(resp_turn& t, const client_address& c, std::string_view why) {
  auto& s = t.state;
  if (!s.log_lines.allow(clock::now())) return;
  const auto more = s.log_lines.take_refused();
  fmt::print(stderr, "agora-dns: {} from {}: {}{}\n", c.tcp ? "TCP message" : "datagram",
             c.tcp ? c.via.to_string() : c.peer.to_string(), why,
             more ? fmt::format(" ({} more not shown)", more) : std::string());
}

void send_error(resp_turn& t, const client_address& c, const message& query, rcode code) {
  auto& s = t.state;
  s.out = error_for(query, code, size_limit(s, c, query), s.settings->clients.edns_size);
  send_to(t, c, chars_of(s.out));
}

/// Renders a cache hit for the client.
void send_hit(resp_turn& t, const client_address& c, const message& query, const cache_hit& hit, clock::time_point now) {
  auto& s = t.state;
  s.cache->render(hit, query, now, size_limit(s, c, query), s.out);
  send_to(t, c, chars_of(s.out));
}

void forget(resp_turn& t, endpoint_id ep) {
  t.state.waiting.erase(ep.value);
  t.remove(ep);
}

/// The result for a waiting client (or a refresh).
void on_answer(resp_turn& t, endpoint_id ep, const term& result) {
  auto& s = t.state;
  auto it = s.waiting.find(ep.value);
  if (it == s.waiting.end()) return;
  waiter w = std::move(it->second);
  forget(t, ep);
  const auto now = clock::now();
  const question& q = w.query.questions.front();
  const auto r = read_result(result);
  if (r && r->reply) {
    const auto wire = wire_of(*r->reply);
    auto answer = decode(wire);
    if (answer) {
      // Stored once per answer: the clients after the first find it fresh.
      auto hit = s.cache->find(q, now);
      if (!hit || hit->stale) {
        s.cache->store(q, *answer, now);
        hit = s.cache->find(q, now);
      }
      if (!w.client) return;
      if (hit && !hit->stale) {
        send_hit(t, *w.client, w.query, *hit, now);
      } else {  // not cacheable (TTL 0, a negative answer without SOA): this once
        s.out = reply_for(*answer, w.query, size_limit(s, *w.client, w.query), s.settings->clients.edns_size);
        send_to(t, *w.client, chars_of(s.out));
      }
      return;
    }
  }
  // No usable answer. With serve-stale, a stale entry beats SERVFAIL.
  if (!w.client) return;
  if (s.settings->cache.serve_stale) {
    if (auto hit = s.cache->find(q, now); hit && hit->stale) {
      send_hit(t, *w.client, w.query, *hit, now);
      return;
    }
  }
  if (r && !r->busy) s.cache->store_servfail(q, now);
  send_error(t, *w.client, w.query, rcode::servfail);
}

const shared_handlers<respondent_state>& answer_handlers() {
  static const shared_handlers<respondent_state> h{
      {.on_message = [](resp_turn& t, const agora::message& m) {
        const term& body = m.body();
        if (body.is_record("dns.answer", 2)) on_answer(t, m.endpoint, body[1]);
      }}};
  return h;
}

/// The client waits for Q's answer: its interest asks for it.
void wait_for(resp_turn& t, std::optional<client_address> c, message&& query, bool stale_available,
              clock::time_point now) {
  auto& s = t.state;
  const auto& cs = s.settings->clients;
  const endpoint_id ep = t.subscribe(answer_topic(question_term(query.questions.front())), answer_handlers());
  waiter w{std::move(c), std::move(query), now, now + cs.deadline, false};
  const bool stale_first = stale_available && s.settings->cache.serve_stale && w.client && cs.stale_after < cs.deadline;
  w.stale_served = !stale_first;
  s.checks.emplace(stale_first ? now + cs.stale_after : w.deadline, ep);
  s.waiting.emplace(ep.value, std::move(w));
}

void on_query(resp_turn& t, const client_address& c, message&& query) {
  auto& s = t.state;
  const auto now = clock::now();
  const question& q = query.questions.front();
  const auto hit = s.cache->find(q, now);
  if (hit && !hit->stale) {
    send_hit(t, c, query, *hit, now);
    return;
  }
  if (s.waiting.size() >= s.settings->clients.max_waiting_clients) {
    note_bad_input(t, c, fmt::format("{} clients waiting (the limit): SERVFAIL", s.waiting.size()));
    send_error(t, c, query, rcode::servfail);
    return;
  }
  wait_for(t, c, std::move(query), hit.has_value(), now);
}

void on_bytes(resp_turn& t, const client_address& c, std::string_view bytes) {
  auto& s = t.state;
  const auto wire = wire_of(bytes);
  auto in = take_in(wire, s.settings->clients.edns_size);
  if (auto* q = std::get_if<intake_query>(&in)) {
    on_query(t, c, std::move(q->query));
  } else if (auto* e = std::get_if<intake_error_reply>(&in)) {
    if (s.error_replies.allow(clock::now())) send_to(t, c, chars_of(e->reply));
    note_bad_input(t, c, e->why);
  } else {
    note_bad_input(t, c, std::get<intake_drop>(in).why);
  }
}

/// Every 100 ms: waiters past their deadline, and stale answers due.
void sweep(resp_turn& t) {
  auto& s = t.state;
  const auto now = clock::now();
  while (!s.checks.empty() && s.checks.begin()->first <= now) {
    const endpoint_id ep = s.checks.begin()->second;
    s.checks.erase(s.checks.begin());
    auto it = s.waiting.find(ep.value);
    if (it == s.waiting.end()) continue;
    waiter& w = it->second;
    if (!w.stale_served && w.client) {
      w.stale_served = true;
      if (auto hit = s.cache->find(w.query.questions.front(), now); hit && hit->stale) {
        send_hit(t, *w.client, w.query, *hit, now);
        // The refresh goes on without the client, until the deadline.
        w.client.reset();
      }
      s.checks.emplace(w.deadline, ep);
      continue;
    }
    if (w.client) send_error(t, *w.client, w.query, rcode::servfail);
    forget(t, ep);
  }
}

void listen_tcp(resp_turn& t, std::uint16_t port) {
  auto& s = t.state;
  const auto& host = s.settings->host;
  s.listen = tcp::listen_on(host, port, tcp::frames16(max_message_size));
  t.at_ground().subscribe(tcp::listener(s.listen), {.on_presence = [host](resp_turn& t, const presence& p) {
                                                      if (auto bound = tcp::listening_port(p["state"])) {
                                                        fmt::print("agora-dns: listening on {}:{} (UDP and TCP)\n", host,
                                                                   *bound);
                                                        std::fflush(stdout);
                                                      } else {
                                                        fmt::print(stderr, "agora-dns: cannot listen on TCP {}: {}\n",
                                                                   host, p["state"].to_string());
                                                        t.at_ground().send(rec("agora.exit", 1));
                                                      }
                                                    }});
  tcp::on_accept(t, s.listen, [](resp_turn& t, const term& conn, const term&) {
    auto& s = t.state;
    if (s.tcp_clients >= s.settings->clients.max_tcp_clients) {
      tcp::close(t, conn);
      return;
    }
    ++s.tcp_clients;
    tcp::on_data(
        t, conn,
        [](resp_turn& t, const term& conn, std::string_view bytes) {
          on_bytes(t, client_address{conn, term(), true}, bytes);
        },
        [](resp_turn& t, const reason&) {
          if (t.state.tcp_clients > 0) --t.state.tcp_clients;
        });
  });
}

void start(resp_turn& t) {
  auto& s = t.state;
  s.cache = std::make_shared<answer_cache>(s.settings->cache);
  const auto& cs = s.settings->clients;
  s.error_replies = rate_limit(cs.error_replies_per_second, cs.error_replies_per_second);
  s.log_lines = rate_limit(cs.log_lines_per_second, cs.log_lines_per_second);
  s.bind = udp::bind_on(s.settings->host, s.settings->port, udp::max_datagram);
  // In batches: a busy server's queries cost one turn and one reply
  // message per batch, not per query.
  udp::on_datagrams(t, s.bind, [](resp_turn& t, std::span<const udp::datagram> batch) {
    t.state.udp_replies.emplace();
    for (const auto& d : batch) on_bytes(t, client_address{d.bind, d.peer, false}, d.bytes);
    t.state.udp_replies->send(t);
    t.state.udp_replies.reset();
  });
  t.at_ground().subscribe(udp::socket_topic(s.bind), {.on_presence = [](resp_turn& t, const presence& p) {
                                                         const term& state = p.flow()[1];
                                                         if (state.is_record("bound", 1) && state[0].is_int()) {
                                                           listen_tcp(t, static_cast<std::uint16_t>(state[0].as_int()));
                                                         } else {
                                                           fmt::print(stderr, "agora-dns: cannot bind UDP {}:{}: {}\n",
                                                                      t.state.settings->host, t.state.settings->port,
                                                                      state.to_string());
                                                           t.at_ground().send(rec("agora.exit", 1));
                                                         }
                                                       }});
  timer::every(t, rec("dns.respondent.sweep"), sweep_period, [](resp_turn& t, std::int64_t) { sweep(t); });
}

}  // namespace

actor_spec respondent(std::shared_ptr<const proxy_settings> settings) {
  respondent_state s;
  s.settings = std::move(settings);
  actor<respondent_state> a{std::move(s), "respondent"};
  a.on_start(start);
  return a;
}

}  // namespace agora::dns
