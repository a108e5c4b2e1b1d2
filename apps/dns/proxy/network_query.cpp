#include "proxy/network_query.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

#include "agora/drivers/tcp.hpp"
#include "agora/drivers/timer.hpp"
#include "agora/drivers/udp.hpp"
#include "codec/decode.hpp"
#include "codec/encode.hpp"
#include "codec/query.hpp"

namespace agora::dns {

namespace {

struct nq_state {
  upstream_address upstream;
  term upstream_term, q, token;
  std::shared_ptr<const upstream_settings> settings;
  query_randomness random;
  message query;           // as sent: ID, the name's case
  std::string wire;        // its bytes
  term bind;               // our UDP socket
  std::optional<endpoint_id> udp_ep;
  term timer_id;
  std::optional<endpoint_id> timer_ep;
  bool over_tcp = false;
  bool done = false;
};

using nq_turn = turn<nq_state>;

void finish(nq_turn& t, term result, std::string_view outcome) {
  auto& s = t.state;
  if (s.done) return;
  s.done = true;
  t.send(exchange_message(s.upstream_term, s.q, s.token, std::move(result)));
  t.send(rec("dns.nq_outcome", s.upstream_term, sym(outcome)));
  if (s.timer_ep) timer::cancel(t, *s.timer_ep, s.timer_id);
  t.quit();
}

void fail(nq_turn& t, std::string_view outcome, const std::string& why) {
  finish(t, failure_result(rcode::servfail, fmt::format("{}: {}", t.state.upstream_term.to_string(), why)),
         outcome);
}

void arm_timer(nq_turn& t) {
  auto& s = t.state;
  if (s.timer_ep) timer::cancel(t, *s.timer_ep, s.timer_id);
  s.timer_ep = timer::once(t, s.timer_id, s.settings->attempt_timeout, [](nq_turn& t, std::int64_t) {
    t.state.timer_ep.reset();
    fail(t, "timeout", t.state.over_tcp ? "no reply over TCP in time" : "no reply in time");
  });
}

void ask_over_tcp(nq_turn& t);

/// A reply candidate from the upstream's address: dropped unless it is the
/// answer to our query; a malformed one with our ID fails the exchange.
void on_reply_bytes(nq_turn& t, std::string_view bytes) {
  auto& s = t.state;
  if (s.done) return;
  const auto wire = wire_of(bytes);
  const auto head = decode_header(wire);
  if (!head || !head->qr || head->id != s.query.header.id) return;  // not ours: keep waiting
  auto decoded = decode(wire);
  if (!decoded) {
    fail(t, "failed", fmt::format("malformed reply: {}", decoded.error().describe()));
    return;
  }
  if (question_mismatch(s.query, *decoded)) return;  // a spoofing attempt, or a stale reply
  if (decoded->header.tc && !s.over_tcp) {
    ask_over_tcp(t);
    return;
  }
  finish(t, reply_result(bytes), "ok");
}

void ask_over_tcp(nq_turn& t) {
  auto& s = t.state;
  s.over_tcp = true;
  if (s.udp_ep) {
    t.remove(*s.udp_ep);  // closes the socket
    s.udp_ep.reset();
  }
  arm_timer(t);
  // Connections to one upstream are shared by its queries (RFC 7766
  // pipelining); each query takes only the reply with its ID and question.
  const term connect = tcp::connect_to(s.upstream.host, s.upstream.port, tcp::frames16(65535));
  tcp::on_connect(
      t, connect,
      [](nq_turn& t, const term& conn) {
        tcp::on_data(
            t, conn, [](nq_turn& t, std::string_view bytes) { on_reply_bytes(t, bytes); },
            [](nq_turn& t, const reason& why) {
              fail(t, "failed", fmt::format("TCP connection ended: {}", why.as_term().to_string()));
            });
        tcp::write(t, conn, t.state.wire);
      },
      [](nq_turn& t, const term&, const reason& why) {
        fail(t, "failed", fmt::format("TCP connection lost: {}", why.as_term().to_string()));
      });
  t.at_ground().subscribe(tcp::connecting(connect), {.on_presence = [](nq_turn& t, const presence& p) {
                                                        const term& state = p["state"];
                                                        if (state.is_record("failed", 1))
                                                          fail(t, "failed",
                                                               fmt::format("TCP connect failed: {}",
                                                                           state[0].to_string()));
                                                      }});
}

void start(nq_turn& t) {
  auto& s = t.state;
  auto q = read_question_term(s.q);
  if (!q) {
    fail(t, "failed", fmt::format("not a question: {}", s.q.to_string()));
    return;
  }
  const name asked = s.settings->use_0x20 ? with_case_pattern(q->qname, s.random.case_bits) : q->qname;
  s.query = make_query(s.random.id, asked, q->qtype,
                       {.recursion_desired = s.settings->recursion_desired, .edns_size = s.settings->edns_size});
  s.query.questions.front().qclass = q->qclass;
  const auto bytes = encode(s.query);
  s.wire.assign(chars_of(bytes));
  const bool v6 = s.upstream.host.find(':') != std::string::npos;
  s.bind = udp::bind_tagged(v6 ? "::" : "0.0.0.0", 0, udp::max_datagram, rec("dns.nq", s.upstream_term, s.q, s.token));
  s.timer_id = rec("dns.nq", s.upstream_term, s.q, s.token);
  s.udp_ep = udp::on_datagram(t, s.bind, [](nq_turn& t, const udp::datagram& d) {
    const auto& up = t.state.upstream;
    if (d.port != up.port || d.host != up.host) return;  // only the upstream's own address
    on_reply_bytes(t, d.bytes);
  });
  // The same turn as the subscription: it goes out from the new socket.
  udp::send(t, s.bind, s.upstream.host, s.upstream.port, s.wire);
  arm_timer(t);
}

}  // namespace

term network_query_topic(const term& upstream) { return rec("dns.nq", upstream, _); }
term network_query_outcome_topic(const term& upstream) { return rec("dns.nq_outcome", upstream, _); }

actor_spec network_query(const upstream_address& upstream, term q, term token,
                         std::shared_ptr<const upstream_settings> settings, query_randomness random) {
  nq_state s;
  s.random = random;
  s.upstream = upstream;
  s.upstream_term = upstream_term(upstream.host, upstream.port);
  s.q = std::move(q);
  s.token = std::move(token);
  s.settings = std::move(settings);
  const term exchange = exchange_topic(s.upstream_term, s.q, s.token);
  const term counted = rec("dns.nq", s.upstream_term, s.token);
  actor<nq_state> a{std::move(s), "network-query"};
  // The interest that started us: when it goes, so do we (and the socket).
  a.publish(exchange, {.on_absence = [](nq_turn& t, const absence&) {
              if (!t.state.done) {
                t.state.done = true;
                t.quit();
              }
            }});
  a.publish(counted);
  a.on_start(start);
  return a;
}

}  // namespace agora::dns
